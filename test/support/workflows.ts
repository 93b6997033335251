/**
 * The GitHub workflows as data (parsed with `yaml`), for the workflow tests: jobs, steps, and
 * the effective jobs of reusable-workflow calls with the caller's inputs filled in.
 */
import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";

export const ROOT = join(__dirname, "..", "..");
export const WORKFLOW_DIR = join(ROOT, ".github", "workflows");
export const WORKFLOW_FILES = readdirSync(WORKFLOW_DIR)
  .filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))
  .sort();

export type Json = Record<string, unknown>;

export interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, unknown>;
}

export interface Job {
  readonly name?: string;
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
  readonly secrets?: unknown;
  readonly needs?: string | string[];
  readonly environment?: string | { name: string };
  readonly permissions?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly steps?: Step[];
  readonly [key: string]: unknown;
}

export interface Workflow {
  readonly name: string;
  readonly on: Json;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: unknown;
  readonly jobs: Record<string, Job>;
}

export function workflowText(file: string): string {
  return readFileSync(join(WORKFLOW_DIR, file), "utf8");
}

export function workflow(file: string): Workflow {
  return parse(workflowText(file)) as Workflow;
}

/** The step of a job with this name. */
export function step(file: string, job: string, name: string): Step {
  const s = workflow(file).jobs[job]?.steps?.find((x) => x.name === name);
  if (!s) throw new Error(`${file}: job ${job} has no step named "${name}"`);
  return s;
}

/** A job as it runs: `<file>:<job>` or `<caller file>:<caller job>:<called job>`, with inputs filled in. */
export interface EffectiveJob {
  readonly id: string;
  readonly job: Job;
  /** Values of `${{ inputs.X }}` from the caller's `with:`. */
  readonly inputs: Readonly<Record<string, string>>;
  /** The workflow whose trigger starts it. */
  readonly trigger: string[];
}

export function effectiveJobs(): EffectiveJob[] {
  const out: EffectiveJob[] = [];
  for (const file of WORKFLOW_FILES) {
    const wf = workflow(file);
    const trigger = Object.keys(wf.on);
    if (trigger.length === 1 && trigger[0] === "workflow_call") continue;
    for (const [key, job] of Object.entries(wf.jobs)) {
      if (typeof job.uses === "string" && job.uses.startsWith("./.github/workflows/")) {
        const called = workflow(job.uses.slice("./.github/workflows/".length));
        const inputs = Object.fromEntries(Object.entries(job.with ?? {}).map(([k, v]) => [k, String(v)]));
        for (const [calledKey, calledJob] of Object.entries(called.jobs)) {
          out.push({ id: `${file}:${key}:${calledKey}`, job: calledJob, inputs, trigger });
        }
      } else {
        out.push({ id: `${file}:${key}`, job, inputs: {}, trigger });
      }
    }
  }
  return out;
}

/**
 * The values an expression can take once the caller's inputs are filled in: a literal, one
 * `${{ inputs.x }}`, or `${{ <condition> && inputs.a || inputs.b }}` (both branches).
 */
export function possibleValues(value: string | undefined, inputs: Readonly<Record<string, string>>): string[] {
  if (value === undefined) return [];
  const input = (name: string): string => {
    if (!(name in inputs)) throw new Error(`inputs.${name} is not passed by the caller`);
    return inputs[name];
  };
  const whole = /^\$\{\{\s*(.*?)\s*\}\}$/.exec(value.trim());
  if (!whole) return [value];
  const single = /^inputs\.([\w-]+)$/.exec(whole[1]);
  if (single) return [input(single[1])];
  const either = /^.+&&\s*inputs\.([\w-]+)\s*\|\|\s*inputs\.([\w-]+)$/.exec(whole[1]);
  if (either) return [input(either[1]), input(either[2])];
  return [value];
}

/** Environment names a job can run in (none: `[]`). */
export function environmentsOf(e: EffectiveJob): string[] {
  const env = e.job.environment;
  const name = typeof env === "object" && env !== null ? env.name : env;
  return possibleValues(name, e.inputs);
}

/** The repository variable an effective job signs in with (`vars.X` behind ARM_CLIENT_ID), if any. */
export function clientIdVariable(e: EffectiveJob): string | undefined {
  const raw = e.job.env?.ARM_CLIENT_ID;
  if (raw === undefined) return undefined;
  const values = possibleValues(raw, e.inputs);
  const m = values.length === 1 ? /^\$\{\{\s*vars\.([A-Z0-9_]+)\s*\}\}$/.exec(values[0]) : null;
  if (!m) throw new Error(`${e.id}: ARM_CLIENT_ID is ${raw}, not one repository variable`);
  return m[1];
}

/** Every script: `run:` of every step and github-script `script:`, with where it is. */
export function scripts(file: string): { where: string; body: string; shell: boolean }[] {
  const out: { where: string; body: string; shell: boolean }[] = [];
  for (const [key, job] of Object.entries(workflow(file).jobs)) {
    (job.steps ?? []).forEach((s, i) => {
      const where = `${file}:${key}:${s.name ?? s.uses ?? `step ${i + 1}`}`;
      if (typeof s.run === "string") out.push({ where, body: s.run, shell: true });
      if (typeof s.with?.script === "string") out.push({ where, body: s.with.script, shell: false });
    });
  }
  return out;
}
