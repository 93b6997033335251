import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import { basename, dirname, join, relative, resolve, sep } from "path";
import { compareDeployOrder, type ChangedStacks, type StackComparison } from "../shared/stacks";

/**
 * Which stacks of a synth output (`cdktf.out/`) differ from another one (the base branch's).
 *
 * What is compared, per stack directory (`cdktf.out/stacks/<stack>/`):
 * - `cdk.tf.json` as parsed JSON: key order and whitespace do not count. Properties named `//`
 *   in block bodies (the root, each resource, data source, module, output, variable, provider
 *   and `terraform` block) are ignored: Terraform's JSON syntax ignores them too, and cdktf keeps
 *   only metadata there (construct paths, unique IDs, its own version). A `//` key inside an
 *   attribute value (say, a tag named `//`) is a real value and is compared.
 * - Absolute paths inside the checkout (the local backend's `path`, asset paths) are compared
 *   relative to the checkout, so a base branch synthesized in another directory compares equal.
 * - Every other file byte for byte (assets, modules), except `.terraform/`, state and plan files
 *   that a local `terraform init`/`plan` leaves behind.
 */

/** Bad input: one line, exit code 2. */
export class ChangedStacksError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChangedStacksError";
  }
}

/** Block types whose entries are `type → name → body` in Terraform JSON. */
const TWO_LABELS = new Set(["resource", "data", "ephemeral"]);
/** Block types whose entries are `name → body`. */
const ONE_LABEL = new Set(["module", "output", "variable", "provider", "check"]);

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Drops `//` from a block body (or each body of a list of bodies). */
function stripBody(body: Json): Json {
  if (Array.isArray(body)) return body.map(stripBody);
  if (!isObject(body)) return body;
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(body)) if (k !== "//") out[k] = v;
  return out;
}

function mapValues(v: Json, fn: (x: Json) => Json): Json {
  if (!isObject(v)) return v;
  const out: { [key: string]: Json } = {};
  for (const [k, x] of Object.entries(v)) out[k] = fn(x);
  return out;
}

/** Removes the `//` metadata Terraform ignores, leaving every value Terraform reads. */
export function stripMetadata(doc: Json): Json {
  if (!isObject(doc)) return doc;
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === "//") continue;
    if (TWO_LABELS.has(k)) out[k] = mapValues(v, (byType) => mapValues(byType, stripBody));
    else if (ONE_LABEL.has(k)) out[k] = mapValues(v, stripBody);
    else out[k] = stripBody(v);
  }
  return out;
}

/** Canonical JSON text: sorted keys, and absolute paths under `root` made relative. */
function canonical(v: Json, root: string | undefined): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x, root)).join(",")}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k], root)}`).join(",")}}`;
  }
  if (typeof v === "string" && root && (v === root || v.startsWith(root + sep) || v.startsWith(root + "/"))) {
    return JSON.stringify(`<checkout>${v.slice(root.length)}`);
  }
  return JSON.stringify(v);
}

/** Top-level addresses of a stack document, each with its canonical text. */
function addressesOf(doc: Json, root: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!isObject(doc)) return out;
  for (const [k, v] of Object.entries(doc)) {
    if ((TWO_LABELS.has(k) || ONE_LABEL.has(k) || k === "terraform") && isObject(v)) {
      for (const [k2, v2] of Object.entries(v)) {
        if (TWO_LABELS.has(k) && isObject(v2)) {
          for (const [k3, v3] of Object.entries(v2)) out.set(`${k}.${k2}.${k3}`, canonical(v3, root));
        } else {
          out.set(`${k}.${k2}`, canonical(v2, root));
        }
      }
    } else {
      out.set(k, canonical(v, root));
    }
  }
  return out;
}

const IGNORED_DIRS = new Set([".terraform"]);
const IGNORED_FILE = /^(terraform\.tfstate(\..*)?|\.terraform\.tfstate\.lock\.info|tfplan.*|.*\.tfplan)$/;

function listFiles(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!IGNORED_DIRS.has(entry.name)) out.push(...listFiles(dir, path));
    } else if (!IGNORED_FILE.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

/** The `stacks/` directory of a synth output; accepts `cdktf.out` or `cdktf.out/stacks`. */
export function stacksDirOf(synthDir: string): string {
  const nested = join(synthDir, "stacks");
  if (existsSync(nested) && statSync(nested).isDirectory()) return nested;
  if (basename(synthDir) === "stacks" && existsSync(synthDir)) return synthDir;
  return nested;
}

/** Stack names of a synth output: directories of `stacks/` that hold a `cdk.tf.json`. */
export function listStacks(synthDir: string): string[] {
  const dir = stacksDirOf(synthDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "cdk.tf.json")))
    .map((e) => e.name)
    .sort(compareDeployOrder);
}

