#!/usr/bin/env node
/**
 * `npm run deploy -- <stack...> [cdktf deploy options]`: synthesizes, refuses (exit 1, listing
 * every placeholder) when a selected stack still contains one, and only then runs
 * `cdktf deploy` with the same arguments. `--check-only [--outdir <dir>] <stack...>` checks
 * stacks synthesized before (the deploy workflow runs this before `terraform plan`).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { reportCliError } from "../cli-error";
import { checkStacks, DeployGuardError, formatRefusal, selectStacks, synthesizedStacks } from "./check";

const USAGE = `usage: npm run deploy -- <stack|glob>... [cdktf deploy options]
       deploy-guard --check-only [--outdir <cdktf.out>] <stack|glob>...

Synthesizes (node tools/run.js synth), refuses when a selected stack still contains a
placeholder from config/environments.ts (exit 1, with the list), else runs cdktf deploy with
the same arguments. --check-only checks an existing cdktf.out and runs nothing.`;

export function cli(argv: string[]): number {
  try {
    if (argv.includes("--help") || argv.includes("-h")) {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    const checkOnly = argv.includes("--check-only");
    const o = argv.indexOf("--outdir");
    if (o >= 0 && (!argv[o + 1] || argv[o + 1].startsWith("-")))
      throw new DeployGuardError("--outdir needs a directory. Fix: --outdir cdktf.out");
    const outdir = o >= 0 ? argv[o + 1] : (process.env.CDKTF_OUTDIR ?? "cdktf.out");
    const rest = argv.filter((a, i) => a !== "--check-only" && !(o >= 0 && (i === o || i === o + 1)));
    if (!checkOnly) {
      const root = projectRoot();
      const synth = spawnSync(process.execPath, [path.join(root, "tools", "run.js"), "synth"], {
        stdio: "inherit",
        env: { ...process.env, CDKTF_OUTDIR: outdir },
      });
      if (synth.status !== 0) {
        process.stderr.write(`deploy-guard: synth failed (exit ${synth.status ?? synth.signal}); cdktf deploy was not started.\n`);
        return 1;
      }
    }
    if (checkOnly && rest.filter((a) => !a.startsWith("-")).length === 0)
      throw new DeployGuardError("--check-only needs the stacks to check. Fix: deploy-guard --check-only dev-test-apps");
    const result = checkStacks(outdir, selectStacks(synthesizedStacks(outdir), rest, checkOnly));
    if (result.refused.size) {
      process.stderr.write(formatRefusal(result).join("\n") + (checkOnly ? "\n" : "\ncdktf deploy was not started.\n"));
      return 1;
    }
    process.stderr.write(`deploy-guard: no placeholders in ${result.checked.join(", ")}\n`);
    if (checkOnly) return 0;
    const cdktf = path.join(projectRoot(), "node_modules", ".bin", process.platform === "win32" ? "cdktf.cmd" : "cdktf");
    const run = spawnSync(cdktf, ["deploy", ...rest], { stdio: "inherit", env: { ...process.env, CDKTF_OUTDIR: outdir } });
    if (run.error) throw new DeployGuardError(`cannot start ${cdktf}: ${run.error.message}. Fix: npm ci`);
    return run.status ?? 1;
  } catch (err) {
    return reportCliError("deploy-guard", err, DeployGuardError);
  }
}

/** The project root: where tools/run.js is (this file runs from tools/ or .build/tools/). */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "tools", "run.js"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new DeployGuardError(`tools/run.js not found above ${__dirname}. Fix: run it from the project (npm run deploy).`);
    dir = up;
  }
  return dir;
}

if (require.main === module) process.exitCode = cli(process.argv.slice(2));
