import { Token } from "cdktf";
import {
  isGuid,
  KEY_VAULT_NAME_LENGTH as KV_NAME,
  KEY_VAULT_SOFT_DELETE_RETENTION_DAYS as RETENTION,
  LABEL_VALUE_MAX_LENGTH,
} from "./facts";

/**
 * Input rules shared by the constructs (which throw on bad props) and the config
 * validator (which collects every problem of every environment before anything is built).
 * Values still unknown at synth time (tokens) are never checked.
 */

/** One naming, format or range rule: what it requires and how to fix a bad value. */
export interface Rule<T extends string | number = string> {
  /** What a valid value looks like, e.g. `3–24 characters of letters, digits and hyphens`. */
  readonly requirement: string;
  /** How to fix a bad value. */
  readonly fix: string;
  /** True when the value is valid. */
  test(value: T): boolean;
}

function rule<T extends string | number = string>(requirement: string, fix: string, test: (v: T) => boolean): Rule<T> {
  return { requirement, fix, test };
}

/** The minimum length of a policy suppression's reason. */
const MIN_SUPPRESSION_REASON = 10;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A user-assigned identity's resource ID with a GUID subscription: the only form MIC accepts (matched case-insensitively). */
const IDENTITY_RESOURCE_ID =
  /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourcegroups\/[^/]+\/providers\/microsoft\.managedidentity\/userassignedidentities\/[^/]+$/i;

/** An Azure storage account name. */
const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;

