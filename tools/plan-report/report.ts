import { compareDeployOrder, type ChangedStacks } from "../shared/stacks";
import { analysePlan, GuardRules, reguard } from "./analyse";
import { LoadedInput, stackNameFromFile } from "./parse";
import { CheckOutcome, PlanReport, PlanReportError, StackReport, StackWithoutPlan } from "./types";

/** A file from the command line, with the stack name `--stack` gave it. */
export interface NamedInput {
  readonly input: LoadedInput;
  readonly stack?: string;
}

export interface BuildOptions {
  readonly rules: GuardRules;
  /** Output of `changed-stacks --json`: lists the stacks that were not planned, and why. */
  readonly changedStacks?: Pick<ChangedStacks, "stacks" | "plan">;
  /** Why plans were skipped (fork pull request, no credentials). */
  readonly skippedReason?: string;
  readonly checks?: readonly CheckOutcome[];
}

/** Analyses every input (plans, or earlier `--json` reports) into one report and applies the guard. */
export function buildReport(inputs: readonly NamedInput[], options: BuildOptions): PlanReport {
  const stacks: StackReport[] = [];
  const seen = new Map<string, string>();
  const checks: CheckOutcome[] = [...(options.checks ?? [])];
  const add = (s: StackReport): void => {
    const other = seen.get(s.stack);
    if (other !== undefined) {
      throw new PlanReportError(
        `stack "${s.stack}" comes from two files (${other}, ${s.source}): name them with --stack <name> before each file.`,
      );
    }
    seen.set(s.stack, s.source);
    stacks.push(s);
  };
  for (const { input, stack } of inputs) {
    if (input.kind === "plan") {
      add(analysePlan(input.plan, stack ?? stackNameFromFile(input.file), input.file, options.rules));
    } else {
      for (const s of input.report.stacks) add(reguard(stack && input.report.stacks.length === 1 ? { ...s, stack } : s, options.rules));
      for (const c of input.report.checks ?? []) if (!checks.some((x) => x.name === c.name)) checks.push(c);
    }
  }
  stacks.sort((a, b) => compareDeployOrder(a.stack, b.stack));
  const withoutPlan: StackWithoutPlan[] = [];
  for (const s of options.changedStacks?.stacks ?? []) {
    if (seen.has(s.name)) continue;
    if (s.status === "unchanged") withoutPlan.push({ stack: s.name, status: "unchanged" });
    else if (s.status === "removed") withoutPlan.push({ stack: s.name, status: "removed" });
    else withoutPlan.push({ stack: s.name, status: options.skippedReason ? "skipped" : "missing" });
  }
  return {
    kind: "aks-plan-report",
    version: 1,
    stacks,
    withoutPlan,
    checks,
    ...(options.skippedReason ? { skippedReason: options.skippedReason } : {}),
    blocked: stacks.some((s) => s.protectedChanges.some((p) => !p.allowedBy)),
  };
}
