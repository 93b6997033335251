import { accessChangesOf, ConfigIndex, indexConfiguration } from "./access";
import type { DestroyAllowance } from "./allow";
import { isObject, marked } from "./values";
import { addressMatcher, ResourceMatcher, resourceMatcher } from "./glob";
import {
  Action,
  ACTIONS,
  ActionCounts,
  PlanReportError,
  PlanResourceChange,
  ProtectedChange,
  ResourceChangeSummary,
  StackReport,
  TerraformPlan,
} from "./types";

/**
 * Resource types whose delete or replace stops the deploy unless a reviewer allows it: they hold
 * data (vault, secret), are an identity that others trust (identity, federated credential), or
 * grant access (role assignment, access policy), or are cluster objects (`kubernetes_manifest`:
 * an AzureIdentity/Binding whose replacement drops the pods' identity until MIC re-assigns it).
 */
export const DEFAULT_PROTECTED_TYPES: readonly string[] = [
  "azurerm_key_vault",
  "azurerm_key_vault_secret",
  "azurerm_user_assigned_identity",
  "azurerm_role_assignment",
  "azurerm_key_vault_access_policy",
  "azurerm_federated_identity_credential",
  "kubernetes_manifest",
];

/** Environment variable with allow-destroy globs (comma/space separated), e.g. set from a PR label. */
export const ALLOW_DESTROY_ENV = "PLAN_REPORT_ALLOW_DESTROY";

/** What the guard protects and what reviewers let through. */
export interface GuardRules {
  readonly protect: readonly ResourceMatcher[];
  readonly allow: readonly ResourceMatcher[];
  /** Reviewed allowances: exactly this stack and address (CI's `--allow-file`). */
  readonly exact?: readonly DestroyAllowance[];
}

/** Builds guard rules: the default protected types plus `protect` patterns, and `allow` address globs. */
export function guardRules(options: {
  readonly protect?: readonly string[];
  readonly allow?: readonly string[];
  readonly exact?: readonly DestroyAllowance[];
  readonly defaults?: boolean;
}): GuardRules {
  const protect = [...(options.defaults === false ? [] : DEFAULT_PROTECTED_TYPES), ...(options.protect ?? [])];
  return { protect: protect.map(resourceMatcher), allow: (options.allow ?? []).map(addressMatcher), exact: options.exact ?? [] };
}

/**
 * What lets a protected change at `address` of `stack` through, if anything: a reviewed
 * allowance naming exactly this stack and address, else an allow glob.
 */
function allowanceFor(rules: GuardRules, stack: string | undefined, address: string, type: string): string | undefined {
  const exact = stack === undefined ? undefined : rules.exact?.find((a) => a.stack === stack && a.address === address);
  if (exact) return `allowed by @${exact.by}`;
  return rules.allow.find((m) => m.matches(address, type))?.source;
}

const REASONS: Readonly<Record<string, string>> = {
  replace_because_tainted: "tainted",
  replace_because_cannot_update: "an attribute forces replacement",
  replace_by_request: "`-replace` requested",
  replace_by_triggers: "`replace_triggered_by`",
  delete_because_no_resource_config: "removed from the configuration",
  delete_because_no_module: "its module was removed",
  delete_because_wrong_repetition: "count/for_each changed",
  delete_because_count_index: "count index removed",
  delete_because_each_key: "for_each key removed",
  delete_because_no_move_target: "moved target does not exist",
  read_because_config_unknown: "its configuration is known only after apply",
  read_because_dependency_pending: "a dependency has pending changes",
  read_because_check_nested: "read by a check block",
};

/** Maps Terraform's action list to the one action the report counts. */
export function actionOf(actions: readonly string[], where: string): Action {
  const key = actions.join(",");
  switch (key) {
    case "create":
    case "update":
    case "delete":
    case "read":
    case "no-op":
    case "forget":
      return key;
    case "delete,create":
    case "create,delete":
    case "create,forget":
      return "replace";
    default:
      throw new PlanReportError(
        `${where}: unknown change actions [${actions.join(", ")}]; this plan comes from a newer Terraform than ` +
          `the report knows. Update the plan report tool.`,
      );
  }
}

/** `["network_acls", 0, "bypass"]` → `network_acls[0].bypass`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(step)) out += out === "" ? step : `.${step}`;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}

/** Top-level attributes whose value changes (or becomes unknown) in an update; names only. */
function changedAttributes(rc: PlanResourceChange): string[] {
  const before = isObject(rc.change.before) ? rc.change.before : {};
  const after = isObject(rc.change.after) ? rc.change.after : {};
  const unknown = rc.change.after_unknown;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  if (isObject(unknown)) for (const k of Object.keys(unknown)) keys.add(k);
  const out: string[] = [];
  for (const k of keys) {
    if (marked(unknown, k) || JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null)) out.push(k);
  }
  return out.sort();
}

