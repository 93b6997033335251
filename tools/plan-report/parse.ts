import { readFileSync } from "fs";
import { basename, dirname } from "path";
import { PlanReport, PlanReportError, PlanResourceChange, TerraformPlan } from "./types";

/**
 * Plan JSON format versions this tool understands: 1.x (Terraform 1.1 and later), and 0.1/0.2
 * (Terraform 0.12 to 1.0), which 1.0 extended compatibly.
 */
export const SUPPORTED_FORMAT = /^(?:1\.\d+|0\.[12])(?:\.\d+)?$/;

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

/** What to run to get a plan as JSON, for the advice in error messages. */
export const SHOW_JSON = "`terraform show -json <planfile> > plan.json`";

/**
 * Decodes a file's bytes to text: UTF-8 with or without a BOM, and UTF-16 LE or BE with a BOM
 * (what Windows PowerShell 5's `>` writes) or without one (told apart by the NULs of the first
 * character, which in JSON is always ASCII). Refuses a saved binary plan, UTF-32 and bytes that
 * are not valid UTF-8, each with its fix: write the file again with `command`.
 */
export function decodeText(bytes: Uint8Array, file: string, command: string = SHOW_JSON): string {
  const b = bytes;
  const n = b.length;
  if (
    n >= 4 &&
    ((b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) || (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff))
  ) {
    throw new PlanReportError(`${file}: is UTF-32 text; write it again as UTF-8 with ${command} ${powershellUtf8(command)}.`);
  }
  if (n >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return utf8(b.subarray(3), file, command);
  if (n >= 2 && b[0] === 0xff && b[1] === 0xfe) return utf16(b.subarray(2), "utf-16le", file, command);
  if (n >= 2 && b[0] === 0xfe && b[1] === 0xff) return utf16(b.subarray(2), "utf-16be", file, command);
  if (command === SHOW_JSON && n >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) {
    throw new PlanReportError(
      `${file}: is a saved binary plan (the \`-out\` file of \`terraform plan\`), not its JSON. Convert it with \`terraform show -json ${basename(file)} > plan.json\` in the directory it was planned in, and give plan.json.`,
    );
  }
  if (n >= 2 && b[0] !== 0 && b[1] === 0) return utf16(b, "utf-16le", file, command);
  if (n >= 2 && b[0] === 0 && b[1] !== 0) return utf16(b, "utf-16be", file, command);
  return utf8(b, file, command);
}

/** `cmd > file` as Windows PowerShell 5 must write it to get UTF-8. */
function powershellUtf8(command: string): string {
  const m = /^`(.*) > (\S+)`$/.exec(command);
  return m ? `(in Windows PowerShell 5: \`${m[1]} | Out-File -Encoding utf8 ${m[2]}\`)` : "";
}

function utf8(bytes: Uint8Array, file: string, command: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new PlanReportError(
      `${file}: is not UTF-8 text (it holds bytes that are not UTF-8: another encoding, or a binary file). ` +
        `Write it again as UTF-8 with ${command} ${powershellUtf8(command)}.`,
    );
  }
}

function utf16(bytes: Uint8Array, encoding: "utf-16le" | "utf-16be", file: string, command: string): string {
  if (bytes.length % 2 !== 0) {
    throw new PlanReportError(
      `${file}: is ${encoding.toUpperCase()} text cut in the middle of a character (odd length); the file is ` +
        `damaged. Write it again with ${command} ${powershellUtf8(command)}.`,
    );
  }
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new PlanReportError(
      `${file}: is not valid ${encoding.toUpperCase()} text; the file is damaged. Write it again with ${command} ` +
        `${powershellUtf8(command)}.`,
    );
  }
}

/** The start of `terraform plan`'s human-readable output (after colour codes are removed). */
const PLAN_TEXT =
  /Terraform (?:will perform the following actions|used the selected providers)|No changes\. Your infrastructure matches|Plan: \d+ to (?:import|add)|Refreshing state\.\.\.|Terraform planned the following actions/;

