/**
 * The bench's CPU figure is the whole process tree's, native programs included (terraform,
 * oxlint's type checker, TypeScript 7's tsc are not Node and report nothing themselves). Proved
 * with real children that burn CPU and report nothing: a shell loop, and a Node process whose
 * preloaded reporter writes no report.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { childrenCpuMs, runOnce } from "../tools/bench/measure";

const linux = fs.existsSync("/proc/self/stat");
if (!linux) console.log("bench-measure: skipped, no /proc (the bench then sums what the Node processes report)");
const maybe = linux ? test : test.skip;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-measure-"));
const silentReporter = path.join(scratch, "reporter.js");
fs.writeFileSync(silentReporter, "// reports nothing\n");
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const busy = (label: string, cmd: string, args: string[]) => ({ id: label, label, display: label, cmd, args, cwd: scratch });

maybe("GIVEN this process THEN its children's CPU time is a number that only grows", () => {
  const a = childrenCpuMs()!;
  expect(Number.isFinite(a)).toBe(true);
  expect(childrenCpuMs()!).toBeGreaterThanOrEqual(a);
});

maybe("GIVEN a shell loop (no Node process in the tree) WHEN measured THEN its CPU time is counted", async () => {
  const s = await runOnce(busy("sh", "sh", ["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"]), silentReporter, scratch);
  expect(s.exitCode).toBe(0);
  expect(s.processes).toBe(0);
  expect(s.cpuMs).toBeGreaterThan(100);
  expect(s.cpuMs).toBeLessThan(s.wallMs * os.cpus().length + 50);
});

maybe("GIVEN a shell that starts a busy Node grandchild WHEN measured THEN the grandchild's CPU time is counted too", async () => {
  const loop = "const t = Date.now(); while (Date.now() - t < 300);";
  const s = await runOnce(busy("sh-node", "sh", ["-c", `"${process.execPath}" -e '${loop}'`]), silentReporter, scratch);
  expect(s.exitCode).toBe(0);
  expect(s.cpuMs).toBeGreaterThan(250);
});
