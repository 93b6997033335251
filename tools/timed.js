#!/usr/bin/env node
// `npm test`: runs groups of commands in turn (stopping at the first failure) and prints each
// command's wall time and the total, so the test-time budget is visible where it is run
// (budget: npm test <= 60 s on a quiet 2-core machine; see docs/performance.md).
// Commands of one group run side by side: tsc and ESLint are single-threaded, so on two cores
// the type-check, the lint and the build cost about as much wall time as the lint alone.
// Groups are separated by "--":
//
//   node tools/timed.js "tsc --noEmit" "eslint ." -- jest
"use strict";
const { spawn } = require("child_process");
const path = require("path");

const bin = path.join(__dirname, "..", "node_modules", ".bin");
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
const secs = (from) => (Number(process.hrtime.bigint() - from) / 1e9).toFixed(1);

/** Splits the arguments into groups at each "--". */
function groupsOf(args) {
  const groups = [[]];
  for (const a of args) {
    if (a === "--") groups.push([]);
    else groups[groups.length - 1].push(a);
  }
  return groups.filter((g) => g.length > 0);
}

/** Runs one command through the shell; resolves with its exit status and wall time. */
function run(command) {
  const t = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(command, { stdio: "inherit", shell: true, env });
    child.on("error", () => resolve({ command, status: 1, time: secs(t) }));
    child.on("close", (code) => resolve({ command, status: code ?? 1, time: secs(t) }));
  });
}

async function main() {
  const start = process.hrtime.bigint();
  const times = [];
  let status = 0;
  for (const group of groupsOf(process.argv.slice(2))) {
    const results = await Promise.all(group.map(run));
    times.push(results.map((r) => `${r.command} ${r.time} s`).join(" ∥ "));
    const failed = results.find((r) => r.status !== 0);
    if (failed) {
      status = failed.status;
      break;
    }
  }
  process.stderr.write(`\nnpm test wall time: ${secs(start)} s (${times.join(", then ")})${status === 0 ? "" : `, failed with exit ${status}`}\n`);
  process.exitCode = status;
}

void main();