/** Summarises one resource change (no values, only names and paths). */
export function summariseChange(rc: PlanResourceChange, file: string): ResourceChangeSummary {
  if (!rc || typeof rc.address !== "string" || !rc.change || !Array.isArray(rc.change.actions)) {
    throw new PlanReportError(
      `${file}: a resource change has no address or actions; the file is damaged. Re-run \`terraform show -json\`.`,
    );
  }
  const action = actionOf(rc.change.actions, `${file}: ${rc.address}`);
  return {
    address: rc.address,
    type: rc.type,
    action,
    replacePaths: action === "replace" ? (rc.change.replace_paths ?? []).map(formatPath) : [],
    changedAttributes: action === "update" ? changedAttributes(rc) : [],
    ...(rc.action_reason ? { reason: REASONS[rc.action_reason] ?? rc.action_reason.replace(/_/g, " ") } : {}),
    ...(rc.previous_address ? { previousAddress: rc.previous_address } : {}),
    ...(isObject(rc.change.importing) ? { importing: true } : {}),
    ...(isObject(rc.change.importing) && typeof rc.change.importing.id === "string" && rc.change.importing.id !== ""
      ? { importId: rc.change.importing.id }
      : {}),
  };
}

/**
 * Deletes and replaces of protected resources, with what lets each through, if anything. Reviewed
 * allowances (`rules.exact`) count only for the `stack` they name.
 */
export function guard(changes: readonly ResourceChangeSummary[], rules: GuardRules, stack?: string): ProtectedChange[] {
  const out: ProtectedChange[] = [];
  for (const c of changes) {
    if (c.action !== "delete" && c.action !== "replace") continue;
    const rule = rules.protect.find((m) => m.matches(c.address, c.type));
    if (!rule) continue;
    const allow = allowanceFor(rules, stack, c.address, c.type);
    out.push({
      address: c.address,
      type: c.type,
      action: c.action,
      replacePaths: c.replacePaths,
      ...(c.reason ? { reason: c.reason } : {}),
      protectedBy: rule.source,
      ...(allow ? { allowedBy: allow } : {}),
    });
  }
  return out;
}

function emptyCounts(): ActionCounts {
  return Object.fromEntries(ACTIONS.map((a) => [a, 0])) as ActionCounts;
}

/** Analyses one Terraform plan into the report of its stack. */
export function analysePlan(plan: TerraformPlan, stack: string, source: string, rules: GuardRules): StackReport {
  const counts = emptyCounts();
  const changes: ResourceChangeSummary[] = [];
  const accessRcs: PlanResourceChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const summary = summariseChange(rc, source);
    counts[summary.action]++;
    if (summary.action === "no-op") {
      // A move (`moved` block) or an import changes the state though not the resource: list it.
      if (summary.previousAddress || summary.importing) changes.push(summary);
      continue;
    }
    changes.push(summary);
    if (rc.type === "azurerm_role_assignment" || rc.type === "azurerm_key_vault_access_policy") accessRcs.push(rc);
  }
  // Drift (changes made outside Terraform) is shown, never counted as a change of this plan.
  const driftRcs: readonly PlanResourceChange[] = Array.isArray(plan.resource_drift) ? plan.resource_drift : [];
  const drift = driftRcs.filter(
    (rc) => rc && rc.change && Array.isArray(rc.change.actions) && rc.change.actions.join(",") !== "no-op",
  ).length;
  const config: ConfigIndex | undefined = accessRcs.length > 0 ? indexConfiguration(plan) : undefined;
  const access = config ? accessRcs.flatMap((rc) => accessChangesOf(rc, config)) : [];
  return {
    stack,
    source,
    ...(plan.terraform_version ? { terraformVersion: plan.terraform_version } : {}),
    formatVersion: plan.format_version,
    errored: plan.errored === true,
    counts,
    ...(drift > 0 ? { drift } : {}),
    changes,
    access,
    protectedChanges: guard(changes, rules, stack),
  };
}

/**
 * Re-guards a stack report read back from `--json`: the protected list is the union of what it
 * recorded and what the current rules protect; allowances come from the current rules only.
 */
export function reguard(report: StackReport, rules: GuardRules): StackReport {
  const recorded = new Map(report.protectedChanges.map((p) => [p.address, p]));
  const current = new Map(guard(report.changes, rules, report.stack).map((p) => [p.address, p]));
  const merged: ProtectedChange[] = [];
  for (const c of report.changes) {
    const p = current.get(c.address) ?? recorded.get(c.address);
    if (!p) continue;
    const allow = allowanceFor(rules, report.stack, p.address, p.type);
    const { allowedBy: _ignored, ...rest } = p;
    merged.push(allow ? { ...rest, allowedBy: allow } : rest);
  }
  return { ...report, protectedChanges: merged };
}

/** Total of the actions that change something (everything but no-op and read). */
export function changeCount(counts: ActionCounts): number {
  return counts.create + counts.update + counts.delete + counts.replace + counts.forget;
}

/** Moves (`moved` blocks) and imports in a stack's changes, whatever their action. */
export function movesAndImports(changes: readonly ResourceChangeSummary[]): { readonly moved: number; readonly imported: number } {
  let moved = 0;
  let imported = 0;
  for (const c of changes) {
    if (c.previousAddress) moved++;
    if (c.importing) imported++;
  }
  return { moved, imported };
}
