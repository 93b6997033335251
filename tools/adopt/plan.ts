/**
 * What to adopt, from saved Azure CLI output: pure functions over `az keyvault show`,
 * `az identity show`, `az role assignment list` documents and the synthesized stacks.
 */

import { KEY_VAULT_SOFT_DELETE_RETENTION_DAYS } from "../../constructs/facts";

/** Input error: one line with the fix. */
export class AdoptError extends Error {}

/** The fields of `az keyvault show -o json` that are read. */
export interface AzKeyVault {
  readonly id: string;
  readonly name: string;
  readonly properties: {
    readonly enablePurgeProtection?: boolean | null;
    readonly enableRbacAuthorization?: boolean | null;
    readonly softDeleteRetentionInDays?: number | null;
    readonly publicNetworkAccess?: string | null;
    readonly networkAcls?: {
      readonly defaultAction?: string;
      readonly ipRules?: { readonly value: string }[];
      readonly virtualNetworkRules?: { readonly id: string }[];
    } | null;
    readonly accessPolicies?:
      | readonly { readonly objectId: string; readonly permissions?: { readonly secrets?: readonly string[] } }[]
      | null;
  };
}

/** The fields of `az identity show -o json` that are read. */
export interface AzIdentity {
  readonly id: string;
  readonly name: string;
  readonly principalId: string;
  readonly clientId: string;
}

/** The fields of one entry of `az role assignment list -o json` that are read. */
export interface AzRoleAssignment {
  readonly id: string;
  readonly principalId: string;
  readonly principalName?: string;
  readonly roleDefinitionId: string;
  readonly roleDefinitionName?: string;
  readonly scope: string;
}

/** One synthesized stack: name and cdk.tf.json. */
export interface SynthesizedStack {
  readonly name: string;
  readonly json: { readonly resource?: Record<string, Record<string, Record<string, unknown>>> };
}

/** A name, ID or scope from Terraform JSON or az output, lower-cased; "" when absent (never "[object object]"). */
const lc = (s: unknown): string => (typeof s === "string" ? s.toLowerCase() : "");
const last = (id: string) => id.split("/").pop()!.toLowerCase();
/** `${azurerm_x.Name.attr}` → ["azurerm_x", "Name"] */
const refOf = (v: unknown): [string, string] | undefined => {
  const m = /^\$\{(azurerm_[a-z_]+)\.([^.}]+)\.[a-z_]+\}$/.exec(String(v));
  return m ? [m[1], m[2]] : undefined;
};

/** The ARM ID tail a synthesized scope stands for (`/resourcegroups/<rg>/providers/.../<name>`), lower-case. */
function scopeTail(stack: SynthesizedStack, scope: unknown): string {
  const ref = refOf(scope);
  if (!ref) return lc(scope).replace(/^\/subscriptions\/[^/]+/, "");
  const r = stack.json.resource?.[ref[0]]?.[ref[1]];
  const provider =
    ref[0] === "azurerm_key_vault"
      ? "microsoft.keyvault/vaults"
      : ref[0] === "azurerm_user_assigned_identity"
        ? "microsoft.managedidentity/userassignedidentities"
        : "?";
  return r ? `/resourcegroups/${lc(r.resource_group_name)}/providers/${provider}/${lc(r.name)}` : "?";
}

