// Reference side of the differential check (see README.md): the upstream evaluator, k8s.io/pod-security-admission.

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// Reads one Pod (JSON) per line on stdin and writes one line per pod: 76 letters, the decisions of the
// reference Pod Security Admission evaluator at baseline v1.0..v1.37 then restricted v1.0..v1.37
// (A allowed, D denied), or E when the pod does not decode.
func main() {
	ev, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		panic(err)
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		var pod corev1.Pod
		if err := json.Unmarshal(sc.Bytes(), &pod); err != nil {
			fmt.Fprintln(w, "E")
			continue
		}
		out := make([]byte, 0, 76)
		for _, level := range []api.Level{api.LevelBaseline, api.LevelRestricted} {
			for minor := 0; minor <= 37; minor++ {
				res := ev.EvaluatePod(api.LevelVersion{Level: level, Version: api.MajorMinorVersion(1, minor)}, &pod.ObjectMeta, &pod.Spec)
				agg := policy.AggregateCheckResults(res)
				if agg.Allowed {
					out = append(out, 'A')
				} else {
					out = append(out, 'D')
				}
			}
		}
		fmt.Fprintln(w, string(out))
	}
}
