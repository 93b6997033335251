/**
 * Preloaded into every process the benchmark starts (NODE_OPTIONS=--require, inherited by
 * grandchildren such as npm -> node, npx -> ts-node). On exit, each Node process appends
 * its own OS accounting (getrusage: peak RSS, user and system CPU) to BENCH_RSS_FILE,
 * one JSON line, so the bench needs neither /usr/bin/time nor memory sampling.
 */
import * as fs from "fs";

/** One line of BENCH_RSS_FILE. */
export interface UsageReport {
  readonly pid: number;
  /** Peak resident set size, KiB (ru_maxrss). */
  readonly maxRssKiB: number;
  /** User + system CPU time, microseconds. */
  readonly cpuUs: number;
  /** The script the process ran, for diagnostics. */
  readonly script: string;
}

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    const u = process.resourceUsage();
    const report: UsageReport = {
      pid: process.pid,
      maxRssKiB: u.maxRSS,
      cpuUs: u.userCPUTime + u.systemCPUTime,
      script: process.argv[1] ?? "",
    };
    try {
      // One short append per process: atomic with O_APPEND, so concurrent processes do not interleave.
      fs.appendFileSync(file, JSON.stringify(report) + "\n");
    } catch {
      /* the bench reports the process as unmeasured */
    }
  });
}
