// Which environments a synth is for, and how a failed synth ends. Light: it loads no cdktf.
import * as fs from "fs";
import * as path from "path";
import type { ValidationIssue } from "../constructs/validation";

/** Environment variable with a comma-separated list of environments, for `cdktf synth/deploy`. */
export const ENV_SELECTOR = "AKS_ENV";

/** `AKS_DEBUG=1` (or `--debug`): an internal error prints its stack trace. */
export const DEBUG_ENV = "AKS_DEBUG";

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
): { names?: string[]; field: string; issues: ValidationIssue[]; debug: boolean } {
  const names: string[] = [];
  const issues: ValidationIssue[] = [];
  let debug = vars[DEBUG_ENV] === "1" || vars[DEBUG_ENV] === "true";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--debug") debug = true;
    else if (a === "--env" || a.startsWith("--env=")) {
      const v = a === "--env" ? argv[++i] : a.slice(6);
      if (!v)
        issues.push({
          context: "command line",
          field: "--env",
          value: undefined,
          problem: "has no value",
          fix: "write --env dev-test or --env prod",
        });
      else names.push(...v.split(",").filter(Boolean));
    } else {
      issues.push({
        context: "command line",
        field: "argument",
        value: a,
        problem: "is not understood",
        fix: "use --env <name> (repeatable), or no argument for every environment; --debug for stack traces of internal errors",
      });
    }
  }
  let field = "--env";
  if (names.length === 0 && vars[ENV_SELECTOR]) {
    names.push(
      ...vars[ENV_SELECTOR]
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    );
    field = ENV_SELECTOR;
  }
  return { names: names.length ? names : undefined, field, issues, debug };
}

/**
 * Ends a failed synth: removes the temporary directory and any old `outdir`, so `cdktf deploy`
 * can never pick up partial or stale output, and says so after `messages`.
 */
export function failSynth(outdir: string, tmp: string | undefined, messages: readonly string[]): SynthResult {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(outdir, { recursive: true, force: true });
  return {
    ok: false,
    stacks: [],
    messages: [...messages, `removed ${path.basename(outdir)}/ so no partial or stale output can be deployed`],
  };
}
