#!/usr/bin/env node
// Runs the bundled CLI (npm run build: dist/bundle/main.js). In a checkout without a build, use `npx tsx src/cli/main.ts`.
import '../dist/bundle/main.js';
