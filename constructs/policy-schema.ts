/**
 * The policy's schema: what a rule is and what it is given. The rule table is in
 * ./policy-rules; the aspect that applies it is in ./policy.
 */

/** Severity of a rule. */
export type Severity = "error" | "warning";

/** A policy rule. */
export interface PolicyRule {
  /** Stable id, e.g. `AKSID-KV-001`. */
  readonly id: string;
  /** Checkov / Trivy ids it mirrors. */
  readonly cites: readonly string[];
  /** Resource types it applies to. */
  readonly resourceTypes: readonly string[];
  /**
   * The top-level attributes `check` reads; only these are resolved (resolving whole resources
   * was a fifth of the synth time at 1,000 teams). A test checks each rule against full resources.
   */
  readonly reads: readonly string[];
  /** Severity; `dynamic` rules take it from {@link PolicyOptions}. */
  readonly severity: Severity | "dynamic";
  /** One line: what is required. */
  readonly requirement: string;
  /** Returns the problems found in `attrs` (the resolved Terraform attributes). */
  check(attrs: Attrs, ctx: RuleContext): string[];
}

/** Resolved Terraform JSON attributes of one resource. */
export type Attrs = Record<string, unknown>;

/** What rules know beyond the resource itself. */
export interface RuleContext {
  /** Resolved IDs of the node resource groups of the clusters in the stack. */
  readonly nodeResourceGroupIds: ReadonlySet<string>;
  /** Synthesized Terraform variables of the stack, by name (`variable.<name>` attributes). */
  readonly variables: ReadonlyMap<string, Attrs>;
  readonly options: Required<PolicyOptions>;
}

/** Per-stack policy options (differences between environments are config values). */
export interface PolicyOptions {
  /** A vault without purge protection is an error (else a warning). @default true */
  readonly requirePurgeProtection?: boolean;
  /** Vaults, identities and secrets must carry `prevent_destroy`. @default false */
  readonly requirePreventDestroy?: boolean;
  /** Resolve whole resources, not only the attributes the rules read (for tests). @default false */
  readonly resolveAll?: boolean;
}
