#!/usr/bin/env node
// `npm test`: runs its stages in turn (stopping after the first stage that fails) and prints
// each command's wall time and the total, so the test-time budget is visible where it is run
// (budget on a quiet 2-core machine: npm test <= 60 s, the jest unit project, run alone, <= 15 s; see
// docs/performance.md). Within a stage, commands joined by " + " run at the same time (oxlint
// beside oxfmt). Their output is buffered and printed per command when it ends, so it never
// interleaves.
//
//   node tools/timed.js "oxlint + oxfmt --check" "jest"
"use strict";
const { spawn } = require("child_process");
const path = require("path");

const bin = path.join(__dirname, "..", "node_modules", ".bin");
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
const secs = (from) => (Number(process.hrtime.bigint() - from) / 1e9).toFixed(1);

/** Runs one command; resolves with its exit status and time. Alone in its stage, it keeps the terminal. */
function run(command, alone) {
  const t = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, env, stdio: alone ? "inherit" : ["ignore", "pipe", "pipe"] });
    const out = [];
    if (!alone) {
      child.stdout.on("data", (d) => out.push(d));
      child.stderr.on("data", (d) => out.push(d));
    }
    child.on("error", (err) => out.push(Buffer.from(`${command}: ${err.message}\n`)));
    child.on("close", (code, signal) => {
      if (out.length) process.stdout.write(Buffer.concat(out));
      resolve({ command, status: code ?? (signal ? 1 : 0), time: secs(t) });
    });
  });
}

async function main() {
  const start = process.hrtime.bigint();
  const times = [];
  let failed;
  for (const stage of process.argv.slice(2)) {
    const commands = stage.split(" + ").map((c) => c.trim());
    const results = await Promise.all(commands.map((c) => run(c, commands.length === 1)));
    for (const r of results) times.push(`${r.command} ${r.time} s`);
    failed = results.find((r) => r.status !== 0);
    if (failed) break;
  }
  const status = failed ? failed.status : 0;
  process.stderr.write(
    `\nnpm test wall time: ${secs(start)} s (${times.join(", ")})${failed ? `, failed: ${failed.command} exited ${status}` : ""}\n`,
  );
  process.exitCode = status;
}

void main();
