/**
 * Benchmark: the plan report, end to end, on a plan of 10,000 resource changes.
 *
 *   node tools/run.js tools/plan-report/bench.ts [--changes 10000] [--runs 5] [--budget-ms 2000] [--keep plan.json]
 *
 * The plan is derived from a real one by replication: test/fixtures/plans/dev-test-apps.plan.json
 * (itself derived from a real `terraform show -json`, see derive.js there) is copied N/10 times
 * with every address, name and configuration reference renamed per copy, so each copy keeps its
 * create/update/delete/replace mix, unknown values, references and sensitive marks.
 *
 * Each run is a fresh `node tools/run.js plan-report <plan> --out <file>` process, timed from
 * spawn to exit, as CI runs it; the first (warm-up) run also pays for any swc transpile. Exits 1
 * when the median run is over the budget.
 */
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join, resolve } from "path";
import { parseInput } from "./parse";
import { PlanConfigResource, PlanExpression, PlanResourceChange, TerraformPlan } from "./types";

/** An expression that refers to other objects (a nested block's expressions are a list, left as they are). */
function hasReferences(e: unknown): e is PlanExpression & { readonly references: readonly string[] } {
  return typeof e === "object" && e !== null && !Array.isArray(e) && "references" in e && Array.isArray(e.references);
}

/** The project root: the nearest directory above this file that holds tools/run.js. */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "tools", "run.js"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("tools/run.js not found above " + __dirname);
    dir = up;
  }
  return dir;
}

/** Replicates a plan's resource changes (and their configuration) to `count` changes. */
export function replicatePlan(plan: TerraformPlan, count: number): TerraformPlan {
  const base = plan.resource_changes ?? [];
  const config = plan.configuration?.root_module?.resources ?? [];
  if (base.length === 0) throw new Error("the source plan has no resource changes");
  const addresses = base.map((rc) => rc.address);
  const rename = (ref: string, i: number): string => {
    const hit = addresses.find((a) => ref === a || ref.startsWith(`${a}.`) || ref.startsWith(`${a}[`));
    return hit ? `${hit}_${i}${ref.slice(hit.length)}` : ref;
  };
  const copies = Math.ceil(count / base.length);
  const changes: PlanResourceChange[] = [];
  const resources: PlanConfigResource[] = [];
  for (let i = 0; i < copies; i++) {
    for (const rc of base) {
      if (changes.length < count) changes.push({ ...rc, address: `${rc.address}_${i}`, name: `${rc.name}_${i}` });
    }
    for (const r of config) {
      const expressions: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(r.expressions ?? {})) {
        expressions[k] = hasReferences(e) ? { ...e, references: e.references.map((x) => rename(x, i)) } : e;
      }
      resources.push({ ...r, address: `${r.address}_${i}`, ...(r.name !== undefined ? { name: `${r.name}_${i}` } : {}), expressions });
    }
  }
  return {
    ...plan,
    resource_changes: changes,
    configuration: { ...plan.configuration, root_module: { ...plan.configuration?.root_module, resources } },
  };
}

function flag(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
  return n;
}

/** Runs the benchmark; returns 0 when the median is within budget. */
export function cli(argv: string[]): number {
  const count = flag(argv, "--changes", 10_000);
  const runs = flag(argv, "--runs", 5);
  const budget = flag(argv, "--budget-ms", 2000);
  const keepAt = argv.indexOf("--keep");
  const root = projectRoot();
  const source = join(root, "test", "fixtures", "plans", "dev-test-apps.plan.json");
  const dir = mkdtempSync(join(tmpdir(), "plan-report-bench-"));
  try {
    const planFile = keepAt >= 0 ? resolve(argv[keepAt + 1]) : join(dir, "bench-10k.plan.json");
    const input = parseInput(readFileSync(source, "utf8"), source);
    if (input.kind !== "plan") throw new Error(`${source} is a plan report, not a plan`);
    const plan = replicatePlan(input.plan, count);
    writeFileSync(planFile, JSON.stringify(plan));
    const mb = (statSync(planFile).size / 1024 / 1024).toFixed(1);
    process.stdout.write(`plan: ${plan.resource_changes?.length} resource changes, ${mb} MiB (${planFile})\n`);

    const times: Record<"markdown" | "json", number[]> = { markdown: [], json: [] };
    for (const format of ["markdown", "json"] as const) {
      for (let i = 0; i <= runs; i++) {
        const args = [
          join(root, "tools", "run.js"),
          "plan-report",
          ...(format === "json" ? ["--json"] : []),
          "--out",
          join(dir, `report.${format}`),
          planFile,
        ];
        const start = process.hrtime.bigint();
        const r = spawnSync(process.execPath, args, {
          cwd: root,
          encoding: "utf8",
          env: { ...process.env, PLAN_REPORT_ALLOW_DESTROY: "" },
        });
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        // Exit 1 is expected: the replicated plan replaces identities and deletes role assignments.
        if (r.status !== 0 && r.status !== 1) throw new Error(`plan-report exited ${r.status}: ${r.stderr.trim()}`);
        if (i === 0) process.stdout.write(`${format}: warm-up run ${ms.toFixed(0)} ms (includes any swc transpile)\n`);
        else times[format].push(ms);
      }
    }
    let ok = true;
    for (const [format, list] of Object.entries(times)) {
      const sorted = [...list].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      ok = ok && median < budget;
      process.stdout.write(
        `${format}: median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ` +
          `ms over ${list.length} runs (budget ${budget} ms)\n`,
      );
    }
    process.stdout.write(ok ? "within budget\n" : "OVER BUDGET\n");
    return ok ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) process.exitCode = cli(process.argv.slice(2));
