/**
 * Measures `doctor` on a large generated log: throughput (MB/s) and peak memory (RSS).
 *
 *   node tools/run.js tools/doctor/measure.ts [--size 1G] [--log /tmp/doctor-1g.log] [--keep]
 *
 * Generates the log (generate-log.ts) unless `--log` names an existing file, runs the real
 * CLI (`node tools/run.js doctor --json <log>`) under `/usr/bin/time -v` when present, else
 * reads `process.resourceUsage().maxRSS` inside the child (or with `--resource-usage`), and
 * deletes the generated log unless `--keep`. Not part of the test suite: a 1 GB log does not belong in 15 s of jest.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateLog, parseSize } from "./generate-log";

/** The project root: run.js transpiles this file into .build/, so walk up to tools/run.js. */
function projectRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "tools", "run.js")) && fs.existsSync(path.join(dir, "package.json"))) return dir;
  }
  throw new Error("cannot find the project root (tools/run.js)");
}
const ROOT = projectRoot();

interface Measurement {
  readonly bytes: number;
  readonly seconds: number;
  readonly maxRssKiB: number;
  /** User + system CPU seconds, when known: less sensitive to other load on the machine than wall time. */
  readonly cpuSeconds?: number;
  readonly method: string;
  readonly exitCode: number | null;
  readonly summary: unknown;
}

function wallSeconds(s: string): number {
  // "0:07.81" or "1:02:03.4"
  const parts = s.trim().split(":").map(Number);
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}

function measureWithTime(log: string): Measurement | undefined {
  if (!fs.existsSync("/usr/bin/time")) return undefined;
  const r = spawnSync("/usr/bin/time", ["-v", process.execPath, path.join(ROOT, "tools", "run.js"), "doctor", "--json", log], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
    encoding: "utf8",
  });
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(r.stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  if (!rss || !wall) return undefined;
  if (r.status !== 0 && r.status !== 1)
    throw new Error(`doctor failed (exit ${r.status}): ${r.stderr.split("\n").find((l) => l.trim()) ?? ""}`);
  return {
    bytes: fs.statSync(log).size,
    seconds: wallSeconds(wall[1]),
    maxRssKiB: Number(rss[1]),
    cpuSeconds: user && sys ? Number(user[1]) + Number(sys[1]) : undefined,
    method: "/usr/bin/time -v",
    exitCode: r.status,
    summary: (JSON.parse(r.stdout) as { summary: unknown }).summary,
  };
}

function measureWithResourceUsage(log: string): Measurement {
  const script = `
    const { compile, OUT } = require(${JSON.stringify(path.join(ROOT, "tools", "run.js"))});
    compile();
    const t0 = process.hrtime.bigint();
    require(require("path").join(OUT, "tools/doctor/cli.js"))
      .cli(["--json", ${JSON.stringify(log)}], { stdout: { write: (s) => { process.stdout.write(JSON.stringify(JSON.parse(s).summary)); return true; } } })
      .then((code) => {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        process.stderr.write(JSON.stringify({ code, seconds, maxRssKiB: process.resourceUsage().maxRSS }));
      });`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const m = JSON.parse(r.stderr) as { code: number; seconds: number; maxRssKiB: number };
  return {
    bytes: fs.statSync(log).size,
    seconds: m.seconds,
    maxRssKiB: m.maxRssKiB,
    method: "process.resourceUsage() in the child",
    exitCode: m.code,
    summary: JSON.parse(r.stdout),
  };
}

export async function cli(argv: string[]): Promise<number> {
  let size = "1G";
  let log: string | undefined;
  let keep = false;
  let method: "auto" | "resource-usage" = "auto";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--size") size = argv[++i] ?? "";
    else if (argv[i] === "--log") log = argv[++i];
    else if (argv[i] === "--keep") keep = true;
    else if (argv[i] === "--resource-usage") method = "resource-usage";
    else {
      process.stderr.write(`measure: unknown argument "${argv[i]}" (usage: [--size 1G] [--log <file>] [--keep] [--resource-usage])\n`);
      return 2;
    }
  }
  let generated = false;
  if (!log || !fs.existsSync(log)) {
    log ??= path.join(os.tmpdir(), `doctor-${size}.log`);
    const t0 = Date.now();
    const g = await generateLog(log, parseSize(size));
    generated = true;
    process.stdout.write(`measure: generated ${g.bytes} bytes, ${g.lines} lines in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${log}\n`);
  }
  try {
    const load = os.loadavg();
    const m = (method === "auto" ? measureWithTime(log) : undefined) ?? measureWithResourceUsage(log);
    const mb = m.bytes / 1e6;
    process.stdout.write(
      [
        `measure: doctor read ${mb.toFixed(0)} MB in ${m.seconds.toFixed(2)} s wall = ${(mb / m.seconds).toFixed(0)} MB/s${m.cpuSeconds ? ` (${m.cpuSeconds.toFixed(2)} s CPU = ${(mb / m.cpuSeconds).toFixed(0)} MB/s per CPU second)` : ""}; peak RSS ${(m.maxRssKiB / 1024).toFixed(0)} MiB (${m.method}); exit ${m.exitCode}`,
        `measure: load average before the run ${load.map((x) => x.toFixed(2)).join(" ")} (other work on the machine slows the wall time)`,
        `measure: summary ${JSON.stringify(m.summary)}`,
        `measure: node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown cpu"})`,
      ].join("\n") + "\n",
    );
  } finally {
    if (generated && !keep) fs.rmSync(log, { force: true });
  }
  return 0;
}

if (require.main === module) {
  void cli(process.argv.slice(2)).then((c) => {
    process.exitCode = c;
  });
}
