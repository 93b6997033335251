import { readFileSync } from "fs";
import { basename, dirname } from "path";
import { PlanReport, PlanReportError, TerraformPlan } from "./types";

/** Major versions of the plan JSON format this tool understands. */
export const SUPPORTED_FORMAT_MAJOR = 1;

/** What a file given on the command line holds. */
export type LoadedInput =
  | { readonly kind: "plan"; readonly file: string; readonly plan: TerraformPlan }
  | { readonly kind: "report"; readonly file: string; readonly report: PlanReport };

const GENERIC_NAMES = new Set(["plan", "tfplan", "terraform", "show", "out"]);

/**
 * The stack name a plan file stands for: its base name without `.json`, a `.plan`/`.tfplan`
 * suffix or a `plan-`/`tfplan-` prefix (`plan-dev-test-apps.json`, `dev-test-apps.plan.json`).
 * A generic name (`plan.json`, `tfplan.json`) takes the name of its directory instead, so
 * `cdktf.out/stacks/prod-apps/plan.json` is `prod-apps`.
 */
export function stackNameFromFile(file: string): string {
  let name = basename(file).replace(/\.json$/i, "");
  name = name.replace(/\.(tf)?plan$/i, "").replace(/^(tf)?plan[-_.]/i, "");
  if (name === "" || GENERIC_NAMES.has(name.toLowerCase())) {
    const dir = basename(dirname(file));
    if (dir && dir !== "." && dir !== "/") return dir;
  }
  return name;
}

/** Parses file text; `file` only names the input in error messages. */
export function parseInput(text: string, file: string): LoadedInput {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new PlanReportError(
      `${file}: not JSON (${detail}). Give the output of \`terraform show -json <planfile>\`, not the plan file itself or the text of \`terraform plan\`.`,
    );
  }
  if (!isObject(data)) {
    throw new PlanReportError(`${file}: expected a JSON object from \`terraform show -json <planfile>\`, found ${describe(data)}.`);
  }
  if (data.kind === "aks-plan-report") {
    if (data.version !== 1 || !Array.isArray(data.stacks)) {
      throw new PlanReportError(`${file}: plan report JSON version ${String(data.version)} is not supported (expected 1); re-run the report with this tool's version.`);
    }
    return { kind: "report", file, report: data as unknown as PlanReport };
  }
  const version = data.format_version;
  if (typeof version !== "string") {
    throw new PlanReportError(
      `${file}: no "format_version": this is not a Terraform plan. Produce one with \`terraform plan -out=tfplan && terraform show -json tfplan > ${basename(file)}\`.`,
    );
  }
  const major = Number(version.split(".")[0]);
  if (major !== SUPPORTED_FORMAT_MAJOR) {
    throw new PlanReportError(
      `${file}: plan format_version "${version}" is not supported (this tool reads ${SUPPORTED_FORMAT_MAJOR}.x, written by Terraform 1.x). Use a Terraform 1.x \`terraform show -json\`, or update the plan report tool.`,
    );
  }
  if (data.resource_changes !== undefined && !Array.isArray(data.resource_changes)) {
    throw new PlanReportError(`${file}: "resource_changes" is not a list; the file is damaged. Re-run \`terraform show -json\`.`);
  }
  if (data.planned_values === undefined && data.resource_changes === undefined && data.prior_state === undefined) {
    throw new PlanReportError(
      `${file}: this looks like state, not a plan (no "resource_changes" or "planned_values"). Run \`terraform show -json <planfile>\` on a saved plan.`,
    );
  }
  return { kind: "plan", file, plan: data as unknown as TerraformPlan };
}

/** Reads and parses one input file; every failure is a one-line {@link PlanReportError}. */
export function readInput(file: string): LoadedInput {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new PlanReportError(`${file}: no such file. Check the path, or create it with \`terraform show -json tfplan > ${file}\`.`);
    }
    if (code === "EISDIR") {
      throw new PlanReportError(`${file}: is a directory; give the plan JSON file inside it.`);
    }
    throw new PlanReportError(`${file}: cannot read (${code ?? String(err)}).`);
  }
  return parseInput(text, file);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  return `a ${typeof v}`;
}