/** The rules, by what they name. */
export const Rules = {
  keyVaultName: rule(
    `${KV_NAME.min}–${KV_NAME.max} characters of letters, digits and hyphens, starting with a letter, ` +
      `ending with a letter or digit, no consecutive hyphens`,
    "pick a name such as kv-westus2-aks (Key Vault names are global: each environment needs its own)",
    (v) => v.length >= KV_NAME.min && v.length <= KV_NAME.max && /^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$/.test(v) && !v.includes("--"),
  ),
  identityName: rule(
    "3–128 characters matching ^[a-zA-Z0-9][a-zA-Z0-9_-]*$",
    "use letters, digits, hyphens and underscores, starting with a letter or digit",
    (v) => v.length >= 3 && v.length <= 128 && /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/.test(v),
  ),
  resourceGroupName: rule(
    "1–90 characters of letters, digits, underscores, hyphens, periods and parentheses, not ending with a period",
    "remove the trailing period or the characters Azure does not allow",
    (v) => v.length >= 1 && v.length <= 90 && /^[-\w.()]+$/u.test(v) && !v.endsWith("."),
  ),
  secretName: rule("1–127 characters of letters, digits and hyphens", "replace underscores, dots and spaces with hyphens", (v) =>
    /^[A-Za-z0-9-]{1,127}$/.test(v),
  ),
  location: rule(
    "a non-empty, lower-case Azure region name without spaces, e.g. westus2",
    'write the region as `az account list-locations` names it (e.g. "westus2", not "West US 2")',
    (v) => /^[a-z][a-z0-9]*$/.test(v),
  ),
  guid: rule(
    "a GUID such as 2e319086-9a26-46a3-865f-615bed576786",
    "copy the ID from `az account show` / `az identity show` (GUID form, no braces)",
    isGuid,
  ),
  identityResourceId: rule(
    "/subscriptions/<guid>/resourcegroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name> " +
      "(the only form MIC accepts)",
    "use the `id` printed by `az identity show`",
    (v) => IDENTITY_RESOURCE_ID.test(v),
  ),
  namespace: rule(
    "a DNS-1123 label: at most 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit",
    "use lower case and hyphens, e.g. aad-pod-identity-poc",
    (v) => v.length <= 63 && DNS1123_LABEL.test(v),
  ),
  objectName: rule(
    "a DNS-1123 subdomain: at most 253 lower-case letters, digits, hyphens and dots, starting and ending with a letter or digit",
    "use lower case, hyphens and dots, e.g. aad-user-identity-binding",
    (v) => v.length <= 253 && DNS1123_SUBDOMAIN.test(v),
  ),
  labelValue: rule(
    `at most ${LABEL_VALUE_MAX_LENGTH} characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit`,
    "shorten it and remove other characters, e.g. bind-user-identity-keyvault",
    (v) => v.length <= LABEL_VALUE_MAX_LENGTH && LABEL_VALUE.test(v),
  ),
  teamName: rule(
    "1–30 lower-case letters, digits and hyphens, starting with a letter (it becomes part of stack names and construct ids)",
    'use a short id such as "payments"',
    (v) => /^[a-z][a-z0-9-]{0,29}$/.test(v) && !v.endsWith("-"),
  ),
  environmentName: rule(
    "1–20 lower-case letters, digits and hyphens, starting with a letter (it prefixes stack names)",
    'use a short id such as "dev-test" or "prod"',
    (v) => /^[a-z][a-z0-9-]{0,19}$/.test(v) && !v.endsWith("-"),
  ),
  rfc3339: rule(
    "an RFC 3339 UTC time such as 2027-06-30T00:00:00Z",
    "write the expiry as YYYY-MM-DDThh:mm:ssZ",
    // Round-trip through Date: Date.parse accepts 2027-02-30 and 24:00 (it rolls them over);
    // terraform's RFC 3339 check (Go time.Parse) rejects them.
    (v) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(v) &&
      !Number.isNaN(Date.parse(v)) &&
      new Date(v).toISOString() === v.replace("Z", ".000Z"),
  ),
  cidrOrIp: rule(
    "an IPv4 address or CIDR range such as 203.0.113.0/24",
    "use the public egress IP or range of the allowed network",
    (v) =>
      /^(\d{1,3}\.){3}\d{1,3}(\/(\d|[12]\d|3[0-2]))?$/.test(v) &&
      v
        .split("/")[0]
        .split(".")
        .every((o) => Number(o) <= 255),
  ),
  storageAccountName: rule("3–24 lower-case letters and digits", "use the state storage account's name", (v) => STORAGE_ACCOUNT.test(v)),
  storageContainerName: rule(
    "3–63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit",
    'use e.g. "tfstate"',
    (v) => /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(v),
  ),
  softDeleteRetentionDays: rule<number>(
    `a whole number of days from ${RETENTION.min} to ${RETENTION.max}`,
    `use ${RETENTION.max} (the maximum) unless a policy says otherwise`,
    (v) => Number.isInteger(v) && v >= RETENTION.min && v <= RETENTION.max,
  ),
  secretValueVersion: rule<number>(
    "a whole number ≥ 1",
    "start at 1 and bump it by one to rewrite the value",
    (v) => Number.isInteger(v) && v >= 1,
  ),
  replicas: rule<number>("a whole number ≥ 0", "use 1 (the guide's test runs one pod)", (v) => Number.isInteger(v) && v >= 0),
  /** Terraform's duration strings, as `time_sleep.create_duration` takes them. */
  duration: rule('a duration such as "120s" or "3m" (seconds, minutes or hours)', 'use "120s"', (v) => /^\d+(\.\d+)?(s|m|h)$/.test(v)),
  terraformVariableName: rule("letters, digits and underscores, not starting with a digit", "choose a Terraform variable name", (v) =>
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(v),
  ),
  /** A container image pinned to a version tag or a digest, never `latest`. */
  pinnedImage: rule(
    "pinned: a version tag other than latest, or a digest",
    "pin a version tag or a digest (image@sha256:…)",
    (v) => v !== "" && !/:latest$/.test(v) && (/@sha256:[0-9a-f]{64}$/.test(v) || /:[^/:]+$/.test(v)),
  ),
  suppressionReason: rule(
    `a written reason of at least ${MIN_SUPPRESSION_REASON} characters`,
    "say in a sentence why the risk is accepted",
    (v) => v.trim().length >= MIN_SUPPRESSION_REASON,
  ),
  httpsUrl: rule("an https:// URL", "copy it from `az aks show --query oidcIssuerProfile.issuerUrl`", (v) => /^https:\/\/[^\s]+$/.test(v)),
} as const;

/** A problem with one input value. */
export interface ValidationIssue {
  /** Where the value came from, e.g. `prod / team "payments"` or a construct path. */
  readonly context: string;
  /** Field path, e.g. `keyVault.name`. */
  readonly field: string;
  /** The offending value, as given. */
  readonly value: unknown;
  /** What was wrong. */
  readonly problem: string;
  /** How to fix it. */
  readonly fix: string;
}

/** Formats an issue as one line: context, field, value, rule and fix. */
export function formatIssue(i: ValidationIssue): string {
  const shown = i.value === undefined ? "" : ` ${JSON.stringify(i.value)}`;
  return `${i.context}: ${i.field}${shown} ${i.problem}. Fix: ${i.fix}.`;
}

/** Thrown for bad input; carries every issue found, not just the first. */
export class ValidationError extends Error {
  constructor(public readonly issues: readonly ValidationIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ValidationError";
  }
}

