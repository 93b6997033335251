/**
 * What `changed-stacks` and `plan-report` share: stack names, their deploy order and the
 * changed-stacks document (`aks-changed-stacks` JSON) that one writes and the other reads.
 *
 * Stack names and deploy order. Stacks are named `<env>-cluster-admin`, `<env>-apps` or
 * `<env>-apps-<team>` (see config/stack-names.ts). Cluster-admin stacks deploy before the app
 * stacks of the same environment, and Dev/Test before Prod.
 */

/** Environments in deploy order. Stacks of other environments sort between them and are not deployed by CI. */
export const DEPLOY_ENVIRONMENTS = ["dev-test", "prod"] as const;

export type StackKind = "cluster-admin" | "apps";

export interface StackName {
  readonly name: string;
  readonly environment: string;
  readonly kind: StackKind;
  /** Team of a per-team app stack. */
  readonly team?: string;
}

const PATTERN = /^(.+?)-(cluster-admin|apps)(?:-([a-z0-9][a-z0-9-]*))?$/;

/** Splits a stack name into environment, kind and team; `undefined` when it follows no convention. */
export function parseStackName(name: string): StackName | undefined {
  const m = PATTERN.exec(name);
  if (!m) return undefined;
  const kind = m[2] as StackKind;
  if (kind === "cluster-admin" && m[3] !== undefined) return undefined;
  return { name, environment: m[1], kind, ...(m[3] !== undefined ? { team: m[3] } : {}) };
}

function envRank(env: string | undefined): number {
  if (env === "dev-test") return 0;
  if (env === "prod") return 2;
  return 1;
}

/** Sort comparator: Dev/Test before Prod, cluster-admin before apps, then by name. */
export function compareDeployOrder(a: string, b: string): number {
  const pa = parseStackName(a);
  const pb = parseStackName(b);
  return (
    envRank(pa?.environment) - envRank(pb?.environment) ||
    (pa?.environment ?? "").localeCompare(pb?.environment ?? "") ||
    (pa?.kind === "cluster-admin" ? 0 : 1) - (pb?.kind === "cluster-admin" ? 0 : 1) ||
    a.localeCompare(b)
  );
}

/** Deploy waves: one list per `<env>-<kind>` key, in deploy order. */
export interface DeployWaves {
  readonly kind: "aks-deploy-waves";
  /** `dev-test-cluster-admin`, `dev-test-apps`, `prod-cluster-admin`, `prod-apps` → stack names (possibly empty). */
  readonly waves: { readonly [key: string]: readonly string[] };
  /** Stacks that fit no wave (unknown environment or naming): CI cannot deploy them. */
  readonly unknown: readonly string[];
}

/** Keys of the deploy waves, in order. */
export function waveKeys(): string[] {
  return DEPLOY_ENVIRONMENTS.flatMap((env) => [`${env}-cluster-admin`, `${env}-apps`]);
}

/** Groups stacks into deploy waves. */
export function deployWaves(stacks: readonly string[]): DeployWaves {
  const waves: Record<string, string[]> = Object.fromEntries(waveKeys().map((k) => [k, []]));
  const unknown: string[] = [];
  for (const name of [...stacks].sort(compareDeployOrder)) {
    const p = parseStackName(name);
    const key = p ? `${p.environment}-${p.kind}` : undefined;
    if (key && waves[key]) waves[key].push(name);
    else unknown.push(name);
  }
  return { kind: "aks-deploy-waves", waves, unknown };
}

/** Whether a stack was added, changed, removed or left unchanged between base and head. */
export type StackStatus = "added" | "changed" | "removed" | "unchanged";

/** One stack of the comparison. */
export interface StackComparison {
  readonly name: string;
  readonly status: StackStatus;
  /**
   * For a changed stack: what differs, e.g. `resource.azurerm_key_vault.vault`,
   * `terraform.backend`, `file assets/chart.tgz`.
   */
  readonly differences?: readonly string[];
}

/** The `aks-changed-stacks` JSON document: written by `changed-stacks --json`, read by `plan-report --changed-stacks`. */
export interface ChangedStacks {
  readonly kind: "aks-changed-stacks";
  readonly version: 1;
  readonly base: string;
  readonly head: string;
  /** False when the base had no synth output (`--allow-missing-base`): every stack counts as added. */
  readonly baseAvailable: boolean;
  /** Every stack of base and head, in deploy order. */
  readonly stacks: readonly StackComparison[];
  /** Added and changed stacks, in deploy order: the ones to plan. */
  readonly plan: readonly string[];
}
