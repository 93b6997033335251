/**
 * Runs a command as a child process and measures it: wall time from the clock (spawn to
 * exit), peak RSS from the OS accounting each Node process of the tree reports itself on exit
 * (tools/bench/rss-reporter.ts, preloaded through NODE_OPTIONS), CPU from the OS accounting of
 * the whole tree (on Linux; native programs such as terraform or oxlint included), else the sum
 * the Node processes report.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { UsageReport } from "./rss-reporter";

/** A command to measure. */
export interface BenchCommand {
  /** Stable id, e.g. `synth`, `teams-100-shared`. */
  readonly id: string;
  /** Shown in the table. */
  readonly label: string;
  /** Shown in the table: how to run it by hand. */
  readonly display: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to the environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Run before every run, outside the timing (e.g. remove the previous output). */
  readonly prepare?: () => void;
}

/** One run. */
export interface Sample {
  readonly wallMs: number;
  /** Largest peak RSS of any Node process of the tree, MiB (what `/usr/bin/time` reports for the tree's largest process). */
  readonly rssMiB: number;
  /**
   * Sum of the peak RSS of every Node process of the tree, MiB: an upper bound of the memory
   * the run held at once (`npm run synth` is npm plus the synth process).
   */
  readonly rssSumMiB: number;
  /**
   * CPU time of the whole tree, ms: every process the run started, native ones too (Linux:
   * {@link childrenCpuMs}); elsewhere the sum of what the Node processes report.
   */
  readonly cpuMs: number;
  /** Node processes that reported. */
  readonly processes: number;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Last lines of stderr, when the run failed. */
  readonly stderrTail?: string;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of an empty list");
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** NODE_OPTIONS with `--require <file>` appended. */
export function withPreload(nodeOptions: string | undefined, file: string): string {
  const quoted = /[\s"]/.test(file) ? `"${file.replace(/(["\\])/g, "\\$1")}"` : file;
  return [nodeOptions, `--require ${quoted}`].filter(Boolean).join(" ");
}

/** Reads the reports the processes of one run appended. */
export function readReports(file: string): UsageReport[] {
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as UsageReport];
      } catch {
        return [];
      }
    });
}

/** Linux's USER_HZ: /proc reports CPU times in these ticks, 100 a second on every architecture Node runs on. */
const USER_HZ = 100;

/**
 * CPU time, ms, of every child this process has waited for, with the children they waited for
 * in turn (Linux: `cutime` + `cstime` of /proc/self/stat, getrusage's RUSAGE_CHILDREN, which Node
 * does not expose); undefined where there is no /proc. Node waits for each child it spawns, so
 * the difference around one run is that run's whole tree.
 */
export function childrenCpuMs(): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync("/proc/self/stat", "utf8");
  } catch {
    return undefined;
  }
  // After "pid (comm) ": field 3 (state) onwards; cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[13]) + Number(fields[14]);
  return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : undefined;
}

/** Runs `c` once. `reporter` is the compiled rss-reporter; `scratch` a directory for its report file. */
export function runOnce(c: BenchCommand, reporter: string, scratch: string): Promise<Sample> {
  c.prepare?.();
  const reportFile = path.join(scratch, `usage-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.jsonl`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...c.env,
    NODE_OPTIONS: withPreload(c.env?.NODE_OPTIONS ?? process.env.NODE_OPTIONS, reporter),
    BENCH_RSS_FILE: reportFile,
  };
  return new Promise((resolve, reject) => {
    let stderr = "";
    const cpu0 = childrenCpuMs();
    const t0 = process.hrtime.bigint();
    const child = spawn(c.cmd, c.args as string[], { cwd: c.cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      // stderr may still be draining; 'close' follows 'exit'.
      child.on("close", () => {
        const reports = readReports(reportFile);
        fs.rmSync(reportFile, { force: true });
        const cpu1 = childrenCpuMs();
        resolve({
          wallMs,
          rssMiB: reports.reduce((m, r) => Math.max(m, r.maxRssKiB), 0) / 1024,
          rssSumMiB: reports.reduce((t, r) => t + r.maxRssKiB, 0) / 1024,
          cpuMs: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : reports.reduce((s, r) => s + r.cpuUs, 0) / 1000,
          processes: reports.length,
          exitCode: code,
          signal,
          stderrTail: code === 0 ? undefined : stderr.split("\n").slice(-15).join("\n"),
        });
      });
    });
  });
}

/** Medians of a command's runs. */
export interface Measurement {
  readonly id: string;
  readonly label: string;
  readonly display: string;
  readonly runs: number;
  readonly wallMs: number;
  readonly rssMiB: number;
  /** Median of {@link Sample.rssSumMiB}. */
  readonly rssSumMiB?: number;
  readonly cpuMs: number;
  /** Every run's wall time, ms, in run order (to judge noise). */
  readonly wallMsAll: number[];
  readonly rssMiBAll: number[];
  /** Set when any run failed: the figures are then not valid. */
  readonly error?: string;
}

/** Summarizes samples (warm-up excluded) into medians. */
export function summarize(c: Pick<BenchCommand, "id" | "label" | "display">, samples: readonly Sample[]): Measurement {
  const failed = samples.find((s) => s.exitCode !== 0);
  const unreported = samples.find((s) => s.exitCode === 0 && s.processes === 0);
  const error = failed
    ? `exit ${failed.exitCode ?? failed.signal}: ${(failed.stderrTail ?? "").trim().split("\n").slice(-3).join(" / ")}`
    : unreported
      ? "no process reported its resource usage"
      : undefined;
  return {
    id: c.id,
    label: c.label,
    display: c.display,
    runs: samples.length,
    wallMs: samples.length ? median(samples.map((s) => s.wallMs)) : NaN,
    rssMiB: samples.length ? median(samples.map((s) => s.rssMiB)) : NaN,
    rssSumMiB: samples.length ? median(samples.map((s) => s.rssSumMiB)) : NaN,
    cpuMs: samples.length ? median(samples.map((s) => s.cpuMs)) : NaN,
    wallMsAll: samples.map((s) => Math.round(s.wallMs)),
    rssMiBAll: samples.map((s) => Math.round(s.rssMiB * 10) / 10),
    ...(error ? { error } : {}),
  };
}

/**
 * Measures a group of commands: `warmup` unmeasured rounds, then `runs` measured rounds.
 * Within a round the commands run one after the other (round-robin), so slow drifts in
 * machine load hit every command alike and the ratios between them stay fair.
 * A command that fails is not run again.
 */
export async function measureGroup(
  commands: readonly BenchCommand[],
  opts: { runs: number; warmup: number; reporter: string; scratch: string; log?: (line: string) => void },
): Promise<Measurement[]> {
  const samples = new Map<string, Sample[]>(commands.map((c) => [c.id, []]));
  const failed = new Set<string>();
  for (let round = -opts.warmup; round < opts.runs; round++) {
    for (const c of commands) {
      if (failed.has(c.id)) continue;
      const s = await runOnce(c, opts.reporter, opts.scratch);
      if (s.exitCode !== 0) failed.add(c.id);
      if (round >= 0 || s.exitCode !== 0) samples.get(c.id)!.push(s);
      opts.log?.(
        `  ${round < 0 ? "warm-up" : `run ${round + 1}/${opts.runs}`} ${c.id}: ${(s.wallMs / 1000).toFixed(2)} s, ${s.rssMiB.toFixed(0)} MiB${s.exitCode ? ` (exit ${s.exitCode})` : ""}`,
      );
    }
  }
  return commands.map((c) => summarize(c, samples.get(c.id)!));
}
