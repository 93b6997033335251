/**
 * Types of the plan report: the subset of Terraform's plan JSON (`terraform show -json <planfile>`,
 * format 1.x) that the report reads, and the report itself (`--json` output, version 1).
 *
 * Plan JSON reference: https://developer.hashicorp.com/terraform/internals/json-format
 */

/** A JSON value as Terraform writes it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** `before_sensitive` / `after_sensitive` / `after_unknown`: `true` marks the whole value, objects mirror it. */
export type ValueMarks = boolean | ValueMarks[] | { [key: string]: ValueMarks };

/** One entry of `resource_changes[]`. */
export interface PlanResourceChange {
  readonly address: string;
  readonly previous_address?: string;
  readonly module_address?: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly index?: JsonValue;
  readonly change: {
    readonly actions: readonly string[];
    readonly before?: JsonValue;
    readonly after?: JsonValue;
    readonly after_unknown?: ValueMarks;
    readonly before_sensitive?: ValueMarks;
    readonly after_sensitive?: ValueMarks;
    readonly replace_paths?: readonly (readonly (string | number)[])[];
    /** Set when an `import` block (or `terraform plan -generate-config-out`) imports the resource: by ID, or by resource identity (Terraform 1.12+). */
    readonly importing?: { readonly id?: string; readonly identity?: JsonValue; readonly unknown?: boolean };
  };
  readonly action_reason?: string;
}

/** One resource of `configuration.*.resources[]`: only its expressions matter here. */
export interface PlanConfigResource {
  readonly address: string;
  readonly name?: string;
  /** Each a {@link PlanExpression}, a list of them, or a nested block: read through type guards. */
  readonly expressions?: { readonly [attr: string]: unknown };
}

/** An expression of the configuration section: a constant, or references to other objects. */
export interface PlanExpression {
  readonly constant_value?: JsonValue;
  readonly references?: readonly string[];
}

export interface PlanConfigModule {
  readonly resources?: readonly PlanConfigResource[];
  readonly module_calls?: { readonly [name: string]: { readonly module?: PlanConfigModule } };
}

/** The top level of `terraform show -json <planfile>`. */
export interface TerraformPlan {
  readonly format_version: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly PlanResourceChange[];
  /** Changes made outside Terraform since the last apply (Terraform 1.0+): not changes of this plan. */
  readonly resource_drift?: readonly PlanResourceChange[];
  readonly configuration?: { readonly root_module?: PlanConfigModule };
  readonly errored?: boolean;
  readonly complete?: boolean;
}

/** The actions the report counts. A replace is one action, whatever its order. */
export const ACTIONS = ["create", "update", "delete", "replace", "read", "no-op", "forget"] as const;
export type Action = (typeof ACTIONS)[number];

export type ActionCounts = Record<Action, number>;

/** A changed resource; a no-op is listed only when it is moved or imported, otherwise only counted. */
export interface ResourceChangeSummary {
  readonly address: string;
  readonly type: string;
  readonly action: Action;
  /** For a replace: the attribute paths that force it, e.g. `triggers_replace`, `network_acls[0].bypass`. */
  readonly replacePaths: readonly string[];
  /** For an update: names of the top-level attributes that change (never their values). */
  readonly changedAttributes: readonly string[];
  /** Terraform's `action_reason`, in words. */
  readonly reason?: string;
  /** Set when a `moved` block renamed the resource. */
  readonly previousAddress?: string;
  /** Set when the resource is being imported. */
  readonly importing?: boolean;
  /** The ID it is imported by, when the plan gives one (not for an import by resource identity). */
  readonly importId?: string;
}

/** A delete or replace of a protected resource. */
export interface ProtectedChange {
  readonly address: string;
  readonly type: string;
  readonly action: "delete" | "replace";
  readonly replacePaths: readonly string[];
  /** Terraform's reason, in words, when no attribute forces the replace (tainted, `-replace`). */
  readonly reason?: string;
  /** The protect rule that matched: a resource type or an address glob. */
  readonly protectedBy: string;
  /** The allow-destroy glob that lets it through; absent when the change is blocked. */
  readonly allowedBy?: string;
}