/** Why text is not JSON, in words, with the fix. */
function notJson(text: string, file: string, err: unknown): PlanReportError {
  const trimmed = text.trim();
  if (trimmed === "") {
    return new PlanReportError(
      `${file}: is empty. \`terraform show -json\` wrote nothing: run ${SHOW_JSON} again and read its error output (is the plan file there?).`,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/\u0000/.test(text)) {
    return new PlanReportError(`${file}: is a binary file, not JSON. Give the output of ${SHOW_JSON}.`);
  }
  // eslint-disable-next-line no-control-regex
  const plain = trimmed.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");
  if (!plain.startsWith("{") && !plain.startsWith("[") && PLAN_TEXT.test(plain.slice(0, 4000))) {
    return new PlanReportError(
      `${file}: is the text output of \`terraform plan\`, not JSON. Save the plan with \`terraform plan -out=tfplan\`, then give ${SHOW_JSON.replace("<planfile>", "tfplan")}.`,
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  const brace = plain.indexOf("{");
  if (brace > 0 && !plain.startsWith("{")) {
    const first =
      plain
        .slice(0, brace)
        .split(/\r?\n/)
        .find((l) => l.trim() !== "") ?? "";
    return new PlanReportError(
      `${file}: has text before the JSON (it starts "${first.trim().slice(0, 80)}"): terraform's warnings or other output went into the file. Redirect only standard output: ${SHOW_JSON} (not \`2>&1\`, \`&>\` or \`*>\`).`,
    );
  }
  if (/after JSON/i.test(detail)) {
    return new PlanReportError(
      `${file}: holds more than one JSON document, or text after the JSON (${detail}). Give one \`terraform show -json\` output per file, written with \`>\`, not appended with \`>>\`.`,
    );
  }
  const at = /at position (\d+)/.exec(detail);
  if (/end of JSON input|Unterminated string/i.test(detail) || (at && Number(at[1]) >= text.trimEnd().length)) {
    return new PlanReportError(
      `${file}: the JSON ends early (${detail}): the file is cut short (an interrupted command, a full disk, ` +
        `or a truncated CI artifact). Run ${SHOW_JSON} again.`,
    );
  }
  return new PlanReportError(
    `${file}: not JSON (${detail}). Give the output of ${SHOW_JSON}, not the plan file itself or the text of \`terraform plan\`.`,
  );
}

/** Parses file text; `file` only names the input in error messages. */
export function parseInput(text: string, file: string): LoadedInput {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw notJson(text, file, err);
  }
  if (!isObject(data)) {
    throw new PlanReportError(`${file}: expected a JSON object from ${SHOW_JSON}, found ${describe(data)}.`);
  }
  if (data.kind === "aks-plan-report") {
    if (data.version !== 1) {
      throw new PlanReportError(
        `${file}: plan report JSON version ${String(data.version)} is not supported (expected 1); re-run the ` +
          `report with this tool's version.`,
      );
    }
    if (!isPlanReport(data)) {
      throw new PlanReportError(
        `${file}: not a plan report as \`--json\` writes it (each of "stacks" needs stack, changes, access and protectedChanges); the file is damaged. Re-run the report.`,
      );
    }
    return { kind: "report", file, report: data };
  }
  const version = data.format_version;
  if (typeof version !== "string") {
    throw new PlanReportError(
      `${file}: no "format_version": this is not a Terraform plan. Produce one with \`terraform plan -out=tfplan && terraform show -json tfplan > ${basename(file)}\`.`,
    );
  }
  if (!SUPPORTED_FORMAT.test(version)) {
    throw new PlanReportError(
      `${file}: plan format_version "${version}" is not supported (this tool reads 1.x, and 0.1/0.2 from Terraform 0.12 to 1.0). Use a Terraform 1.x \`terraform show -json\`, or update the plan report tool.`,
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
  if (!isTerraformPlan(data)) {
    throw new PlanReportError(`${file}: ${planShapeProblem(data)}; the file is damaged. Re-run \`terraform show -json\`.`);
  }
  return { kind: "plan", file, plan: data };
}

/** Reads and parses one input file; every failure is a one-line {@link PlanReportError}. */
export function readInput(file: string): LoadedInput {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
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
  return parseInput(decodeText(bytes, file), file);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The fields of a resource change the report reads: its address, type and actions. */
function isResourceChange(v: unknown): v is PlanResourceChange {
  if (!isObject(v) || typeof v.address !== "string" || typeof v.type !== "string" || !isObject(v.change)) return false;
  const actions = v.change.actions;
  return Array.isArray(actions) && actions.every((a) => typeof a === "string");
}

/** What keeps `v` from being a plan as the report reads it, or undefined when nothing does. */
function planShapeProblem(v: Record<string, unknown>): string | undefined {
  if (typeof v.format_version !== "string") return `"format_version" is not a string`;
  for (const key of ["resource_changes", "resource_drift"] as const) {
    const list = v[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return `"${key}" is not a list`;
    const bad = list.findIndex((rc) => !isResourceChange(rc));
    if (bad >= 0) return `${key}[${bad}] is not a resource change (address, type and change.actions)`;
  }
  if (v.configuration !== undefined && !isObject(v.configuration)) return `"configuration" is not an object`;
  return undefined;
}

/**
 * A plan as the report reads it: a format version, and resource changes (and drift) that are
 * resource changes. Values and configuration expressions are read defensively where used.
 */
function isTerraformPlan(v: Record<string, unknown>): v is Record<string, unknown> & TerraformPlan {
  return planShapeProblem(v) === undefined;
}

/** A plan report (`--json`, version 1) as `--json` wrote it: stacks, and the lists it merges. */
function isPlanReport(v: Record<string, unknown>): v is Record<string, unknown> & PlanReport {
  return (
    v.kind === "aks-plan-report" &&
    v.version === 1 &&
    Array.isArray(v.stacks) &&
    v.stacks.every(
      (s) =>
        isObject(s) &&
        typeof s.stack === "string" &&
        Array.isArray(s.changes) &&
        Array.isArray(s.access) &&
        Array.isArray(s.protectedChanges),
    ) &&
    (v.checks === undefined || Array.isArray(v.checks)) &&
    (v.withoutPlan === undefined || Array.isArray(v.withoutPlan))
  );
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  return `a ${typeof v}`;
}
