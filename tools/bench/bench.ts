/**
 * `npm run bench`: synth time and memory of the real app, against the cdktf template's way
 * (`npx ts-node main.ts` with the provider barrels the template imports) and the floor (`node -e 'require("cdktf")'`), for the default app
 * and for generated configs of N = 1, 10, 100 and 1,000 app teams per environment in both
 * stack layouts. Checks the budgets of issue 6 and exits 1 on a miss, 2 on a failure.
 *
 * Writes bench.json, bench.md and bench.svg (default bench-results/) and prints the tables.
 * See docs/performance.md.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkBudgets, IDS, teamsId } from "./budgets";
import { MAX_TEAMS, type StackLayout } from "./generate-config";
import { type BenchCommand, type Measurement, measureGroup, runOnce } from "./measure";
import { renderProfile, summarizeProfile, type CpuProfile } from "./profile";
import { withBenchSection } from "./docs-section";
import { type BenchResults, ratiosOf, renderMarkdown, renderSvg, type TeamsRow } from "./report";
import { countStacks, type OutputSummary, summarizeOutput } from "./resources";

/** Options of a bench run. */
export interface BenchOptions {
  readonly mode: "smoke" | "standard" | "full";
  readonly teams: readonly number[];
  readonly layouts: readonly StackLayout[];
  readonly runs: number;
  readonly warmup: number;
  readonly template: boolean;
  readonly out: string;
  /** `--profile N`: one synth of N teams per environment under --cpu-prof, summarized; no bench. */
  readonly profile?: number;
  /** `--render FILE`: rewrite bench.md and bench.svg beside FILE (a bench.json); no bench. */
  readonly render?: string;
  readonly help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

  --smoke            CI smoke test: N = 1, 1 run, no warm-up, no template way; budgets
                     reported, not enforced; writes to bench-results/tmp/smoke
  --full             also npm test, its jest projects, tsc --noEmit and the cdktf CLI (slow)
  --teams 1,10,100   teams per environment (default 1,10,100,1000)
  --layouts shared   stack layouts (default shared,per-team)
  --runs N           measured runs per figure (default 5; medians)
  --warmup N         warm-up rounds (default 1)
  --no-template      skip the template way (npx ts-node main.ts, barrels and deep)
  --out DIR          output directory (default bench-results)
  --profile N        profile one synth of N teams per environment (node --cpu-prof) and
                     print where the time goes
  --render FILE      rewrite bench.md and bench.svg beside FILE (a bench.json), no runs
`;

/** The options as given on the command line, before defaults. */
interface GivenOptions {
  mode: BenchOptions["mode"];
  teams?: number[];
  layouts?: StackLayout[];
  runs?: number;
  warmup?: number;
  template?: boolean;
  out?: string;
  profile?: number;
  render?: string;
  help: boolean;
}

function intArg(flag: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${flag} needs a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return n;
}

/** What each flag does; `value()` takes the flag's value (`--flag=v` or the next argument). */
const FLAGS: Readonly<Record<string, (o: GivenOptions, value: () => string | undefined) => void>> = {
  "--smoke": (o) => {
    o.mode = "smoke";
  },
  "--full": (o) => {
    o.mode = "full";
  },
  "--teams": (o, value) => {
    o.teams = String(value() ?? "")
      .split(",")
      .map((t) => intArg("--teams", t.trim(), 1, MAX_TEAMS));
  },
  "--layouts": (o, value) => {
    o.layouts = String(value() ?? "")
      .split(",")
      .map((l) => {
        if (l !== "shared" && l !== "per-team") throw new Error(`--layouts takes shared and/or per-team, not ${JSON.stringify(l)}`);
        return l;
      });
  },
  "--runs": (o, value) => {
    o.runs = intArg("--runs", value(), 1, 100);
  },
  "--warmup": (o, value) => {
    o.warmup = intArg("--warmup", value(), 0, 10);
  },
  "--no-template": (o) => {
    o.template = false;
  },
  "--out": (o, value) => {
    o.out = value();
    if (!o.out) throw new Error("--out needs a directory");
  },
  "--profile": (o, value) => {
    o.profile = intArg("--profile", value(), 1, MAX_TEAMS);
  },
  "--render": (o, value) => {
    const render = value();
    if (!render) throw new Error("--render needs a bench.json file");
    o.render = path.resolve(render);
  },
  "--help": (o) => {
    o.help = true;
  },
};
const FLAG_ALIASES: Readonly<Record<string, string>> = { "--layout": "--layouts", "-h": "--help" };

/** Parses the command line. */
export function parseArgs(argv: readonly string[], root: string): BenchOptions {
  const o: GivenOptions = { mode: "standard", help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [given, inline] =
      a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const flag = Object.hasOwn(FLAG_ALIASES, given) ? FLAG_ALIASES[given] : given;
    if (!Object.hasOwn(FLAGS, flag)) throw new Error(`unknown option ${JSON.stringify(a)}`);
    FLAGS[flag](o, () => inline ?? argv[++i]);
  }
  const smoke = o.mode === "smoke";
  return {
    mode: o.mode,
    teams: [...new Set(o.teams ?? (smoke ? [1] : [1, 10, 100, 1000]))].sort((a, b) => a - b),
    layouts: o.layouts ?? ["shared", "per-team"],
    runs: o.runs ?? (smoke ? 1 : 5),
    warmup: o.warmup ?? (smoke ? 0 : 1),
    template: o.template ?? !smoke,
    out: path.resolve(root, o.out ?? (smoke ? "bench-results/tmp/smoke" : "bench-results")),
    profile: o.profile,
    render: o.render,
    help: o.help,
  };
}

/**
 * Writes bench.json (unless only re-rendering), bench.md and bench.svg into `dir`; when `dir` is
 * the repository's bench-results/, also the tables of docs/performance.md (tools/bench/docs-section.ts).
 */
function writeOutputs(root: string, dir: string, results: BenchResults, json = true): string {
  fs.mkdirSync(dir, { recursive: true });
  if (json) fs.writeFileSync(path.join(dir, "bench.json"), JSON.stringify(results, null, 2) + "\n");
  const md = renderMarkdown(results);
  fs.writeFileSync(path.join(dir, "bench.md"), md);
  fs.writeFileSync(path.join(dir, "bench.svg"), renderSvg(results));
  if (path.resolve(dir) === path.join(root, "bench-results")) {
    const docs = path.join(root, "docs", "performance.md");
    fs.writeFileSync(docs, withBenchSection(fs.readFileSync(docs, "utf8"), md, "docs/performance.md"));
  }
  return md;
}

/** The repository root: the directory with tools/run.js, above this file or its compiled copy. */
export function findRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "tools", "run.js")) && fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no tools/run.js above ${from}`);
  }
}