/** A role assignment or Key Vault access policy that a plan adds, removes or changes. */
export interface AccessChange {
  readonly change: "added" | "removed" | "updated";
  readonly kind: "role-assignment" | "access-policy";
  readonly address: string;
  /** Principal (object) ID, or `(known after apply: <address>)`, or `(sensitive)`. */
  readonly principal: string;
  /** Role name (from the built-in GUID) or Key Vault permissions, e.g. `secrets: Get, List`. */
  readonly grant: string;
  /** For an update: the grant before. */
  readonly previousGrant?: string;
  readonly scope: string;
}

/** The report of one stack. */
export interface StackReport {
  readonly stack: string;
  /** The file the plan came from. */
  readonly source: string;
  readonly terraformVersion?: string;
  readonly formatVersion: string;
  /** `errored: true` in the plan: Terraform stopped planning part way. */
  readonly errored: boolean;
  readonly counts: ActionCounts;
  /** Resources changed outside Terraform since the last apply (`resource_drift`, actions other than no-op): not counted in `counts`. Absent in reports of earlier versions. */
  readonly drift?: number;
  /** Changed, moved or imported resources (a moved or imported no-op is listed too). */
  readonly changes: readonly ResourceChangeSummary[];
  readonly access: readonly AccessChange[];
  readonly protectedChanges: readonly ProtectedChange[];
}

/** A stack that has no plan in this report, and why. */
export interface StackWithoutPlan {
  readonly stack: string;
  readonly status: "unchanged" | "removed" | "missing" | "skipped";
}

/** A CI step outcome shown at the top of the report, e.g. `npm test` → `success`. */
export interface CheckOutcome {
  readonly name: string;
  readonly outcome: string;
}

/** The whole report (`--json`). */
export interface PlanReport {
  readonly kind: "aks-plan-report";
  readonly version: 1;
  readonly stacks: readonly StackReport[];
  readonly withoutPlan: readonly StackWithoutPlan[];
  readonly checks: readonly CheckOutcome[];
  /** Why no plans were made, when they were skipped. */
  readonly skippedReason?: string;
  /** True when a protected change is not allowed: the guard fails. */
  readonly blocked: boolean;
}

/** Bad input or usage: printed as one line, exit code 2. The message is made one printable line ({@link oneLine}). */
export class PlanReportError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = "PlanReportError";
  }
}

/** Longest message kept; a file name or quoted input can be anything. */
const MAX_MESSAGE = 2000;

/**
 * One printable line: ANSI colour sequences removed, line breaks and tabs made spaces, every other
 * control or invisible formatting character (NUL, DEL, C1, bidi overrides, BOM, line separators,
 * lone surrogates)
 * written as `\u00XX`, and the text cut at 2,000 characters.
 */
export function oneLine(text: string): string {
  const out = text
    // eslint-disable-next-line no-control-regex -- removing terminal escape sequences is the point
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "")
    .replace(/[\r\n\t]+/g, " ")
    .replace(
      // eslint-disable-next-line no-control-regex -- control and invisible characters are what this escapes
      /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  if (out.length <= MAX_MESSAGE) return out;
  const cut = /[\ud800-\udbff]/.test(out[MAX_MESSAGE - 1]) ? MAX_MESSAGE - 1 : MAX_MESSAGE;
  return `${out.slice(0, cut)}…`;
}

/** Any error as a {@link PlanReportError}: a file-system error as its path and code, anything else its message. */
export function asPlanReportError(err: unknown): PlanReportError {
  if (err instanceof PlanReportError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  if (e instanceof Error) return new PlanReportError(`${e.path ? `${e.path}: ` : ""}${e.code ?? e.message}`);
  return new PlanReportError(String(err));
}
