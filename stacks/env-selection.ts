// Which environments a synth is for: light (no cdktf), so the parallel synth's parent stays small.
import type { ValidationIssue } from "../constructs/validation";

/** Environment variable with a comma-separated list of environments, for `cdktf synth/deploy`. */
export const ENV_SELECTOR = "AKS_ENV";

/** Outcome of a synth. */
export interface SynthResult {
  readonly ok: boolean;
  /** Lines for stderr: errors, or warnings and suppressions. */
  readonly messages: string[];
  readonly stacks: string[];
}

/** Parses `--env <name>` (repeatable, or comma-separated) and `AKS_ENV`. */
export function selectedEnvironments(
  argv: readonly string[],
  vars: NodeJS.ProcessEnv,
): { names?: string[]; field: string; issues: ValidationIssue[] } {
  const names: string[] = [];
  const issues: ValidationIssue[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--env" || a.startsWith("--env=")) {
      const v = a === "--env" ? argv[++i] : a.slice(6);
      if (!v) issues.push({ context: "command line", field: "--env", value: undefined, problem: "has no value", fix: "write --env dev-test or --env prod" });
      else names.push(...v.split(",").filter(Boolean));
    } else {
      issues.push({ context: "command line", field: "argument", value: a, problem: "is not understood", fix: "use --env <name> (repeatable), or no argument for every environment" });
    }
  }
  let field = "--env";
  if (names.length === 0 && vars[ENV_SELECTOR]) {
    names.push(...vars[ENV_SELECTOR]!.split(",").map((s) => s.trim()).filter(Boolean));
    field = ENV_SELECTOR;
  }
  return { names: names.length ? names : undefined, field, issues };
}