/** The template way's entry: our main.ts, plus the provider barrel imports the cdktf template uses. */
export const TEMPLATE_ENTRY = [
  "// Written by the bench: the cdktf template imports the provider barrels; otherwise the same app.",
  'import "@cdktf/provider-azurerm";',
  'import "@cdktf/provider-kubernetes";',
  'import "../main";',
  "",
].join("\n");

const NO_NPM_NOISE = { npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };

/** A scratch output directory for one command, emptied before each run. */
function outdir(tmp: string, name: string): { dir: string; prepare: () => void } {
  const dir = path.join(tmp, name);
  return { dir, prepare: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The default-app commands, in table order. */
export function defaultAppCommands(root: string, tmp: string, opts: Pick<BenchOptions, "mode" | "template">): BenchCommand[] {
  return [
    ...ourSynthCommands(root, tmp, opts.mode),
    ...(opts.template ? templateCommands(root, tmp) : []),
    ...(opts.mode === "full" ? [cdktfCliCommand(root, tmp)] : []),
  ];
}

/** The floor and our synth: the process, with cdktf's token stacks on (not in smoke mode), and through npm. */
function ourSynthCommands(root: string, tmp: string, mode: BenchOptions["mode"]): BenchCommand[] {
  const synth = outdir(tmp, "synth");
  const stacks = outdir(tmp, "token-stacks");
  const npmSynth = outdir(tmp, "npm-synth");
  const cmds: BenchCommand[] = [
    {
      id: IDS.floor,
      label: "floor",
      display: `node -e 'require("cdktf")'`,
      cmd: process.execPath,
      args: ["-e", 'require("cdktf")'],
      cwd: root,
    },
    {
      id: IDS.synth,
      label: "synth process (ours)",
      display: "node tools/run.js synth",
      cmd: process.execPath,
      args: ["tools/run.js", "synth"],
      cwd: root,
      env: { CDKTF_OUTDIR: synth.dir },
      prepare: synth.prepare,
    },
  ];
  if (mode !== "smoke") {
    // What patches/cdktf+0.21.0.patch saves: the same synth with cdktf's token creation stacks on.
    cmds.push({
      id: "token-stacks",
      label: "synth with cdktf's token stacks (unpatched)",
      display: "AKS_TOKEN_STACKS=1 node tools/run.js synth",
      cmd: process.execPath,
      args: ["tools/run.js", "synth"],
      cwd: root,
      env: { CDKTF_OUTDIR: stacks.dir, AKS_TOKEN_STACKS: "1" },
      prepare: stacks.prepare,
    });
  }
  cmds.push({
    id: IDS.npmSynth,
    label: "npm run synth (ours, end to end)",
    display: "npm run synth",
    cmd: "npm",
    args: ["run", "--silent", "synth"],
    cwd: root,
    env: { CDKTF_OUTDIR: npmSynth.dir, ...NO_NPM_NOISE },
    prepare: npmSynth.prepare,
  });
  return cmds;
}

/**
 * ts-node needs TypeScript's JavaScript compiler API, which TypeScript 7 (this repository's
 * `typescript`, a native compiler) does not have: it runs on TypeScript 5.9, the `typescript5`
 * alias, the version the cdktf template installs (ts-node's documented `compiler` option).
 */
const TS_NODE_COMPILER = "typescript5";

/** The template way, and ts-node alone on our deep imports. */
function templateCommands(root: string, tmp: string): BenchCommand[] {
  const template = outdir(tmp, "template");
  const tsNodeDeep = outdir(tmp, "ts-node-deep");
  // The cdktf project template: `ts-node main.ts` (type-checking) with the provider barrels
  // imported. Same app and config; only the two barrel imports are added.
  const entry = path.join(root, ".build", "template-main.ts");
  return [
    {
      id: IDS.template,
      label: "template way (ts-node + provider barrels)",
      display: "TS_NODE_COMPILER=typescript5 npx ts-node main.ts, barrel imports",
      cmd: "npx",
      args: ["ts-node", path.relative(root, entry)],
      cwd: root,
      env: { CDKTF_OUTDIR: template.dir, TS_NODE_COMPILER, ...NO_NPM_NOISE },
      prepare: () => {
        template.prepare();
        fs.mkdirSync(path.dirname(entry), { recursive: true });
        fs.writeFileSync(entry, TEMPLATE_ENTRY);
      },
    },
    // The same without the barrels: what ts-node alone costs on this project's deep imports.
    {
      id: "ts-node-deep",
      label: "ts-node on our deep imports",
      display: "TS_NODE_COMPILER=typescript5 npx ts-node main.ts",
      cmd: "npx",
      args: ["ts-node", "main.ts"],
      cwd: root,
      env: { CDKTF_OUTDIR: tsNodeDeep.dir, TS_NODE_COMPILER, ...NO_NPM_NOISE },
      prepare: tsNodeDeep.prepare,
    },
  ];
}

/** The cdktf CLI around our app (`--full` only). */
function cdktfCliCommand(root: string, tmp: string): BenchCommand {
  const cli = outdir(tmp, "cli");
  return {
    id: "cdktf-cli",
    label: "cdktf CLI around our app",
    display: "npx cdktf synth",
    cmd: "npx",
    args: ["cdktf", "synth", "--output", cli.dir],
    cwd: root,
    env: { CHECKPOINT_DISABLE: "1", ...NO_NPM_NOISE },
    prepare: cli.prepare,
  };
}

/** The generated-config command for N teams per environment. */
export function teamsCommand(root: string, tmp: string, teams: number, layout: StackLayout): BenchCommand & { outdir: string } {
  const dir = path.join(tmp, teamsId(teams, layout));
  return {
    id: teamsId(teams, layout),
    label: `${teams} teams/env, ${layout}`,
    display: `node tools/run.js tools/bench/synth-entry.ts --teams ${teams} --layout ${layout}`,
    cmd: process.execPath,
    args: ["tools/run.js", "tools/bench/synth-entry.ts", "--teams", String(teams), "--layout", layout],
    cwd: root,
    env: { CDKTF_OUTDIR: dir },
    prepare: () => fs.rmSync(dir, { recursive: true, force: true }),
    outdir: dir,
  };
}

/** npm test and its two parts. */
export function projectCommands(root: string): BenchCommand[] {
  return [
    {
      id: IDS.npmTest,
      label: "npm test (end to end)",
      display: "npm test",
      cmd: "npm",
      args: ["test", "--silent"],
      cwd: root,
      env: NO_NPM_NOISE,
    },
    {
      id: IDS.jest,
      label: "jest unit project, alone",
      display: "npx jest --selectProjects unit",
      cmd: "npx",
      args: ["jest", "--selectProjects", "unit", "--silent"],
      cwd: root,
      env: NO_NPM_NOISE,
    },
    {
      id: IDS.jestSystem,
      label: "jest system project, alone (no budget of its own: inside npm test's)",
      display: "npx jest --selectProjects system",
      cmd: "npx",
      args: ["jest", "--selectProjects", "system", "--silent"],
      cwd: root,
      env: NO_NPM_NOISE,
    },
    { id: IDS.tsc, label: "type check", display: "npx tsc --noEmit", cmd: "npx", args: ["tsc", "--noEmit"], cwd: root, env: NO_NPM_NOISE },
  ];
}

function tryCount(dir: string): OutputSummary | undefined {
  try {
    return summarizeOutput(countStacks(dir));
  } catch {
    return undefined;
  }
}

const log = (line: string) => process.stderr.write(line + "\n");

/** `--profile N`: one synth under --cpu-prof; prints the summary. */
async function profileRun(root: string, reporter: string, tmp: string, teams: number): Promise<number> {
  const dir = path.join(tmp, "profile");
  fs.mkdirSync(dir, { recursive: true });
  const c = teamsCommand(root, tmp, teams, "shared");
  // --cpu-prof is not allowed in NODE_OPTIONS: it goes on the command line of the synth process.
  const s = await runOnce({ ...c, args: ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...c.args] }, reporter, tmp);
  if (s.exitCode !== 0) {
    log(`synth failed: ${s.stderrTail ?? ""}`);
    return 2;
  }
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  const keep = path.join(root, "bench-results", "tmp", `synth-${teams}.cpuprofile`);
  for (const f of files) {
    const p = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as CpuProfile;
    // The synth process is the one that loaded the project's code.
    if (!p.nodes.some((n) => n.callFrame.url.includes("/.build/stacks/"))) continue;
    fs.mkdirSync(path.dirname(keep), { recursive: true });
    fs.copyFileSync(path.join(dir, f), keep);
    process.stdout.write(
      renderProfile(
        `${teams} teams per environment, wall ${(s.wallMs / 1000).toFixed(2)} s, peak RSS ${s.rssMiB.toFixed(0)} MiB`,
        summarizeProfile(p),
      ) + `\nProfile kept in ${path.relative(root, keep)} (open in Chrome DevTools or speedscope).\n`,
    );
    return 0;
  }
  log("no profile of the synth process was written");
  return 2;
}

/** Runs the bench; returns the exit code. */
export async function cli(argv: string[]): Promise<number> {
  const root = findRoot();
  let opts: BenchOptions;
  try {
    opts = parseArgs(argv, root);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (opts.render) {
    const results = JSON.parse(fs.readFileSync(opts.render, "utf8")) as BenchResults;
    process.stdout.write(writeOutputs(root, path.dirname(opts.render), results, false));
    return 0;
  }
  // Transpile every source once before timing (the children then only check mtimes).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(path.join(root, "tools", "run.js")) as { compile(): number }).compile();
  const reporter = path.join(root, ".build", "tools", "bench", "rss-reporter.js");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "aks-bench-"));
  try {
    if (opts.profile !== undefined) return await profileRun(root, reporter, tmp, opts.profile);
    return await benchRun(root, reporter, tmp, opts);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Everything a bench run measures. */
interface Measured {
  readonly defaultApp: Measurement[];
  readonly defaultOutput?: OutputSummary;
  readonly teamRows: TeamsRow[];
  readonly project: Measurement[];
}

/** The bench proper: measures, writes the outputs, checks the budgets; returns the exit code. */
async function benchRun(root: string, reporter: string, tmp: string, opts: BenchOptions): Promise<number> {
  const loadAvgStart = os.loadavg();
  const measured = await measureAll(root, tmp, opts, { runs: opts.runs, warmup: opts.warmup, reporter, scratch: tmp, log });
  const results = resultsOf(opts, loadAvgStart, measured);
  process.stdout.write(writeOutputs(root, opts.out, results));
  log(`wrote ${["bench.json", "bench.md", "bench.svg"].map((f) => path.relative(root, path.join(opts.out, f))).join(", ")}`);
  const failures = [...measured.defaultApp, ...measured.teamRows.map((t) => t.measurement), ...measured.project].filter((m) => m.error);
  if (failures.length) {
    for (const f of failures) log(`FAILED ${f.id}: ${f.error}`);
    return 2;
  }
  const misses = results.budgets.filter((b) => b.status === "miss");
  if (misses.length && results.enforced) {
    log(`${misses.length} budget(s) missed: ${misses.map((b) => b.id).join(", ")}`);
    return 1;
  }
  return 0;
}

/** The default app (round-robin), then each generated config, then (`--full`) the project commands. */
async function measureAll(
  root: string,
  tmp: string,
  opts: BenchOptions,
  measureOpts: Parameters<typeof measureGroup>[1],
): Promise<Measured> {
  log(`default app: ${opts.warmup} warm-up + ${opts.runs} runs, round-robin`);
  const defaultCmds = defaultAppCommands(root, tmp, opts);
  const defaultApp = await measureGroup(defaultCmds, measureOpts);
  const defaultOutput = tryCount(path.join(tmp, "synth"));

  const teamRows: TeamsRow[] = [];
  for (const layout of opts.layouts) {
    for (const n of opts.teams) {
      log(`${n} teams per environment, ${layout} layout`);
      const c = teamsCommand(root, tmp, n, layout);
      const [m] = await measureGroup([c], measureOpts);
      teamRows.push({ teams: n, layout, measurement: m, output: tryCount(c.outdir) });
      fs.rmSync(c.outdir, { recursive: true, force: true });
    }
  }

  let project: Measurement[] = [];
  if (opts.mode === "full") {
    log("project commands: npm test, jest, tsc --noEmit");
    project = await measureGroup(projectCommands(root), measureOpts);
  }
  return { defaultApp, defaultOutput, teamRows, project };
}

/** bench.json's content: the machine, the settings, every figure with its ratios, the budgets. */
function resultsOf(opts: BenchOptions, loadAvgStart: number[], { defaultApp, defaultOutput, teamRows, project }: Measured): BenchResults {
  const byId = new Map(defaultApp.map((m) => [m.id, m]));
  const template = byId.get(IDS.template);
  const floor = byId.get(IDS.floor);
  const all = [...defaultApp, ...teamRows.map((t) => t.measurement), ...project];
  const budgets = checkBudgets(all);
  const enforced = opts.mode !== "smoke";
  const failures = all.filter((m) => m.error);
  return {
    schema: 1,
    date: new Date().toISOString(),
    mode: opts.mode,
    enforced,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
      node: process.versions.node,
      platform: `${os.platform()} ${os.release()}`,
      totalMemMiB: Math.round(os.totalmem() / 1048576),
      loadAvgStart: loadAvgStart.map((v) => Math.round(v * 100) / 100),
      loadAvgEnd: os.loadavg().map((v) => Math.round(v * 100) / 100),
    },
    settings: {
      runs: opts.runs,
      warmup: opts.warmup,
      teams: opts.teams,
      layouts: opts.layouts,
      tokenStacks: process.env.AKS_TOKEN_STACKS === "1",
    },
    defaultApp: defaultApp.map((m) => ({ ...m, ratios: ratiosOf(m, template, floor) })),
    defaultOutput,
    teams: teamRows.map((t) => ({ ...t, ratios: ratiosOf(t.measurement, t.teams === 1 ? template : undefined, floor) })),
    project,
    budgets,
    ok: failures.length === 0 && (!enforced || budgets.every((b) => b.status !== "miss")),
  };
}

if (require.main === module) {
  void cli(process.argv.slice(2)).then((c) => {
    process.exitCode = c;
  });
}
