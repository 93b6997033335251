import * as fs from "fs";
import * as path from "path";
import { spawn } from "child_process";
import { createRequire } from "module";
import type { PlatformConfig } from "../config/types";
import { placeholderNotes, registerPlaceholders } from "../config/placeholders";
import { failSynth, selectedEnvironments, type SynthResult } from "./env-selection";

// The constructs, providers and cdktf load only where a synth runs in this process: the parent of a
// parallel synth stays a small process that spawns, waits and merges.
const serial = (): typeof import("./synthesize") => require("./synthesize");

/**
 * Above this many app teams (all selected environments together), each environment is
 * synthesized in its own process, in parallel, and the outputs are merged. Environments
 * share nothing in the construct tree, so the result is byte-identical to one process
 * (tested). It trades memory for time: on 2 cores, 1,000 teams per environment take 5.1 s and
 * ~660 MiB in all processes, against 7.5 s and ~575 MiB in one. One process stays the default
 * up to 2,000 teams per environment (within the 8 s / 600 MiB budget); `AKS_SYNTH_PARALLEL=1`
 * asks for speed earlier, `0` forbids it.
 */
export const PARALLEL_TEAMS_THRESHOLD = 4000;
/** V8 flags of the children: a 4 MiB young generation (default 16) saves ~60 MiB per process for ~3% time. */
const CHILD_FLAGS: readonly string[] = ["--max-semi-space-size=4"];

/** `1` forces, `0` forbids per-environment processes. */
export const PARALLEL_ENV = "AKS_SYNTH_PARALLEL";

/** Options of {@link synthesizeApp}. */
export interface SynthesizeAppOptions {
  /** Force (true) or forbid (false) per-environment processes. @default - by PARALLEL_TEAMS_THRESHOLD */
  readonly parallel?: boolean;
}

/**
 * The app's synth: {@link synthesize} in this process, or one child process per environment
 * for large platforms. Same validation, same output, same all-or-nothing `outdir`.
 */
export async function synthesizeApp(
  config: PlatformConfig,
  argv: readonly string[],
  vars: NodeJS.ProcessEnv,
  outdir: string,
  opts: SynthesizeAppOptions = {},
): Promise<SynthResult> {
  const selection = selectedEnvironments(argv, vars);
  const envs = config.environments.filter((e) => !selection.names || selection.names.includes(e.name));
  const teams = envs.reduce((n, e) => n + (e.teams?.length ?? 0), 0);
  const forced = vars[PARALLEL_ENV] === "1" ? true : vars[PARALLEL_ENV] === "0" ? false : undefined;
  const parallel = opts.parallel ?? forced ?? teams >= PARALLEL_TEAMS_THRESHOLD;
  const unknown = (selection.names ?? []).some((n) => !config.environments.some((e) => e.name === n));
  if (!parallel || envs.length < 2 || selection.issues.length || unknown) return serial().synthesize(config, argv, vars, outdir);
  const stringify = loadStableStringify();
  if (!stringify) return serial().synthesize(config, argv, vars, outdir);

  const base = outdir.replace(/[\\/]+$/, "");
  const work = `${base}.tmp-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work);
  const configFile = path.join(work, "config.json");
  fs.writeFileSync(configFile, JSON.stringify(config));
  // Placeholder marks are not in the JSON copy: hand them over beside it, so the children refuse the same stacks.
  fs.writeFileSync(placeholdersFile(configFile), JSON.stringify(placeholderNotes()));
  // Every child validates the whole config (so cross-environment rules hold) and synthesizes its
  // environment; identical config problems are reported once, below.
  const results = await Promise.all(envs.map((e) => runChild(configFile, e.name, path.join(work, `env-${e.name}`), vars)));

  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    // Identical lines (config problems every child reports) once; each child's "removed" line is replaced by ours.
    const lines = [...new Set(failed.flatMap((r) => r.messages.filter((m) => !m.startsWith("removed "))))];
    return failSynth(outdir, work, lines);
  }

  // Merge: every stack directory moves over; the manifests' stacks are united.
  const merged = path.join(work, "out");
  fs.mkdirSync(path.join(merged, "stacks"), { recursive: true });
  let manifest: { version: string; stacks: Record<string, unknown> } | undefined;
  for (const e of envs) {
    const dir = path.join(work, `env-${e.name}`);
    const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as { version: string; stacks: Record<string, unknown> };
    manifest = { version: m.version, stacks: { ...manifest?.stacks, ...m.stacks } };
    for (const s of fs.readdirSync(path.join(dir, "stacks"))) fs.renameSync(path.join(dir, "stacks", s), path.join(merged, "stacks", s));
  }
  fs.writeFileSync(path.join(merged, "manifest.json"), stringify(manifest, { space: 2 }));
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.renameSync(merged, outdir);
  fs.rmSync(work, { recursive: true, force: true });

  const stacks = results.flatMap((r) => r.stacks);
  const [summaries, details] = [results.map((r) => r.messages[1]), results.flatMap((r) => r.messages.slice(2))];
  return {
    ok: true,
    stacks,
    messages: [`synthesized ${stacks.length} stack(s) into ${outdir} (one process per environment): ${stacks.join(", ")}`, ...summaries, ...details],
  };
}

function placeholdersFile(configFile: string): string {
  return configFile.replace(/\.json$/, ".placeholders.json");
}

/** cdktf writes manifest.json with json-stable-stringify; the merge must write it the same way. */
function loadStableStringify(): ((obj: unknown, opts: { space: number }) => string) | undefined {
  try {
    const cdktfMain = require.resolve("cdktf");
    return createRequire(cdktfMain)("json-stable-stringify");
  } catch {
    return undefined; // not available: synthesize in one process
  }
}

/** The project root: where tools/run.js is (this file runs from stacks/ or .build/stacks/). */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "tools", "run.js"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("tools/run.js not found above " + __dirname);
    dir = up;
  }
  return dir;
}

function runChild(configFile: string, env: string, outdir: string, vars: NodeJS.ProcessEnv): Promise<SynthResult> {
  return new Promise((resolve) => {
    const root = projectRoot();
    const resultFile = `${outdir}.result.json`;
    const child = spawn(process.execPath, [...CHILD_FLAGS, path.join(root, "tools", "run.js"), path.join(root, "stacks", "synth-child.ts"), configFile, env, outdir, resultFile], {
      env: vars,
      stdio: ["ignore", "ignore", "pipe"],
    });
    const err: Buffer[] = [];
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("close", (code) => {
      try {
        resolve(JSON.parse(fs.readFileSync(resultFile, "utf8")) as SynthResult);
      } catch {
        const text = Buffer.concat(err).toString("utf8").trim();
        resolve({ ok: false, stacks: [], messages: [`synth of environment ${env} failed (exit ${code}): ${text || "no output"}`] });
      }
    });
  });
}

/** Entry of a child: synthesizes one environment of the config file into `outdir`. */
export function synthesizeChild(configFile: string, env: string, outdir: string): SynthResult {
  const config = JSON.parse(fs.readFileSync(configFile, "utf8")) as PlatformConfig;
  registerPlaceholders(JSON.parse(fs.readFileSync(placeholdersFile(configFile), "utf8")) as Record<string, string>);
  return serial().synthesize(config, ["--env", env], process.env, outdir);
}
