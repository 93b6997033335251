#!/usr/bin/env node
// Runner for the project's TypeScript entry points: the synth (`npm run synth`, cdktf.json's
// "app"), the bench and the tools.
//
// Why a home-made runner and not a maintained one: each .ts file under main.ts, constructs/,
// stacks/, config/ and tools/ is transpiled with swc (no type-check: that is `npm test`'s job)
// into .build/ only when its source is newer, then the entry is required in this same process.
// Measured on the default app (2 cores, same moment, CPU seconds as the load-independent
// figure): this runner 0.74 s CPU / 95 MiB; `node --require tsx/cjs` (tsx 4.23.15) 1.23 s /
// 114 MiB; the `tsx` CLI 1.85 s / 135 MiB; `@swc-node/register` 1.12.1 1.30 s / 157 MiB (and it
// needs a separate tsconfig: it maps the bare `constructs` import onto ./constructs/ through
// tsconfig `paths`). Both maintained runners transpile on every start; they would miss the
// 0.5 s / 150 MiB synth budget (tools/bench/budgets.ts). The CI workflows also ship the
// compiled .build/tools to their plan/deploy jobs. Nothing else here is clever: no module-cache
// tricks, no private cdktf files (cdktf's own costs are a visible patch: patches/).
//
//   node tools/run.js synth            -> .build/main.js
//   node tools/run.js plan-report ...  -> .build/tools/plan-report/cli.js
//   node tools/run.js <entry.ts> ...   -> any project .ts file
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, ".build");
const SOURCES = ["main.ts", "constructs", "stacks", "config", "tools"];
const ENTRIES = {
  synth: "main.ts",
  "plan-report": "tools/plan-report/cli.ts",
  doctor: "tools/doctor/cli.ts",
  verify: "tools/verify/cli.ts",
  bench: "tools/bench/bench.ts",
};

function listTs(rel, acc) {
  const abs = path.join(ROOT, rel);
  let st;
  try {
    st = fs.statSync(abs);
  } catch {
    return acc;
  }
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(abs)) listTs(path.join(rel, name), acc);
  } else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) {
    acc.push({ rel, mtimeMs: st.mtimeMs });
  }
  return acc;
}

/** Transpiles every changed source; returns the number of files written. */
function compile() {
  let swc;
  let written = 0;
  for (const { rel, mtimeMs } of SOURCES.reduce((acc, s) => listTs(s, acc), [])) {
    const out = path.join(OUT, rel.replace(/\.ts$/, ".js"));
    let outMtime = 0;
    try {
      outMtime = fs.statSync(out).mtimeMs;
    } catch {
      /* not built yet */
    }
    if (outMtime >= mtimeMs) continue;
    swc = swc || require("@swc/core");
    const { code } = swc.transformFileSync(path.join(ROOT, rel), {
      swcrc: false,
      jsc: { parser: { syntax: "typescript" }, target: "es2022", keepClassNames: true },
      module: { type: "commonjs" },
      sourceMaps: false,
    });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, code);
    written++;
  }
  return written;
}

function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  const entry = ENTRIES[cmd] || (cmd && cmd.endsWith(".ts") ? path.relative(ROOT, path.resolve(cmd)) : undefined);
  if (!entry) {
    process.stderr.write(
      `usage: node tools/run.js <${Object.keys(ENTRIES).join("|")}|file.ts> [args...]\n` + (cmd ? `unknown command "${cmd}"\n` : ""),
    );
    process.exit(2);
  }
  compile();
  process.argv = [process.argv[0], path.join(ROOT, entry), ...rest];
  const mod = require(path.join(OUT, entry.replace(/\.ts$/, ".js")));
  // Tool entries export `cli(argv)` returning the exit code (or a promise of it); main.ts runs on load.
  if (typeof mod.cli === "function") {
    Promise.resolve()
      .then(() => mod.cli(rest))
      .then(
        (code) => {
          process.exitCode = typeof code === "number" ? code : 0;
        },
        (err) => {
          process.stderr.write(`${cmd}: ${err && err.message ? err.message : err}\n`);
          process.exitCode = 2;
        },
      );
  }
}

if (require.main === module) main();
module.exports = { compile, ROOT, OUT };