/** The synthesized role assignment this hand-made one duplicates: same role and scope. */
function matchRole(stacks: readonly SynthesizedStack[], a: AzRoleAssignment): { stack: string; address: string } | undefined {
  const tail = lc(a.scope).replace(/^\/subscriptions\/[^/]+/, "");
  for (const s of stacks) {
    for (const [name, r] of Object.entries(s.json.resource?.azurerm_role_assignment ?? {})) {
      // A literal principal must be the same one; a reference (identity or agent-pool lookup) is resolved at plan time.
      const samePrincipal = refOf(r.principal_id) || /^\$\{data\./.test(String(r.principal_id)) || lc(r.principal_id) === lc(a.principalId);
      if (samePrincipal && last(String(r.role_definition_id)) === last(a.roleDefinitionId) && scopeTail(s, r.scope) === tail)
        return { stack: s.name, address: `azurerm_role_assignment.${name}` };
    }
  }
  return undefined;
}

/** The synthesized access policy of `objectId` on this vault. */
function matchPolicy(
  stacks: readonly SynthesizedStack[],
  vault: AzKeyVault,
  objectId: string,
  identity?: AzIdentity,
): { stack: string; address: string } | undefined {
  for (const s of stacks) {
    for (const [name, p] of Object.entries(s.json.resource?.azurerm_key_vault_access_policy ?? {})) {
      const v = refOf(p.key_vault_id);
      const vaultRes = v ? s.json.resource?.[v[0]]?.[v[1]] : undefined;
      if (!vaultRes || lc(vaultRes.name) !== lc(vault.name)) continue;
      const o = refOf(p.object_id);
      const who = o ? s.json.resource?.[o[0]]?.[o[1]] : undefined;
      const isIdentity =
        o?.[0] === "azurerm_user_assigned_identity" &&
        identity &&
        lc(who?.name) === lc(identity.name) &&
        lc(identity.principalId) === lc(objectId);
      if (lc(p.object_id) === lc(objectId) || isIdentity) return { stack: s.name, address: `azurerm_key_vault_access_policy.${name}` };
    }
  }
  return undefined;
}

const importCmd = (synthDir: string, m: { stack: string; address: string }, id: string) =>
  `terraform -chdir=${synthDir}/stacks/${m.stack} import '${m.address}' '${id}'`;

/** The printed plan: config values, then one line per grant. */
export function adoptionPlan(input: {
  vault: AzKeyVault;
  identity?: AzIdentity;
  roles: readonly AzRoleAssignment[];
  stacks?: readonly SynthesizedStack[];
  synthDir?: string;
}): string[] {
  const { vault, identity, roles } = input;
  checkAzOutput(vault, identity);
  const p = vault.properties;
  const stacks = input.stacks ?? [];
  const dir = input.synthDir ?? "cdktf.out";
  const out = [
    `Vault ${vault.name}: keep it as it is (config/environments.ts, the team's keyVault, with adopt: true on the team):`,
    `  purgeProtection: ${p.enablePurgeProtection === true},${p.enablePurgeProtection === true ? "" : " // off today; true would switch it on for good"}`,
    `  softDeleteRetentionDays: ${p.softDeleteRetentionInDays ?? KEY_VAULT_SOFT_DELETE_RETENTION_DAYS.default},`,
    `  rbacAuthorization: ${p.enableRbacAuthorization === true},`,
    `  network: ${networkOf(vault)},`,
  ];
  if (identity)
    out.push(`Identity ${identity.name}: principal ${identity.principalId}, client ${identity.clientId} (imported by adopt: true).`);
  if (!input.stacks)
    out.push("(No synthesized stacks: run npm run synth with adopt: true, then again with --synth cdktf.out for the Terraform addresses.)");
  out.push("", `Access policies on ${vault.name}:`, ...accessPolicyLines(vault, identity, stacks, dir));
  out.push("", "Role assignments (hand-made, random names):", ...roleAssignmentLines(roles, stacks, dir));
  return out;
}

/** Refuses files that are not the `az ... show` output they should be, with the command that writes them. */
function checkAzOutput(vault: AzKeyVault, identity: AzIdentity | undefined): void {
  if (!vault || typeof vault !== "object" || typeof vault.name !== "string" || !vault.properties) {
    throw new AdoptError(
      "the --vault file is not az keyvault show output (no name or properties). Fix: az keyvault show -n <vault> -o json > kv.json",
    );
  }
  if (identity && (typeof identity.principalId !== "string" || typeof identity.id !== "string")) {
    throw new AdoptError(
      "the --identity file is not az identity show output (no principalId). Fix: az identity show -n <identity> " +
        "-g <group> -o json > id.json",
    );
  }
}

/** The vault's network as it is today, written as the config's `keyVault.network`. */
function networkOf(vault: AzKeyVault): string {
  const acl = vault.properties.networkAcls;
  if (lc(vault.properties.publicNetworkAccess ?? "enabled") === "disabled") {
    return (
      `{ kind: "private-endpoint", privateEndpoint: { existingId: "<az network private-endpoint list --query ` +
      `\\"[?privateLinkServiceConnections[0].privateLinkServiceId=='${vault.id}'].id\\">" } }`
    );
  }
  if (!acl || lc(acl.defaultAction) === "allow") return `{ kind: "public" }`;
  return (
    `{ kind: "firewall", ipRules: ${JSON.stringify((acl.ipRules ?? []).map((r) => r.value))}, subnetIds: ` +
    `${JSON.stringify((acl.virtualNetworkRules ?? []).map((r) => r.id))} }`
  );
}

/** One line per access policy: the import command where a stack manages it, else what to do with it. */
function accessPolicyLines(
  vault: AzKeyVault,
  identity: AzIdentity | undefined,
  stacks: readonly SynthesizedStack[],
  dir: string,
): string[] {
  const p = vault.properties;
  if (p.enableRbacAuthorization) return ["  none: the vault uses RBAC authorization."];
  return (p.accessPolicies ?? []).map((ap) => {
    const who = identity && lc(identity.principalId) === lc(ap.objectId) ? ` (${identity.name})` : "";
    const m = matchPolicy(stacks, vault, ap.objectId, identity);
    const id = `${vault.id}/objectId/${ap.objectId}`;
    return m
      ? `  import: ${ap.objectId}${who}, secrets ${(ap.permissions?.secrets ?? []).join("/")}\n    ${importCmd(dir, m, id)}`
      : `  not managed by these stacks: ${ap.objectId}${who}, secrets ${(ap.permissions?.secrets ?? []).join("/") || "none"}; ` +
          `leave it, or remove it: az keyvault delete-policy -n ${vault.name} --object-id ${ap.objectId}`;
  });
}

/** One line per hand-made role assignment: the import command (and the replacement it leads to) where a stack manages it. */
function roleAssignmentLines(roles: readonly AzRoleAssignment[], stacks: readonly SynthesizedStack[], dir: string): string[] {
  return roles.map((a) => {
    const m = matchRole(stacks, a);
    const what = `${a.roleDefinitionName ?? last(a.roleDefinitionId)} for ${a.principalName ?? a.principalId} on ${a.scope}`;
    return m
      ? `  import: ${what}\n    ${importCmd(dir, m, a.id)}\n    then the plan replaces it (the stacks name assignments ` +
          `deterministically): a few seconds without the grant; or delete it just before apply: az role assignment delete --ids ${a.id}`
      : stacks.length
        ? `  not managed by these stacks: ${what}; leave it`
        : `  ${what}: ${a.id}`;
  });
}