/** Collects issues for one context. */
export class Checker {
  private readonly found: ValidationIssue[] = [];

  constructor(private readonly context: string) {}

  /** Checks `value` against `r` unless it is a token. Returns false when an issue was recorded. */
  check<T extends string | number>(field: string, value: T | undefined, r: Rule<T>): boolean {
    if (value === undefined || Token.isUnresolved(value)) return true;
    if (r.test(value)) return true;
    this.add(field, value, `is invalid: ${r.requirement}`, r.fix);
    return false;
  }

  /** Records a missing required value. */
  required(field: string, value: unknown, fix: string): boolean {
    if (value !== undefined && value !== null && value !== "") return true;
    this.add(field, undefined, "is missing", fix);
    return false;
  }

  /** Records any other problem. */
  add(field: string, value: unknown, problem: string, fix: string): void {
    this.found.push({ context: this.context, field, value, problem, fix });
  }

  get issues(): readonly ValidationIssue[] {
    return this.found;
  }

  /** Throws a ValidationError when anything was recorded. */
  throwIfAny(): void {
    if (this.found.length > 0) throw new ValidationError(this.found);
  }
}

/** Context for a construct not yet created: `<scope path>/<id>`. */
function pathOf(scope: unknown, id: unknown): string {
  const parent = (scope as { node?: { path?: unknown } } | null | undefined)?.node?.path;
  return [typeof parent === "string" && parent ? parent : "(no scope)", typeof id === "string" ? id : "(no id)"].join("/");
}

/**
 * For callers from JavaScript (or with casts): throws one ValidationError naming every required
 * prop that is missing (`undefined` or `null`), with the fix, instead of a later
 * `Cannot read properties of undefined`. Call it first in the constructor, before `super`.
 * `required` maps each prop to its fix.
 */
export function requireProps(scope: unknown, id: unknown, props: unknown, required: Readonly<Record<string, string>>): void {
  const c = new Checker(pathOf(scope, id));
  if (!scope) c.add("scope", scope, "is missing", "pass the parent construct (a stack or construct) as the first argument");
  if (props === undefined || props === null || typeof props !== "object") {
    c.add("props", props, "is missing", `pass the props object { ${Object.keys(required).join(", ")}, … } as the third argument`);
  } else {
    for (const [field, fix] of Object.entries(required)) {
      const v = (props as Record<string, unknown>)[field];
      if (v === undefined || v === null) c.add(field, v ?? undefined, "is missing", fix);
    }
  }
  c.throwIfAny();
}

/** Same for a method argument, e.g. the principal of a grant. */
export function requireArgument(self: { node: { path: string } }, method: string, name: string, value: unknown, fix: string): void {
  if (value !== undefined && value !== null) return;
  throw new ValidationError([{ context: `${self.node.path}.${method}()`, field: name, value: undefined, problem: "is missing", fix }]);
}

/** Fixes for the interface-typed props that JavaScript callers most often leave out. */
export const MISSING_PROP_FIXES = {
  cluster: "pass the cluster: AksCluster.fromClusterName(...) or AksCluster.fromAgentPoolIdentity(...)",
  identity: "pass the app identity: new ManagedIdentity(...) or ManagedIdentity.fromExisting(...)",
  keyVault: "pass the vault: new KeyVault(...) or KeyVault.fromExisting(...)",
  principal: "pass who gets access: an IPrincipal such as a ManagedIdentity or cluster.kubeletIdentity",
} as const;

/**
 * The reader test's mechanism must match how pods get their token: the sidecar asks NMI (pod
 * identity only), the CSI driver signs in with a federated token (workload identity). One rule
 * for the config validator and `AppIdentity`.
 */
export function checkReaderMode(c: Checker, mode: string, reader: string | undefined): void {
  if (reader === "sidecar" && mode === "workload-identity") {
    c.add(
      "workload.reader",
      reader,
      'cannot work in identityMode "workload-identity": the az-keyvault-reader sidecar gets its token from NMI (pod identity)',
      'set workload.reader: "csi-driver" (Secrets Store CSI driver with the identity\'s clientID)',
    );
  } else if (reader === "csi-driver" && mode === "pod-identity") {
    c.add(
      "workload.reader",
      reader,
      "needs workload identity: the SecretProviderClass authenticates with the identity's clientID through a federated token",
      'set identityMode "both" or "workload-identity", or keep reader "sidecar"',
    );
  }
}
