import { BuiltInRoles, ForbiddenRoles, roleByDefinitionId } from "./facts";
import { Rules } from "./validation";
import type { Attrs, PolicyRule } from "./policy-schema";

/**
 * The policy's rule table ({@link POLICY_RULES}) and the helpers the rules use to read
 * Terraform JSON attributes. The machinery that applies the rules is in ./policy.
 */

const KEY_VAULT = "azurerm_key_vault";
const SECRET = "azurerm_key_vault_secret";
const IDENTITY = "azurerm_user_assigned_identity";
const ROLE = "azurerm_role_assignment";
const DEPLOYMENT = "kubernetes_deployment_v1";

/** Terraform JSON gives single blocks either as an object or a one-element list. */
function one(x: unknown): Record<string, unknown> | undefined {
  const v: unknown = Array.isArray(x) ? x[0] : x;
  return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
}
/** An attribute as text: a string as it is, a missing one as "", anything else as JSON (never "[object Object]"). */
function text(x: unknown): string {
  if (typeof x === "string") return x;
  return x === undefined || x === null ? "" : JSON.stringify(x);
}
function many(x: unknown): Record<string, unknown>[] {
  if (Array.isArray(x)) return x.filter((v) => v && typeof v === "object") as Record<string, unknown>[];
  const o = one(x);
  return o ? [o] : [];
}
function containersOf(attrs: Attrs): { name: string; c: Record<string, unknown>; podSc?: Record<string, unknown> }[] {
  const podSpec = one(one(one(attrs.spec)?.template)?.spec);
  if (!podSpec) return [];
  const podSc = one(podSpec.security_context);
  return [...many(podSpec.container), ...many(podSpec.init_container)].map((c) => ({ name: String(c.name), c, podSc }));
}
function scOf(c: Record<string, unknown>): Record<string, unknown> {
  return one(c.security_context) ?? {};
}
const isRef = (v: unknown, type: string): boolean =>
  typeof v === "string" && new RegExp(`^\\$\\{(data\\.)?${type}\\.[^.}]+\\.id\\}$`).test(v);

