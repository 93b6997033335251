import type { IConstruct } from "constructs";
import { POLICY_RULES } from "./policy-rules";
import { Rules } from "./validation";

/** Suppressions: a rule switched off for a construct and its subtree, with a written reason. */

const SUPPRESS_KEY = "aksid:policy-suppression";

/** The fix for an unknown rule id (the config validator gives the same). */
export function policyRuleIdFix(): string {
  return `use one of ${POLICY_RULES.map((r) => r.id).join(", ")}`;
}

/** A rule switched off for a construct and everything below it. */
export interface PolicySuppressionEntry {
  readonly ruleId: string;
  readonly reason: string;
}

/**
 * Switches `ruleId` off for `scope` and every resource below it. The reason is required
 * and is printed with every synth.
 */
export function suppressPolicy(scope: IConstruct, ruleId: string, reason: string): void {
  if (!POLICY_RULES.some((r) => r.id === ruleId)) {
    throw new Error(`${scope.node.path}: unknown policy rule "${ruleId}". Fix: ${policyRuleIdFix()}.`);
  }
  if (!reason || !Rules.suppressionReason.test(reason)) {
    const r = Rules.suppressionReason;
    throw new Error(`${scope.node.path}: suppression of ${ruleId} needs ${r.requirement}. Fix: ${r.fix}.`);
  }
  scope.node.addMetadata(SUPPRESS_KEY, { ruleId, reason: reason.trim() } satisfies PolicySuppressionEntry);
}

/** The nearest suppression of `ruleId` on `node` or a construct above it, and where it was made. */
export function suppressionFor(node: IConstruct, ruleId: string): { entry: PolicySuppressionEntry; at: IConstruct } | undefined {
  for (const c of node.node.scopes.slice().reverse()) {
    const hit = c.node.metadata.find((m) => m.type === SUPPRESS_KEY && (m.data as PolicySuppressionEntry).ruleId === ruleId);
    if (hit) return { entry: hit.data as PolicySuppressionEntry, at: c };
  }
  return undefined;
}
