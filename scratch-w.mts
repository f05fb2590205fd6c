import {libraryRulesData, json} from "/work/wt-deploy/scripts/manifests/generate.ts"; import {writeFileSync} from "fs";
import {valuesSchema} from "/work/wt-deploy/scripts/manifests/values-schema.ts";
writeFileSync("charts/kube-posture/files/rules.json", json(await libraryRulesData()));
writeFileSync("charts/kube-posture/values.schema.json", json(valuesSchema()));