/** Every rule, in report order. */
export const POLICY_RULES: readonly PolicyRule[] = [
  {
    id: "AKSID-KV-001",
    cites: ["CKV_AZURE_110", "CKV_AZURE_42", "AVD-AZU-0016"],
    resourceTypes: [KEY_VAULT],
    reads: ["purge_protection_enabled"],
    severity: "dynamic",
    requirement: "Key Vault purge protection on (error where the environment requires it, else a warning)",
    check: (a) =>
      a.purge_protection_enabled === true
        ? []
        : ["purge_protection_enabled is not true: a deleted vault and its secrets can be purged at once"],
  },
  {
    id: "AKSID-KV-002",
    cites: ["CKV_AZURE_42", "AVD-AZU-0016"],
    resourceTypes: [KEY_VAULT],
    reads: ["soft_delete_retention_days"],
    severity: "error",
    requirement: `Key Vault soft-delete retention: ${Rules.softDeleteRetentionDays.requirement}`,
    check: (a) => {
      const d = a.soft_delete_retention_days;
      const r = Rules.softDeleteRetentionDays;
      return typeof d === "number" && r.test(d)
        ? []
        : [`soft_delete_retention_days is ${JSON.stringify(d)}, not ${r.requirement}. Fix: ${r.fix}`];
    },
  },
  {
    id: "AKSID-KV-003",
    cites: ["CKV_AZURE_109", "AVD-AZU-0013", "CKV_AZURE_189"],
    resourceTypes: [KEY_VAULT],
    reads: ["network_acls"],
    severity: "error",
    requirement: "Key Vault firewall default action Deny",
    check: (a) => {
      const acl = one(a.network_acls);
      return acl?.default_action === "Deny"
        ? []
        : [`network_acls.default_action is ${JSON.stringify(acl?.default_action)}, not "Deny": the vault is open to every network`];
    },
  },
  {
    id: "AKSID-KV-004",
    cites: ["CKV_AZURE_189"],
    resourceTypes: [KEY_VAULT],
    reads: ["network_acls"],
    severity: "warning",
    requirement: "Key Vault not reachable from public IP ranges (warning: allowed IPs are a reviewed exception)",
    check: (a) => {
      const acl = one(a.network_acls);
      const ips = (acl?.ip_rules as string[] | undefined) ?? [];
      return ips.length ? [`public IP ranges ${ips.join(", ")} can reach the vault through its firewall`] : [];
    },
  },
  {
    id: "AKSID-KV-005",
    cites: [],
    resourceTypes: [KEY_VAULT],
    reads: ["rbac_authorization_enabled", "enable_rbac_authorization"],
    severity: "warning",
    requirement: "Key Vault RBAC authorization recommended (access policies stay supported: the guide uses them)",
    check: (a) =>
      a.rbac_authorization_enabled === true || a.enable_rbac_authorization === true ? [] : ["uses access policies, not RBAC authorization"],
  },
  {
    id: "AKSID-KV-006",
    cites: [],
    resourceTypes: [KEY_VAULT],
    reads: ["network_acls", "public_network_access_enabled"],
    severity: "error",
    requirement:
      "the vault is reachable by Terraform and the pods: " +
      "a Deny firewall allows the AKS node subnets and the deployer's egress CIDRs, " +
      "or public network access is off behind a private endpoint (keyVault.network.kind)",
    check: (a) => {
      const acl = one(a.network_acls);
      if (acl?.default_action !== "Deny" || a.public_network_access_enabled === false) return [];
      const ips = (acl.ip_rules as unknown[] | undefined) ?? [];
      const subnets = (acl.virtual_network_subnet_ids as unknown[] | undefined) ?? [];
      return ips.length || subnets.length
        ? []
        : [
            "the firewall denies every network and allows none, so Terraform and the pods get 403 ForbiddenByFirewall. " +
              'Fix: set keyVault.network.kind "public", "firewall" with subnetIds and ipRules, or "private-endpoint"',
          ];
    },
  },
  {
    id: "AKSID-SEC-001",
    cites: ["CKV_AZURE_114"],
    resourceTypes: [SECRET],
    reads: ["content_type"],
    severity: "error",
    requirement: "secret content_type set",
    check: (a) => (typeof a.content_type === "string" && a.content_type ? [] : ["content_type is not set"]),
  },
  {
    id: "AKSID-SEC-002",
    cites: ["CKV_AZURE_41"],
    resourceTypes: [SECRET],
    reads: ["expiration_date"],
    severity: "error",
    requirement: "secret expiration_date set",
    check: (a) => (typeof a.expiration_date === "string" && a.expiration_date ? [] : ["expiration_date is not set"]),
  },
  {
    id: "AKSID-SEC-003",
    cites: [],
    resourceTypes: [SECRET],
    reads: ["value", "value_wo"],
    severity: "error",
    requirement:
      "no secret value in the configuration, state or saved plan: " +
      "write-only value_wo from a sensitive, ephemeral variable without a default, never value",
    check: (a, ctx) => {
      const out: string[] = [];
      if (a.value !== undefined) out.push("value is set: it would be stored in cdk.tf.json and in Terraform state in plain text");
      const ref = typeof a.value_wo === "string" ? /^\$\{var\.([A-Za-z0-9_-]+)\}$/.exec(a.value_wo) : null;
      if (a.value_wo !== undefined && !ref) {
        out.push("value_wo is a literal: it would be in cdk.tf.json; feed it from an ephemeral variable");
      }
      const v = ref ? ctx.variables.get(ref[1]) : undefined;
      if (ref && v) {
        if (v.default !== undefined)
          out.push(`value_wo comes from variable ${ref[1]}, which has a default: the default is a literal in cdk.tf.json`);
        if (v.ephemeral !== true)
          out.push(`value_wo comes from variable ${ref[1]}, which is not ephemeral: a saved plan would store its value`);
        if (v.sensitive !== true) out.push(`value_wo comes from variable ${ref[1]}, which is not sensitive: plan output would show it`);
      }
      return out;
    },
  },
  {
    id: "AKSID-K8S-001",
    cites: ["CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"],
    resourceTypes: [DEPLOYMENT],
    reads: ["spec"],
    severity: "error",
    requirement: "every container has CPU and memory requests and limits",
    check: (a) =>
      containersOf(a).flatMap(({ name, c }) => {
        const r = one(c.resources) ?? {};
        const missing = ["requests", "limits"].flatMap((k) =>
          ["cpu", "memory"].filter((m) => !(one(r[k]) ?? {})[m]).map((m) => `${k}.${m}`),
        );
        return missing.length ? [`container "${name}" has no ${missing.join(", ")}`] : [];
      }),
  },
  {
    id: "AKSID-K8S-002",
    cites: ["CKV_K8S_14"],
    resourceTypes: [DEPLOYMENT],
    reads: ["spec"],
    severity: "error",
    requirement: "image tag not latest or empty",
    check: (a) =>
      containersOf(a).flatMap(({ name, c }) => {
        const image = text(c.image);
        return !Rules.pinnedImage.test(image)
          ? [`container "${name}" image ${JSON.stringify(image)} is not pinned to a tag other than latest`]
          : [];
      }),
  },
  {
    id: "AKSID-K8S-003",
    cites: ["CKV_K8S_43"],
    resourceTypes: [DEPLOYMENT],
    reads: ["spec"],
    severity: "warning",
    requirement: "image pinned by digest (recommended)",
    check: (a) =>
      containersOf(a)
        .filter(({ c }) => !/@sha256:[0-9a-f]{64}$/.test(text(c.image)))
        .map(({ name, c }) => `container "${name}" image ${JSON.stringify(c.image)} is pinned by tag, not digest`),
  },
  {
    id: "AKSID-K8S-004",
    cites: ["CKV_K8S_20"],
    resourceTypes: [DEPLOYMENT],
    reads: ["spec"],
    severity: "error",
    requirement: "allowPrivilegeEscalation: false",
    check: (a) =>
      containersOf(a)
        .filter(({ c }) => scOf(c).allow_privilege_escalation !== false)
        .map(({ name }) => `container "${name}" may escalate privileges`),
  },
  {
    id: "AKSID-K8S-005",
    cites: ["CKV_K8S_22"],
    resourceTypes: [DEPLOYMENT],
    reads: ["spec"],
    severity: "error",
    requirement: "readOnlyRootFilesystem: true",
    check: (a) =>
      containersOf(a)
        .filter(({ c }) => scOf(c).read_only_root_filesystem !== true)
        .map(({ name }) => `container "${name}" has a writable root filesystem`),
  },
  {
    id: "AKSID-K8S-006",
    cites: ["CKV_K8S_23"],
    resourceTypes: [DEPLOYMENT],
    reads: ["spec"],
    severity: "error",
    requirement: "runAsNonRoot: true (container or pod)",
    check: (a) =>
      containersOf(a)
        .filter(({ c, podSc }) => (scOf(c).run_as_non_root ?? podSc?.run_as_non_root) !== true)
        .map(({ name }) => `container "${name}" may run as root`),
  },
  {
    id: "AKSID-K8S-007",
    cites: ["CKV_K8S_16"],
    resourceTypes: [DEPLOYMENT],
    reads: ["spec"],
    severity: "error",
    requirement: "privileged not true",
    check: (a) =>
      containersOf(a)
        .filter(({ c }) => scOf(c).privileged === true)
        .map(({ name }) => `container "${name}" is privileged`),
  },
  {
    id: "AKSID-K8S-008",
    cites: ["CKV_K8S_28", "CKV_K8S_37"],
    resourceTypes: [DEPLOYMENT],
    reads: ["spec"],
    severity: "error",
    requirement: "capabilities drop ALL (NET_RAW allows pod-identity spoofing)",
    check: (a) =>
      containersOf(a)
        .filter(({ c }) => !((one(scOf(c).capabilities)?.drop as string[] | undefined) ?? []).includes("ALL"))
        .map(({ name }) => `container "${name}" does not drop ALL capabilities`),
  },
  {
    id: "AKSID-RBAC-001",
    cites: [],
    resourceTypes: [ROLE],
    reads: ["role_definition_id", "role_definition_name"],
    severity: "error",
    requirement:
      "only the roles this project needs: Managed Identity Operator, Virtual Machine Contributor, Reader, " +
      "Key Vault Secrets User (and Key Vault Secrets Officer for Terraform's own principal); " +
      "never Owner, Contributor or User Access Administrator",
    check: (a) => {
      if (a.role_definition_name !== undefined)
        return [`role_definition_name ${JSON.stringify(a.role_definition_name)} is used: refer to built-in roles by GUID`];
      const role = roleByDefinitionId(text(a.role_definition_id));
      if (role && ForbiddenRoles.includes(role)) return [`role "${role.name}" is never granted by this project`];
      return role ? [] : [`role definition ${JSON.stringify(a.role_definition_id)} is not one this project needs`];
    },
  },
  {
    id: "AKSID-RBAC-002",
    cites: [],
    resourceTypes: [ROLE],
    reads: ["scope"],
    severity: "error",
    requirement: "never subscription or management-group scope",
    check: (a) => {
      const s = text(a.scope);
      const wide =
        /^\/subscriptions\/[^/]+\/?$/i.test(s) ||
        /managementGroups\//i.test(s) ||
        s === "/" ||
        // Unresolved until plan, but a subscription or management group all the same.
        /^\$\{data\.azurerm_(subscription|management_group)\.[^.}]+\.id\}$/.test(s);
      return wide ? [`scope ${JSON.stringify(s)} is a whole subscription or management group`] : [];
    },
  },
  {
    id: "AKSID-RBAC-003",
    cites: [],
    resourceTypes: [ROLE],
    reads: ["role_definition_id", "scope"],
    severity: "error",
    requirement: "Managed Identity Operator only on a single user-assigned identity",
    check: (a) => {
      if (roleByDefinitionId(text(a.role_definition_id)) !== BuiltInRoles.ManagedIdentityOperator) return [];
      const s = a.scope;
      const single = isRef(s, IDENTITY) || (typeof s === "string" && Rules.identityResourceId.test(s));
      return single ? [] : [`Managed Identity Operator scope ${JSON.stringify(s)} is not a single identity`];
    },
  },
  {
    id: "AKSID-RBAC-004",
    cites: [],
    resourceTypes: [ROLE],
    reads: ["role_definition_id", "scope"],
    severity: "error",
    requirement: "Virtual Machine Contributor and Reader only on the cluster's node resource group",
    check: (a, ctx) => {
      const role = roleByDefinitionId(text(a.role_definition_id));
      if (role !== BuiltInRoles.VirtualMachineContributor && role !== BuiltInRoles.Reader) return [];
      return ctx.nodeResourceGroupIds.has(String(a.scope))
        ? []
        : [`${role.name} scope ${JSON.stringify(a.scope)} is not the node resource group of a cluster in this stack`];
    },
  },
  {
    id: "AKSID-RBAC-005",
    cites: [],
    resourceTypes: [ROLE],
    reads: ["role_definition_id", "scope"],
    severity: "error",
    requirement: "Key Vault Secrets User and Secrets Officer only on a Key Vault",
    check: (a) => {
      const role = roleByDefinitionId(text(a.role_definition_id));
      if (role !== BuiltInRoles.KeyVaultSecretsUser && role !== BuiltInRoles.KeyVaultSecretsOfficer) return [];
      const s = a.scope;
      return isRef(s, KEY_VAULT) ||
        (typeof s === "string" && /\/providers\/microsoft\.keyvault\/vaults\/[^/]+(\/secrets\/[^/]+)?$/i.test(s))
        ? []
        : [`${role.name} scope ${JSON.stringify(s)} is not a vault`];
    },
  },
  {
    id: "AKSID-DATA-001",
    cites: [],
    resourceTypes: [KEY_VAULT, SECRET, IDENTITY],
    reads: ["lifecycle"],
    severity: "error",
    requirement: "prevent_destroy on vaults, secrets and identities where the environment requires it (Prod)",
    check: (a, ctx) =>
      ctx.options.requirePreventDestroy && one(a.lifecycle)?.prevent_destroy !== true ? ["lifecycle.prevent_destroy is not set"] : [],
  },
];
