/**
 * The deploy guard's check: which synthesized stacks still contain placeholders. It reads
 * `cdktf.out/stacks/<stack>/cdk.tf.json` only (no project code), so the deploy workflow runs the
 * same check from its `deploy-inputs` artifact. stacks/placeholder-guard.ts writes the marker.
 */
import * as fs from "fs";
import * as path from "path";

/** Name of the local (and output) that lists a stack's placeholders. */
export const PLACEHOLDER_MARKER = "aksid_placeholders";

/** The placeholder lines of one synthesized stack (empty when it has none). */
export function placeholdersIn(cdkTfJson: unknown): string[] {
  const locals = (cdkTfJson as { locals?: Record<string, unknown> } | undefined)?.locals;
  const list = locals?.[PLACEHOLDER_MARKER];
  return Array.isArray(list) ? list.map(String) : [];
}

/** Synthesized stacks in `outdir` (names of `stacks/*` with a cdk.tf.json). */
export function synthesizedStacks(outdir: string): string[] {
  const dir = path.join(outdir, "stacks");
  if (!fs.existsSync(dir)) throw new DeployGuardError(`${dir} does not exist. Fix: run npm run synth first.`);
  return fs
    .readdirSync(dir)
    .filter((s) => fs.existsSync(path.join(dir, s, "cdk.tf.json")))
    .sort();
}

/**
 * The stacks a `cdktf deploy` argument list selects: the arguments that name a stack or match
 * some with `*` globs; all stacks when none does (the conservative reading). `strict`: every
 * name must match a stack (`--check-only`, where a typo must not pass).
 */
export function selectStacks(all: readonly string[], args: readonly string[], strict = false): string[] {
  const names = args.filter((a) => !a.startsWith("-"));
  const patterns = names.map((a) => new RegExp(`^${a.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`));
  if (strict) {
    const unmatched = names.filter((_, i) => !all.some((s) => patterns[i].test(s)));
    if (unmatched.length)
      throw new DeployGuardError(
        `no synthesized stack is named ${unmatched.map((n) => `"${n}"`).join(", ")} (synthesized: ${all.join(", ") || "none"}). Fix: name a synthesized stack.`,
      );
  }
  const picked = all.filter((s) => patterns.some((p) => p.test(s)));
  return picked.length ? picked : [...all];
}

/** A refusal or a usage error: one line (or a list) for the user, exit code 1 or 2. */
export class DeployGuardError extends Error {}

/** Result of {@link checkStacks}. */
export interface GuardResult {
  readonly checked: readonly string[];
  /** Stack → its placeholder lines, for the stacks that have some. */
  readonly refused: ReadonlyMap<string, readonly string[]>;
}

/** Reads each stack's cdk.tf.json in `outdir` and collects its placeholders. */
export function checkStacks(outdir: string, stacks: readonly string[]): GuardResult {
  const refused = new Map<string, string[]>();
  for (const s of stacks) {
    const file = path.join(outdir, "stacks", s, "cdk.tf.json");
    if (!fs.existsSync(file))
      throw new DeployGuardError(
        `stack ${s} is not in ${outdir} (synthesized: ${synthesizedStacks(outdir).join(", ") || "none"}). Fix: name a synthesized stack.`,
      );
    const lines = placeholdersIn(JSON.parse(fs.readFileSync(file, "utf8")));
    if (lines.length) refused.set(s, lines);
  }
  return { checked: stacks, refused };
}

/** The refusal text: every stack and every placeholder with where to find the real value. */
export function formatRefusal(result: GuardResult): string[] {
  const n = [...result.refused.values()].reduce((a, l) => a + l.length, 0);
  return [
    `deploy-guard: refused: ${result.refused.size} selected stack(s) still contain ${n} placeholder(s) from config/environments.ts; nothing was planned or applied:`,
    ...[...result.refused].flatMap(([stack, lines]) => [`  ${stack}:`, ...lines.map((l) => `    - ${l}`)]),
    "Fix: replace each placeholder(...) in config/environments.ts with the real value (or a cluster lookup), then run it again.",
  ];
}
