#!/usr/bin/env node
// `npm test`: runs each command in turn (stopping at the first failure) and prints each
// step's wall time and the total, so the test-time budget is visible where it is run
// (budget: npm test <= 60 s, jest <= 15 s on a quiet 2-core machine).
//
//   node tools/timed.js "tsc --noEmit" jest
"use strict";
const { spawnSync } = require("child_process");
const path = require("path");

const bin = path.join(__dirname, "..", "node_modules", ".bin");
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
const start = process.hrtime.bigint();
const secs = (from) => (Number(process.hrtime.bigint() - from) / 1e9).toFixed(1);
const times = [];
let status = 0;
for (const command of process.argv.slice(2)) {
  const t = process.hrtime.bigint();
  const r = spawnSync(command, { stdio: "inherit", shell: true, env });
  times.push(`${command} ${secs(t)} s`);
  status = r.status ?? 1;
  if (status !== 0) break;
}
process.stderr.write(`\nnpm test wall time: ${secs(start)} s (${times.join(", ")})${status === 0 ? "" : `, failed with exit ${status}`}\n`);
process.exitCode = status;