function readStackJson(file: string): Json {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Json;
  } catch (err) {
    throw new ChangedStacksError(
      `${file}: not valid JSON (${err instanceof Error ? err.message : String(err)}); re-run \`npm run synth\`.`,
    );
  }
}

/** The checkout a synth output belongs to: the directory that holds `cdktf.out`. */
export function checkoutOf(synthDir: string): string {
  const abs = resolve(synthDir);
  return basename(abs) === "stacks" ? dirname(dirname(abs)) : dirname(abs);
}

/** What differs between one stack's directory in base and in head; empty when nothing does. */
export function diffStack(baseDir: string, headDir: string, baseRoot?: string, headRoot?: string): string[] {
  const differences: string[] = [];
  const baseDoc = addressesOf(stripMetadata(readStackJson(join(baseDir, "cdk.tf.json"))), baseRoot);
  const headDoc = addressesOf(stripMetadata(readStackJson(join(headDir, "cdk.tf.json"))), headRoot);
  for (const key of new Set([...baseDoc.keys(), ...headDoc.keys()])) {
    if (baseDoc.get(key) !== headDoc.get(key)) differences.push(key);
  }
  const baseFiles = new Set(listFiles(baseDir).filter((f) => f !== "cdk.tf.json"));
  const headFiles = new Set(listFiles(headDir).filter((f) => f !== "cdk.tf.json"));
  for (const f of new Set([...baseFiles, ...headFiles])) {
    if (!baseFiles.has(f) || !headFiles.has(f) || !readFileSync(join(baseDir, f)).equals(readFileSync(join(headDir, f)))) {
      differences.push(`file ${f}`);
    }
  }
  return differences.sort();
}

export interface CompareOptions {
  /** Treat a base without synth output as empty (every stack added) instead of failing. @default false */
  readonly allowMissingBase?: boolean;
}

/** Compares the synth output of the base branch with the head's. */
export function compareSynthOutputs(base: string, head: string, options: CompareOptions = {}): ChangedStacks {
  if (!existsSync(stacksDirOf(head))) {
    throw new ChangedStacksError(`${head}: no synth output (no stacks/ directory). Run \`npm run synth\` first.`);
  }
  const baseAvailable = existsSync(stacksDirOf(base));
  if (!baseAvailable && !options.allowMissingBase) {
    throw new ChangedStacksError(
      `${base}: no synth output of the base branch (no stacks/ directory). Synthesize the base first, or pass ` +
        `--allow-missing-base to plan every stack.`,
    );
  }
  const baseStacks = new Set(baseAvailable ? listStacks(base) : []);
  const headStacks = new Set(listStacks(head));
  const baseRoot = checkoutOf(base);
  const headRoot = checkoutOf(head);
  const stacks: StackComparison[] = [];
  for (const name of [...new Set([...baseStacks, ...headStacks])].sort(compareDeployOrder)) {
    if (!baseStacks.has(name)) stacks.push({ name, status: "added" });
    else if (!headStacks.has(name)) stacks.push({ name, status: "removed" });
    else {
      const differences = diffStack(join(stacksDirOf(base), name), join(stacksDirOf(head), name), baseRoot, headRoot);
      stacks.push(differences.length > 0 ? { name, status: "changed", differences } : { name, status: "unchanged" });
    }
  }
  return {
    kind: "aks-changed-stacks",
    version: 1,
    base: relative(process.cwd(), resolve(base)) || ".",
    head: relative(process.cwd(), resolve(head)) || ".",
    baseAvailable,
    stacks,
    plan: stacks.filter((s) => s.status === "added" || s.status === "changed").map((s) => s.name),
  };
}

/** Text output: one line per stack, `<status> <name>`, with what differs. */
export function renderText(result: ChangedStacks): string {
  const lines: string[] = [];
  if (!result.baseAvailable) lines.push(`note: ${result.base} has no synth output; every stack counts as added`);
  for (const s of result.stacks) {
    const more =
      s.differences && s.differences.length > 0
        ? `  (${s.differences.slice(0, 5).join(", ")}${s.differences.length > 5 ? `, +${s.differences.length - 5} more` : ""})`
        : "";
    lines.push(`${s.status.padEnd(9)} ${s.name}${more}`);
  }
  if (result.stacks.length === 0) lines.push("no stacks");
  return `${lines.join("\n")}\n`;
}
