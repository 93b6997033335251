import { roleName } from "./roles";
import { AccessChange, JsonValue, PlanConfigModule, PlanResourceChange, TerraformPlan } from "./types";
import { attribute, ChangeSide, isObject, SENSITIVE, sideOf, UNKNOWN } from "./values";

/** Configuration expressions by resource address without instance keys (`module.a.azurerm_x.y`). */
export type ConfigIndex = ReadonlyMap<string, { readonly [attr: string]: unknown }>;

/** Indexes the `configuration` section of a plan, modules included. */
export function indexConfiguration(plan: TerraformPlan): ConfigIndex {
  const index = new Map<string, { readonly [attr: string]: unknown }>();
  const walk = (mod: PlanConfigModule | undefined, prefix: string): void => {
    if (!mod) return;
    for (const r of mod.resources ?? []) {
      if (r && typeof r.address === "string") index.set(prefix + r.address, isObject(r.expressions) ? r.expressions : {});
    }
    for (const [name, call] of Object.entries(mod.module_calls ?? {})) walk(call?.module, `${prefix}module.${name}.`);
  };
  walk(plan.configuration?.root_module, "");
  return index;
}

function configKey(rc: PlanResourceChange): string {
  const local = `${rc.mode === "data" ? "data." : ""}${rc.type}.${rc.name}`;
  const mod = (rc.module_address ?? "").replace(/\[[^\]]*\]/g, "");
  return mod ? `${mod}.${local}` : local;
}

/** The first reference of an attribute's configuration expression, e.g. `azurerm_user_assigned_identity.app.principal_id`. */
export function referenceOf(config: ConfigIndex, rc: PlanResourceChange, attr: string): string | undefined {
  const ex = config.get(configKey(rc))?.[attr];
  if (!isObject(ex) || !Array.isArray(ex.references) || ex.references.length === 0) return undefined;
  const ref = ex.references[0];
  if (typeof ref !== "string") return undefined;
  return rc.module_address ? `${rc.module_address}.${ref}` : ref;
}

function text(value: JsonValue): string {
  if (value === null) return "(not set)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** An attribute for display: its value, `(sensitive)`, or `(known after apply: <reference>)`. */
function show(side: ChangeSide, attr: string, rc: PlanResourceChange, config: ConfigIndex): string {
  const a = attribute(side, attr);
  if (a.kind === "sensitive") return SENSITIVE;
  if (a.kind === "unknown") {
    const ref = referenceOf(config, rc, attr);
    return ref ? `${UNKNOWN.slice(0, -1)}: ${ref})` : UNKNOWN;
  }
  return text(a.value);
}

function roleGrant(side: ChangeSide, rc: PlanResourceChange, config: ConfigIndex): string {
  const id = attribute(side, "role_definition_id");
  if (id.kind === "value" && typeof id.value === "string" && id.value !== "") return roleName(id.value);
  const name = attribute(side, "role_definition_name");
  if (name.kind === "value" && typeof name.value === "string" && name.value !== "") return name.value;
  if (id.kind !== "value") return show(side, "role_definition_id", rc, config);
  if (name.kind !== "value") return show(side, "role_definition_name", rc, config);
  return "(no role)";
}

const PERMISSIONS: readonly (readonly [string, string])[] = [
  ["secret_permissions", "secrets"],
  ["key_permissions", "keys"],
  ["certificate_permissions", "certificates"],
  ["storage_permissions", "storage"],
];

function policyGrant(side: ChangeSide, rc: PlanResourceChange, config: ConfigIndex): string {
  const parts: string[] = [];
  for (const [attr, label] of PERMISSIONS) {
    const a = attribute(side, attr);
    if (a.kind !== "value") parts.push(`${label}: ${show(side, attr, rc, config)}`);
    else if (Array.isArray(a.value) && a.value.length > 0) parts.push(`${label}: ${a.value.map(text).join(", ")}`);
  }
  return parts.length > 0 ? parts.join("; ") : "(no permissions)";
}

const KINDS = {
  azurerm_role_assignment: { kind: "role-assignment", principal: "principal_id", scope: "scope", grant: roleGrant },
  azurerm_key_vault_access_policy: { kind: "access-policy", principal: "object_id", scope: "key_vault_id", grant: policyGrant },
} as const;

/**
 * The access a role assignment or access policy change adds, removes or updates. A replace
 * removes the old grant and adds the new one (there is a moment without access).
 */
export function accessChangesOf(rc: PlanResourceChange, config: ConfigIndex): AccessChange[] {
  const k = rc.type === "azurerm_role_assignment" || rc.type === "azurerm_key_vault_access_policy" ? KINDS[rc.type] : undefined;
  if (!k) return [];
  const entry = (change: AccessChange["change"], side: ChangeSide, previous?: ChangeSide): AccessChange => ({
    change,
    kind: k.kind,
    address: rc.address,
    principal: show(side, k.principal, rc, config),
    grant: k.grant(side, rc, config),
    ...(previous ? { previousGrant: k.grant(previous, rc, config) } : {}),
    scope: show(side, k.scope, rc, config),
  });
  const before = sideOf(rc, "before");
  const after = sideOf(rc, "after");
  const out: AccessChange[] = [];
  switch (rc.change.actions.join(",")) {
    case "create":
    case "create,forget":
      if (after) out.push(entry("added", after));
      break;
    case "delete":
      if (before) out.push(entry("removed", before));
      break;
    case "delete,create":
    case "create,delete":
      if (before) out.push(entry("removed", before));
      if (after) out.push(entry("added", after));
      break;
    case "update":
      if (after) out.push(entry("updated", after, before));
      break;
    default:
      break;
  }
  return out;
}
