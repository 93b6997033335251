import type { IConstruct } from "constructs";
import { Annotations, type IAspect, TerraformResource, TerraformStack, TerraformVariable } from "cdktf";
import { AksCluster } from "./aks-cluster";
import type { Attrs, PolicyOptions, RuleContext, Severity } from "./policy-schema";
import { POLICY_RULES } from "./policy-rules";
import { resolveIn } from "./policy-resolve";
import { suppressionFor } from "./policy-suppression";

/**
 * The security and data-safety policy, enforced at synth as a cdktf Aspect over the
 * synthesized (resolved) attributes of every resource. Each rule has a stable id and cites
 * the Checkov/Trivy check it mirrors. Violations of `error` rules fail the synth; `warning`
 * rules are printed. A resource (or any construct above it) can suppress a rule with
 * {@link suppressPolicy}, which requires a written reason; suppressions are listed in the
 * synth output.
 */

// The public API, importable from here as before: schema, rule table, suppressions.
export type { Attrs, PolicyOptions, PolicyRule, RuleContext, Severity } from "./policy-schema";
export { POLICY_RULES } from "./policy-rules";
export { policyRuleIdFix, suppressPolicy, type PolicySuppressionEntry } from "./policy-suppression";

/** One rule outcome on one resource. */
export interface PolicyFinding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly path: string;
  readonly address: string;
  readonly message: string;
  /** Present when suppressed. */
  readonly suppressedBecause?: string;
}

/**
 * Applies {@link POLICY_RULES} to every resource of a stack. Add one per stack:
 * `Aspects.of(stack).add(new SecurityPolicy(options))`. Violations become error or warning
 * annotations (errors fail the synth); suppressions become info annotations.
 * {@link findings} holds every outcome, for reports.
 */
export class SecurityPolicy implements IAspect {
  public readonly findings: PolicyFinding[] = [];
  private readonly options: Required<PolicyOptions>;
  private readonly nodeGroups = new WeakMap<TerraformStack, Set<string>>();
  private readonly variables = new WeakMap<TerraformStack, Map<string, Attrs>>();
  /** Aspects run on every synth call (e.g. Testing.synth, then app.synth): report each resource once. */
  private readonly visited = new WeakSet<IConstruct>();

  constructor(options: PolicyOptions = {}) {
    this.options = {
      requirePurgeProtection: options.requirePurgeProtection ?? true,
      requirePreventDestroy: options.requirePreventDestroy ?? false,
      resolveAll: options.resolveAll ?? false,
    };
  }

  public visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource) || this.visited.has(node)) return;
    const rules = POLICY_RULES.filter((r) => r.resourceTypes.includes(node.terraformResourceType));
    if (rules.length === 0) return;
    this.visited.add(node);
    const stack = TerraformStack.of(node);
    const raw = Object.values(
      (node.toTerraform() as { resource: Record<string, Record<string, Attrs>> }).resource[node.terraformResourceType],
    )[0];
    const wanted = new Set(rules.flatMap((r) => r.reads));
    const attrs = resolveIn<Attrs>(
      stack,
      this.options.resolveAll ? raw : Object.fromEntries(Object.entries(raw).filter(([k]) => wanted.has(k))),
    );
    const ctx: RuleContext = {
      nodeResourceGroupIds: this.nodeResourceGroupsOf(stack),
      variables: this.variablesOf(stack),
      options: this.options,
    };
    const address = `${node.terraformResourceType}.${node.friendlyUniqueId}`;
    for (const rule of rules) {
      const severity: Severity = rule.severity === "dynamic" ? (this.options.requirePurgeProtection ? "error" : "warning") : rule.severity;
      for (const problem of rule.check(attrs, ctx)) {
        const suppressed = suppressionFor(node, rule.id);
        const cites = rule.cites.length ? ` ${rule.cites.join("/")}` : "";
        const message = `[${rule.id}${cites}] ${address}: ${problem}. Required: ${rule.requirement}.`;
        this.findings.push({
          ruleId: rule.id,
          severity,
          path: node.node.path,
          address,
          message,
          suppressedBecause: suppressed?.entry.reason,
        });
        if (suppressed) {
          Annotations.of(node).addInfo(`suppressed ${message} Reason: ${suppressed.entry.reason} (at ${suppressed.at.node.path})`);
        } else if (severity === "error") {
          Annotations.of(node).addError(message);
        } else {
          Annotations.of(node).addWarning(message);
        }
      }
    }
  }

  private variablesOf(stack: TerraformStack): Map<string, Attrs> {
    let vars = this.variables.get(stack);
    if (!vars) {
      vars = new Map();
      for (const v of stack.node.findAll().filter((c): c is TerraformVariable => c instanceof TerraformVariable)) {
        const tf = resolveIn(stack, v.toTerraform()) as { variable: Record<string, Attrs> };
        for (const [name, attrs] of Object.entries(tf.variable)) vars.set(name, attrs);
      }
      this.variables.set(stack, vars);
    }
    return vars;
  }

  private nodeResourceGroupsOf(stack: TerraformStack): Set<string> {
    let ids = this.nodeGroups.get(stack);
    if (!ids) {
      ids = new Set(
        stack.node
          .findAll()
          .filter((c): c is AksCluster => c instanceof AksCluster)
          .map((c) => String(resolveIn(stack, c.nodeResourceGroupId))),
      );
      this.nodeGroups.set(stack, ids);
    }
    return ids;
  }
}
