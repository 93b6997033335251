// Issue 3, guard rail 2: the security policy (constructs/policy.ts), enforced as a cdktf Aspect.
// Every rule in POLICY_RULES fails on a small stack of real provider resources and passes on a
// compliant one; suppressions need a reason and are listed; the default config synthesizes with
// zero policy errors and exactly the warnings the docs accept (docs/guard-rails.md).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Construct, type IConstruct } from "constructs";
import { Aspects, TerraformStack, TerraformVariable, Testing, type TerraformResource } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { KeyVault as KeyVaultResource, type KeyVaultConfig } from "@cdktf/provider-azurerm/lib/key-vault";
import { KeyVaultSecret, type KeyVaultSecretConfig } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { UserAssignedIdentity, type UserAssignedIdentityConfig } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { DataAzurermSubscription } from "@cdktf/provider-azurerm/lib/data-azurerm-subscription";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import {
  DeploymentV1,
  type DeploymentV1SpecTemplateSpecContainer,
  type DeploymentV1SpecTemplateSpecSecurityContext,
} from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { AksCluster } from "../constructs/aks-cluster";
import { POLICY_RULES, SecurityPolicy, suppressPolicy, type PolicyFinding, type PolicyOptions, type Severity } from "../constructs/policy";
import { platform } from "../config/environments";
import type { PlatformConfig } from "../config/types";
import { synthesize, type SynthResult } from "../stacks/synthesize";

const TENANT = "2e319086-9a26-46a3-865f-615bed576786";
const SUB = "99a3af26-911d-4bc5-8fcc-8f9de81e46c5";
const CLUSTER_SUB = "7e242177-ef0b-431f-8c76-e40907843aa7";
const NODE_RG_ID = `/subscriptions/${CLUSTER_SUB}/resourceGroups/MC_rg-aks-poc-container-westus2`;
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const ROLE = {
  mio: "f1a07417-d97a-45cb-824c-7a7467783830",
  vmc: "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  kvSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  kvSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  kvAdministrator: "00482a5a-887f-4fb3-b363-3b7fe8e74483",
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
} as const;
const roleId = (guid: string): string => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

// ---- Compliant fixtures: each case breaks exactly one thing ----

interface Fixture {
  readonly stack: TerraformStack;
  readonly policy: SecurityPolicy;
}

function fixture(options?: PolicyOptions): Fixture {
  const stack = new TerraformStack(Testing.app(), "policy");
  new AzurermProvider(stack, "Azurerm", { features: [{}], subscriptionId: SUB });
  new KubernetesProvider(stack, "Kubernetes", {});
  const policy = new SecurityPolicy(options);
  Aspects.of(stack).add(policy);
  return { stack, policy };
}

const NODE_SUBNET =
  "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/nodes";

function vault(scope: IConstruct, over: Partial<KeyVaultConfig> = {}, id = "Vault"): KeyVaultResource {
  return new KeyVaultResource(scope, id, {
    name: "kv-policy-test",
    resourceGroupName: "rg-westus2-shared",
    location: "westus2",
    tenantId: TENANT,
    skuName: "standard",
    purgeProtectionEnabled: true,
    softDeleteRetentionDays: 90,
    rbacAuthorizationEnabled: true,
    // The AKS node subnet through the firewall (AKSID-KV-006).
    networkAcls: { defaultAction: "Deny", bypass: "AzureServices", virtualNetworkSubnetIds: [NODE_SUBNET] },
    ...over,
  });
}

/** The secret variable the way VaultSecret declares it; `over` changes its attributes. */
function secretVariable(scope: IConstruct, over: { ephemeral?: boolean; sensitive?: boolean; default?: string } = {}): TerraformVariable {
  const v = new TerraformVariable(scope, "SecretValue", {
    type: "string",
    sensitive: over.sensitive ?? true,
    nullable: false,
    default: over.default,
  });
  v.overrideLogicalId("secret_value");
  if (over.ephemeral ?? true) v.addOverride("ephemeral", true);
  return v;
}

function secret(scope: IConstruct, over: Partial<KeyVaultSecretConfig> = {}, variable?: TerraformVariable): KeyVaultSecret {
  return new KeyVaultSecret(scope, "Secret", {
    name: "grafana-admin-username-poc",
    valueWo: (variable ?? secretVariable(scope)).stringValue,
    valueWoVersion: 1,
    contentType: "text/plain",
    expirationDate: "2027-06-30T00:00:00Z",
    ...over,
    keyVaultId: over.keyVaultId ?? vault(scope).id,
  });
}

function identity(scope: IConstruct, over: Partial<UserAssignedIdentityConfig> = {}): UserAssignedIdentity {
  return new UserAssignedIdentity(scope, "Identity", {
    name: "aks-aad-user-identity",
    resourceGroupName: "rg-westus2-shared",
    location: "westus2",
    ...over,
  });
}

const HARDENED: DeploymentV1SpecTemplateSpecContainer = {
  name: "busybox",
  image: `busybox@${DIGEST}`,
  resources: { requests: { cpu: "100m", memory: "4Mi" }, limits: { cpu: "200m", memory: "8Mi" } },
  securityContext: {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
  },
};

function deployment(
  scope: IConstruct,
  container: Partial<DeploymentV1SpecTemplateSpecContainer> = {},
  more: { podSecurityContext?: DeploymentV1SpecTemplateSpecSecurityContext; initContainer?: DeploymentV1SpecTemplateSpecContainer } = {},
): DeploymentV1 {
  return new DeploymentV1(scope, "Deployment", {
    metadata: { name: "az-keyvault-reader-test", namespace: "aad-pod-identity-poc" },
    spec: {
      selector: { matchLabels: { app: "az-keyvault-reader-test" } },
      template: {
        metadata: { labels: { app: "az-keyvault-reader-test" } },
        spec: {
          securityContext: more.podSecurityContext,
          container: [{ ...HARDENED, ...container }],
          initContainer: more.initContainer ? [more.initContainer] : undefined,
        },
      },
    },
  });
}

/** A container security context with one setting changed. */
const sc = (over: Record<string, unknown>): Partial<DeploymentV1SpecTemplateSpecContainer> => ({
  securityContext: { ...HARDENED.securityContext, ...over },
});

/** A role assignment of `guid` at `scope` for some principal; the cluster is there so RBAC-004 knows the node group. */
function role(scope: IConstruct, guid: string, at: (s: IConstruct) => string, over: { roleDefinitionName?: string } = {}): RoleAssignment {
  AksCluster.fromAgentPoolIdentity(scope, "Cluster", {
    identityName: "aks-xcEwmVSi-agentpool",
    nodeResourceGroupName: "MC_rg-aks-poc-container-westus2",
    subscriptionId: CLUSTER_SUB,
  });
  return new RoleAssignment(scope, "Role", {
    scope: at(scope),
    ...(over.roleDefinitionName ? { roleDefinitionName: over.roleDefinitionName } : { roleDefinitionId: roleId(guid) }),
    principalId: "b9276f33-e80c-4f09-9cdf-24c28c0feea4",
    principalType: "ServicePrincipal",
  });
}

// ---- Evaluation ----

interface Annotation {
  readonly level: string;
  readonly path: string;
  readonly message: string;
}

function annotationsOf(stack: TerraformStack): Annotation[] {
  return stack.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => String(m.type).startsWith("@cdktf/"))
        .map((m) => ({ level: String(m.type), path: c.node.path, message: String(m.data) })),
    );
}

/** Runs the aspects and construct validations the way `Testing.synth(stack, true)` does. */
function evaluate(f: Fixture): { findings: PolicyFinding[]; annotations: Annotation[] } {
  Testing.synth(f.stack, true);
  return { findings: f.policy.findings, annotations: annotationsOf(f.stack) };
}

const LEVEL: Record<Severity, string> = { error: "@cdktf/error", warning: "@cdktf/warn" };

interface Case {
  readonly ruleId: string;
  readonly title: string;
  readonly options?: PolicyOptions;
  /** Builds the resources; returns the one the rule is about. */
  readonly build: (s: TerraformStack) => TerraformResource;
  /** Failing cases: the severity expected. */
  readonly severity?: Severity;
  /** Failing cases: text the finding must contain (attribute and value). */
  readonly says?: string;
  /** Passing cases: other rules the fixture is known to trip (e.g. a tag-pinned image is a digest warning). */
  readonly others?: readonly string[];
}

const FAILING: readonly Case[] = [
  {
    ruleId: "AKSID-KV-001",
    title: "purge protection off where required (Prod)",
    severity: "error",
    options: { requirePurgeProtection: true },
    build: (s) => vault(s, { purgeProtectionEnabled: false }),
    says: "purge_protection_enabled is not true",
  },
  {
    ruleId: "AKSID-KV-001",
    title: "purge protection off where not required (Dev/Test)",
    severity: "warning",
    options: { requirePurgeProtection: false },
    build: (s) => vault(s, { purgeProtectionEnabled: false }),
    says: "purge_protection_enabled is not true",
  },
  {
    ruleId: "AKSID-KV-002",
    title: "soft-delete retention of 100 days",
    severity: "error",
    build: (s) => vault(s, { softDeleteRetentionDays: 100 }),
    says: "soft_delete_retention_days is 100, not a whole number of days from 7 to 90. Fix: use 90 (the maximum) unless a policy says otherwise",
  },
  {
    ruleId: "AKSID-KV-002",
    title: "soft-delete retention of 6 days",
    severity: "error",
    build: (s) => vault(s, { softDeleteRetentionDays: 6 }),
    says: "soft_delete_retention_days is 6, not a whole number of days from 7 to 90. Fix: use 90 (the maximum) unless a policy says otherwise",
  },
  {
    ruleId: "AKSID-KV-003",
    title: "firewall default action Allow",
    severity: "error",
    build: (s) => vault(s, { networkAcls: { defaultAction: "Allow", bypass: "AzureServices" } }),
    says: 'network_acls.default_action is "Allow", not "Deny"',
  },
  {
    ruleId: "AKSID-KV-003",
    title: "no firewall at all",
    severity: "error",
    build: (s) => vault(s, { networkAcls: undefined }),
    says: 'network_acls.default_action is undefined, not "Deny"',
  },
  {
    ruleId: "AKSID-KV-004",
    title: "a public IP range through the firewall",
    severity: "warning",
    build: (s) => vault(s, { networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: ["203.0.113.0/24"] } }),
    says: "public IP ranges 203.0.113.0/24 can reach the vault",
  },
  {
    ruleId: "AKSID-KV-005",
    title: "access-policy mode",
    severity: "warning",
    build: (s) => vault(s, { rbacAuthorizationEnabled: false }),
    says: "uses access policies, not RBAC authorization",
  },
  {
    ruleId: "AKSID-KV-006",
    title: "a Deny firewall that allows nothing",
    severity: "error",
    build: (s) => vault(s, { networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkSubnetIds: [] } }),
    says: "the firewall denies every network and allows none",
  },
  {
    ruleId: "AKSID-SEC-001",
    title: "secret without content_type",
    severity: "error",
    build: (s) => secret(s, { contentType: undefined }),
    says: "content_type is not set",
  },
  {
    ruleId: "AKSID-SEC-002",
    title: "secret without expiration_date",
    severity: "error",
    build: (s) => secret(s, { expirationDate: undefined }),
    says: "expiration_date is not set",
  },
  {
    ruleId: "AKSID-SEC-003",
    title: "a literal value",
    severity: "error",
    build: (s) => secret(s, { value: "hunter2", valueWo: undefined, valueWoVersion: undefined }),
    says: "value is set: it would be stored in cdk.tf.json and in Terraform state",
  },
  {
    ruleId: "AKSID-SEC-003",
    title: "a literal value_wo",
    severity: "error",
    build: (s) => secret(s, { valueWo: "hunter2" }),
    says: "value_wo is a literal",
  },
  {
    ruleId: "AKSID-SEC-003",
    title: "value_wo from a variable with a default",
    severity: "error",
    build: (s) => secret(s, {}, secretVariable(s, { default: "hunter2" })),
    says: "value_wo comes from variable secret_value, which has a default",
  },
  {
    ruleId: "AKSID-SEC-003",
    title: "value_wo from a variable that is not ephemeral",
    severity: "error",
    build: (s) => secret(s, {}, secretVariable(s, { ephemeral: false })),
    says: "which is not ephemeral: a saved plan would store its value",
  },
  {
    ruleId: "AKSID-SEC-003",
    title: "value_wo from a variable that is not sensitive",
    severity: "error",
    build: (s) => secret(s, {}, secretVariable(s, { sensitive: false })),
    says: "which is not sensitive",
  },
  {
    ruleId: "AKSID-K8S-001",
    title: "no limits",
    severity: "error",
    build: (s) => deployment(s, { resources: { requests: { cpu: "100m", memory: "4Mi" } } }),
    says: 'container "busybox" has no limits.cpu, limits.memory',
  },
  {
    ruleId: "AKSID-K8S-001",
    title: "no memory request",
    severity: "error",
    build: (s) => deployment(s, { resources: { requests: { cpu: "100m" }, limits: { cpu: "200m", memory: "8Mi" } } }),
    says: 'container "busybox" has no requests.memory',
  },
  {
    ruleId: "AKSID-K8S-002",
    title: "image tagged latest",
    severity: "error",
    build: (s) => deployment(s, { image: "busybox:latest" }),
    says: 'container "busybox" image "busybox:latest" is not pinned',
  },
  {
    ruleId: "AKSID-K8S-002",
    title: "image without a tag",
    severity: "error",
    build: (s) => deployment(s, { image: "registry.example:5000/busybox" }),
    says: 'image "registry.example:5000/busybox" is not pinned',
  },
  {
    ruleId: "AKSID-K8S-002",
    title: "empty image",
    severity: "error",
    build: (s) => deployment(s, { image: "" }),
    says: 'image "" is not pinned',
  },
  {
    ruleId: "AKSID-K8S-003",
    title: "image pinned by tag only",
    severity: "warning",
    build: (s) => deployment(s, { image: "busybox:1.36.1" }),
    says: 'image "busybox:1.36.1" is pinned by tag, not digest',
  },
  {
    ruleId: "AKSID-K8S-004",
    title: "allowPrivilegeEscalation not set",
    severity: "error",
    build: (s) => deployment(s, sc({ allowPrivilegeEscalation: undefined })),
    says: 'container "busybox" may escalate privileges',
  },
  {
    ruleId: "AKSID-K8S-004",
    title: "allowPrivilegeEscalation true in an init container",
    severity: "error",
    build: (s) => deployment(s, {}, { initContainer: { ...HARDENED, name: "init", ...sc({ allowPrivilegeEscalation: true }) } }),
    says: 'container "init" may escalate privileges',
  },
  {
    ruleId: "AKSID-K8S-005",
    title: "writable root filesystem",
    severity: "error",
    build: (s) => deployment(s, sc({ readOnlyRootFilesystem: false })),
    says: 'container "busybox" has a writable root filesystem',
  },
  {
    ruleId: "AKSID-K8S-006",
    title: "runAsNonRoot on neither container nor pod",
    severity: "error",
    build: (s) => deployment(s, sc({ runAsNonRoot: undefined })),
    says: 'container "busybox" may run as root',
  },
  {
    ruleId: "AKSID-K8S-006",
    title: "runAsNonRoot false on the container despite the pod",
    severity: "error",
    build: (s) => deployment(s, sc({ runAsNonRoot: false }), { podSecurityContext: { runAsNonRoot: true } }),
    says: 'container "busybox" may run as root',
  },
  {
    ruleId: "AKSID-K8S-007",
    title: "privileged container",
    severity: "error",
    build: (s) => deployment(s, sc({ privileged: true })),
    says: 'container "busybox" is privileged',
  },
  {
    ruleId: "AKSID-K8S-008",
    title: "drops NET_RAW but not ALL",
    severity: "error",
    build: (s) => deployment(s, sc({ capabilities: { drop: ["NET_RAW"] } })),
    says: 'container "busybox" does not drop ALL capabilities',
  },
  {
    ruleId: "AKSID-RBAC-001",
    title: "Owner",
    severity: "error",
    build: (s) => role(s, ROLE.owner, () => NODE_RG_ID),
    says: 'role "Owner" is never granted by this project',
  },
  {
    ruleId: "AKSID-RBAC-001",
    title: "Contributor",
    severity: "error",
    build: (s) => role(s, ROLE.contributor, () => NODE_RG_ID),
    says: 'role "Contributor" is never granted by this project',
  },
  {
    ruleId: "AKSID-RBAC-001",
    title: "User Access Administrator",
    severity: "error",
    build: (s) => role(s, ROLE.userAccessAdministrator, () => NODE_RG_ID),
    says: 'role "User Access Administrator" is never granted',
  },
  {
    ruleId: "AKSID-RBAC-001",
    title: "a role this project does not need (Key Vault Administrator)",
    severity: "error",
    build: (s) => role(s, ROLE.kvAdministrator, (x) => vault(x).id),
    says: `role definition "${roleId(ROLE.kvAdministrator)}" is not one this project needs`,
  },
  {
    ruleId: "AKSID-RBAC-001",
    title: "a role by display name",
    severity: "error",
    build: (s) => role(s, "", () => NODE_RG_ID, { roleDefinitionName: "Reader" }),
    says: 'role_definition_name "Reader" is used: refer to built-in roles by GUID',
  },
  {
    ruleId: "AKSID-RBAC-002",
    title: "subscription scope",
    severity: "error",
    build: (s) => role(s, ROLE.reader, () => `/subscriptions/${CLUSTER_SUB}`),
    says: `scope "/subscriptions/${CLUSTER_SUB}" is a whole subscription`,
  },
  {
    ruleId: "AKSID-RBAC-002",
    title: "management-group scope",
    severity: "error",
    build: (s) => role(s, ROLE.reader, () => "/providers/Microsoft.Management/managementGroups/platform"),
    says: "is a whole subscription or management group",
  },
  {
    ruleId: "AKSID-RBAC-002",
    title: "subscription scope from a data source",
    severity: "error",
    build: (s) => role(s, ROLE.reader, (x) => new DataAzurermSubscription(x, "Current", {}).id),
    says: "${data.azurerm_subscription.Current.id}",
  },
  {
    ruleId: "AKSID-RBAC-003",
    title: "Managed Identity Operator on a resource group",
    severity: "error",
    build: (s) => role(s, ROLE.mio, () => `/subscriptions/${SUB}/resourceGroups/rg-westus2-shared`),
    says: "Managed Identity Operator scope",
  },
  {
    ruleId: "AKSID-RBAC-004",
    title: "Virtual Machine Contributor outside the node resource group",
    severity: "error",
    build: (s) => role(s, ROLE.vmc, () => `/subscriptions/${SUB}/resourceGroups/rg-westus2-shared`),
    says: "Virtual Machine Contributor scope",
  },
  {
    ruleId: "AKSID-RBAC-004",
    title: "Reader on an identity",
    severity: "error",
    build: (s) => role(s, ROLE.reader, (x) => identity(x).id),
    says: "Reader scope",
  },
  {
    ruleId: "AKSID-RBAC-005",
    title: "Key Vault Secrets User on a resource group",
    severity: "error",
    build: (s) => role(s, ROLE.kvSecretsUser, () => `/subscriptions/${SUB}/resourceGroups/rg-westus2-shared`),
    says: "Key Vault Secrets User scope",
  },
  {
    ruleId: "AKSID-RBAC-005",
    title: "Key Vault Secrets Officer on a resource group",
    severity: "error",
    build: (s) => role(s, ROLE.kvSecretsOfficer, () => `/subscriptions/${SUB}/resourceGroups/rg-westus2-shared`),
    says: "Key Vault Secrets Officer scope",
  },
  {
    ruleId: "AKSID-DATA-001",
    title: "vault without prevent_destroy where required",
    severity: "error",
    options: { requirePreventDestroy: true },
    build: (s) => vault(s),
    says: "lifecycle.prevent_destroy is not set",
  },
  {
    ruleId: "AKSID-DATA-001",
    title: "identity without prevent_destroy where required",
    severity: "error",
    options: { requirePreventDestroy: true },
    build: (s) => identity(s),
    says: "lifecycle.prevent_destroy is not set",
  },
  {
    ruleId: "AKSID-DATA-001",
    title: "secret without prevent_destroy where required",
    severity: "error",
    options: { requirePreventDestroy: true },
    build: (s) => secret(s, { keyVaultId: vault(s, { lifecycle: { preventDestroy: true } }, "ProtectedVault").id }),
    says: "lifecycle.prevent_destroy is not set",
  },
];

const PASSING: readonly Case[] = [
  { ruleId: "AKSID-KV-001", title: "purge protection on", options: { requirePurgeProtection: true }, build: (s) => vault(s) },
  { ruleId: "AKSID-KV-002", title: "retention of 7 days", build: (s) => vault(s, { softDeleteRetentionDays: 7 }) },
  { ruleId: "AKSID-KV-002", title: "retention of 90 days", build: (s) => vault(s) },
  { ruleId: "AKSID-KV-003", title: "firewall default Deny", build: (s) => vault(s) },
  {
    ruleId: "AKSID-KV-004",
    title: "no public IP ranges, a subnet instead",
    build: (s) =>
      vault(s, {
        networkAcls: {
          defaultAction: "Deny",
          bypass: "AzureServices",
          virtualNetworkSubnetIds: [
            `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks`,
          ],
        },
      }),
  },
  { ruleId: "AKSID-KV-005", title: "RBAC authorization", build: (s) => vault(s) },
  {
    ruleId: "AKSID-KV-006",
    title: "a Deny firewall with the AKS node subnet allowed",
    build: (s) => vault(s, { networkAcls: { defaultAction: "Deny", bypass: "AzureServices", virtualNetworkSubnetIds: [NODE_SUBNET] } }),
  },
  { ruleId: "AKSID-SEC-001", title: "content_type set", build: (s) => secret(s) },
  { ruleId: "AKSID-SEC-002", title: "expiration_date set", build: (s) => secret(s) },
  { ruleId: "AKSID-SEC-003", title: "value_wo from a sensitive, ephemeral variable without a default", build: (s) => secret(s) },
  { ruleId: "AKSID-K8S-001", title: "requests and limits", build: (s) => deployment(s) },
  { ruleId: "AKSID-K8S-002", title: "a version tag", build: (s) => deployment(s, { image: "busybox:1.36.1" }), others: ["AKSID-K8S-003"] },
  { ruleId: "AKSID-K8S-002", title: "a digest", build: (s) => deployment(s) },
  { ruleId: "AKSID-K8S-003", title: "a digest", build: (s) => deployment(s) },
  { ruleId: "AKSID-K8S-004", title: "allowPrivilegeEscalation false", build: (s) => deployment(s) },
  { ruleId: "AKSID-K8S-005", title: "read-only root filesystem", build: (s) => deployment(s) },
  { ruleId: "AKSID-K8S-006", title: "runAsNonRoot on the container", build: (s) => deployment(s) },
  {
    ruleId: "AKSID-K8S-006",
    title: "runAsNonRoot on the pod only",
    build: (s) => deployment(s, sc({ runAsNonRoot: undefined }), { podSecurityContext: { runAsNonRoot: true } }),
  },
  { ruleId: "AKSID-K8S-007", title: "privileged false", build: (s) => deployment(s) },
  { ruleId: "AKSID-K8S-008", title: "drop ALL", build: (s) => deployment(s) },
  { ruleId: "AKSID-RBAC-001", title: "Reader on the node resource group", build: (s) => role(s, ROLE.reader, () => NODE_RG_ID) },
  { ruleId: "AKSID-RBAC-002", title: "a resource-group scope", build: (s) => role(s, ROLE.vmc, () => NODE_RG_ID) },
  {
    ruleId: "AKSID-RBAC-003",
    title: "Managed Identity Operator on the identity (reference)",
    build: (s) => role(s, ROLE.mio, (x) => identity(x).id),
  },
  {
    ruleId: "AKSID-RBAC-003",
    title: "Managed Identity Operator on the identity (ID in MIC's form)",
    build: (s) =>
      role(
        s,
        ROLE.mio,
        () =>
          `/subscriptions/${SUB}/resourcegroups/rg-westus2-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-aad-user-identity`,
      ),
  },
  {
    ruleId: "AKSID-RBAC-004",
    title: "Virtual Machine Contributor on the node resource group",
    build: (s) => role(s, ROLE.vmc, () => NODE_RG_ID),
  },
  { ruleId: "AKSID-RBAC-005", title: "Key Vault Secrets User on the vault", build: (s) => role(s, ROLE.kvSecretsUser, (x) => vault(x).id) },
  {
    ruleId: "AKSID-RBAC-005",
    title: "Key Vault Secrets Officer (Terraform's own principal) on the vault",
    build: (s) => role(s, ROLE.kvSecretsOfficer, (x) => vault(x).id),
  },
  {
    ruleId: "AKSID-DATA-001",
    title: "prevent_destroy where required",
    options: { requirePreventDestroy: true },
    build: (s) => vault(s, { lifecycle: { preventDestroy: true } }),
  },
  {
    ruleId: "AKSID-DATA-001",
    title: "no prevent_destroy where not required (Dev/Test)",
    options: { requirePreventDestroy: false },
    build: (s) => vault(s),
  },
];

describe("POLICY_RULES", () => {
  test("every rule has a stable id, a requirement, and at least one failing and one passing case here", () => {
    const ids = POLICY_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of POLICY_RULES) {
      expect(r.id).toMatch(/^AKSID-(KV|SEC|K8S|RBAC|DATA)-\d{3}$/);
      expect(r.requirement).not.toBe("");
    }
    expect([...new Set(FAILING.map((c) => c.ruleId))].sort()).toEqual([...ids].sort());
    expect([...new Set(PASSING.map((c) => c.ruleId))].sort()).toEqual([...ids].sort());
  });
});

describe.each(FAILING.map((c) => [c.ruleId, c.title, c] as const))("GIVEN %s is broken (%s)", (ruleId, _, c) => {
  test(`WHEN synthesized THEN it is a${c.severity === "error" ? "n error" : " warning"} annotation on the resource, naming the rule, attribute and value`, () => {
    const f = fixture(c.options);
    const target = c.build(f.stack);
    const { findings, annotations } = evaluate(f);
    const mine = findings.filter((x) => x.ruleId === ruleId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      severity: c.severity,
      path: target.node.path,
      address: `${target.terraformResourceType}.${target.friendlyUniqueId}`,
    });
    expect(mine[0].suppressedBecause).toBeUndefined();
    expect(mine[0].message).toContain(c.says!);
    const rule = POLICY_RULES.find((r) => r.id === ruleId)!;
    expect(mine[0].message).toMatch(new RegExp(`^\\[${ruleId}${rule.cites.length ? ` ${rule.cites.join("/")}` : ""}\\] `));
    expect(mine[0].message).toContain(`Required: ${rule.requirement}.`);
    expect(annotations).toContainEqual({ level: LEVEL[c.severity!], path: target.node.path, message: mine[0].message });
  });
});

describe.each(PASSING.map((c) => [c.ruleId, c.title, c] as const))("GIVEN %s is met (%s)", (ruleId, _, c) => {
  test("WHEN synthesized THEN the rule finds nothing, nor does any other rule the fixture is not known to trip", () => {
    const f = fixture(c.options);
    c.build(f.stack);
    const { findings, annotations } = evaluate(f);
    expect(findings.filter((x) => x.ruleId === ruleId)).toEqual([]);
    expect(findings.map((x) => x.ruleId)).toEqual(c.others ?? []);
    expect(annotations.filter((a) => a.level === "@cdktf/error")).toEqual([]);
  });
});

describe("GIVEN the guard-rails docs (docs/guard-rails.md)", () => {
  const ROOT = path.resolve(__dirname, "..");
  const readme = fs.readFileSync(path.join(ROOT, "docs", "guard-rails.md"), "utf8");
  const section = readme;

  test.each(POLICY_RULES.map((r) => [r.id, r] as const))("%s is documented with its severity and the checks it mirrors", (id, r) => {
    const row = section.split("\n").find((l) => l.startsWith(`| \`${id}\` |`));
    expect(row).toBeDefined();
    expect(row).toContain(r.severity === "dynamic" ? "error in Prod, warning in Dev/Test" : `| ${r.severity} |`);
    for (const cite of r.cites) expect(row).toContain(cite);
  });

  test("how to suppress is documented, in config and in code", () => {
    expect(section).toContain("suppressions: [{ ruleId:");
    expect(section).toContain("suppressPolicy(");
  });
});

describe("GIVEN the real synthesizer", () => {
  const previous = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  beforeAll(() => delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS);
  afterAll(() => {
    if (previous !== undefined) process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = previous;
  });

  test("WHEN a rule is violated THEN app.synth() fails with the rule id", () => {
    const f = fixture();
    vault(f.stack, { purgeProtectionEnabled: false });
    expect(() => (f.stack.node.root as ReturnType<typeof Testing.app>).synth()).toThrow(
      /\[AKSID-KV-001 CKV_AZURE_110\/CKV_AZURE_42\/AVD-AZU-0016\]/,
    );
  });

  test("WHEN only warnings are found THEN app.synth() succeeds and keeps them as warnings in the manifest", () => {
    const f = fixture();
    vault(f.stack, { rbacAuthorizationEnabled: false });
    const app = f.stack.node.root as ReturnType<typeof Testing.app>;
    app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(app.outdir, "manifest.json"), "utf8"));
    expect(manifest.stacks.policy.annotations).toEqual([
      expect.objectContaining({ level: "@cdktf/warn", message: expect.stringContaining("[AKSID-KV-005]") }),
    ]);
  });

  test("WHEN aspects run twice (Testing.synth, then app.synth) THEN each resource is reported once", () => {
    const f = fixture();
    vault(f.stack, { rbacAuthorizationEnabled: false });
    Testing.synth(f.stack);
    (f.stack.node.root as ReturnType<typeof Testing.app>).synth();
    expect(f.policy.findings.map((x) => x.ruleId)).toEqual(["AKSID-KV-005"]);
    expect(annotationsOf(f.stack)).toHaveLength(1);
  });
});

describe("GIVEN a suppression", () => {
  const REASON = "Sandbox vault, recreated nightly; purge protection would block the rebuild (ticket SEC-142).";

  test("WHEN it has a reason THEN the finding carries it, is an info annotation, and is no error", () => {
    const f = fixture({ requirePurgeProtection: true });
    const v = vault(f.stack, { purgeProtectionEnabled: false });
    suppressPolicy(v, "AKSID-KV-001", REASON);
    const { findings, annotations } = evaluate(f);
    expect(findings).toEqual([expect.objectContaining({ ruleId: "AKSID-KV-001", severity: "error", suppressedBecause: REASON })]);
    expect(annotations).toEqual([
      {
        level: "@cdktf/info",
        path: v.node.path,
        message: expect.stringMatching(
          new RegExp(`^suppressed \\[AKSID-KV-001 .*Reason: ${REASON.replace(/[.()]/g, "\\$&")} \\(at policy/Vault\\)$`),
        ),
      },
    ]);
    expect(() => (f.stack.node.root as ReturnType<typeof Testing.app>).synth()).not.toThrow();
  });

  test("WHEN it is set on a parent construct THEN it covers the resources below, and only the rule named", () => {
    const f = fixture({ requirePurgeProtection: true });
    const team = new Construct(f.stack, "Team-sandbox");
    const inside = vault(team, { purgeProtectionEnabled: false, rbacAuthorizationEnabled: false });
    const outside = vault(f.stack, { name: "kv-other", purgeProtectionEnabled: false }, "OtherVault");
    suppressPolicy(team, "AKSID-KV-001", REASON);
    const { findings } = evaluate(f);
    const of = (v: KeyVaultResource, ruleId: string) => findings.find((x) => x.path === v.node.path && x.ruleId === ruleId);
    expect(of(inside, "AKSID-KV-001")).toMatchObject({ suppressedBecause: REASON });
    expect(of(inside, "AKSID-KV-005")).toMatchObject({ severity: "warning", suppressedBecause: undefined });
    expect(of(outside, "AKSID-KV-001")).toMatchObject({ severity: "error", suppressedBecause: undefined });
  });

  test.each([
    [
      "no reason",
      "AKSID-KV-001",
      "",
      /policy: suppression of AKSID-KV-001 needs a written reason of at least 10 characters\. Fix: say in a sentence why the risk is accepted\./,
    ],
    ["a blank reason", "AKSID-KV-001", "          ", /needs a written reason/],
    ["a reason too short to say anything", "AKSID-KV-001", "because", /needs a written reason/],
    [
      "an unknown rule id",
      "CKV_AZURE_110",
      REASON,
      /policy: unknown policy rule "CKV_AZURE_110"\. Fix: use one of AKSID-KV-001, .*AKSID-DATA-001\./,
    ],
  ])("WHEN it has %s THEN suppressPolicy throws", (_, ruleId, reason, message) => {
    const f = fixture();
    expect(() => suppressPolicy(f.stack, ruleId, reason)).toThrow(message);
  });
});

// ---- Through synthesize(), as `npm run synth` runs it ----

type Draft<T> = T extends readonly (infer U)[] ? Draft<U>[] : T extends object ? { -readonly [K in keyof T]: Draft<T[K]> } : T;
function synthConfig(mutate: (c: Draft<PlatformConfig>) => void = () => undefined): SynthResult {
  const c = structuredClone(platform) as Draft<PlatformConfig>;
  mutate(c);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy."));
  try {
    return synthesize(c, [], {}, path.join(dir, "cdktf.out"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const prodTeam = (c: Draft<PlatformConfig>) => c.environments.find((e) => e.name === "prod")!.teams[0];
const devTeam = (c: Draft<PlatformConfig>) => c.environments.find((e) => e.name === "dev-test")!.teams[0];

/** (stack, rule, subject) of every warning line synthesize() prints. */
function warningsOf(r: SynthResult): string[] {
  return r.messages
    .filter((m) => m.startsWith("  warning "))
    .map((m) => {
      const [, stack, rule, rest] = /^ {2}warning (\S+): \[(\S+)[^\]]*\] (.*)$/.exec(m)!;
      const container = /container "([^"]+)"/.exec(rest)?.[1];
      return `${stack} ${rule} ${container ?? rest.split(":")[0].split(".")[0]}`;
    })
    .sort();
}

describe("GIVEN the default config (config/environments.ts)", () => {
  test("WHEN synthesized THEN there are zero policy errors and exactly the accepted warnings", () => {
    const r = synthConfig();
    expect(r.ok).toBe(true);
    expect(r.messages[1]).toBe("policy: 0 errors, 7 warning(s), 2 suppressed");
    // Accepted in docs/guard-rails.md: access-policy vaults (the guide's mode), tag-pinned
    // images, and the guide's Dev/Test vault without purge protection (adopted as it is).
    expect(warningsOf(r)).toEqual(
      [
        "dev-test-apps AKSID-KV-001 azurerm_key_vault",
        "dev-test-apps AKSID-KV-005 azurerm_key_vault",
        "dev-test-apps AKSID-K8S-003 busybox",
        "dev-test-apps AKSID-K8S-003 az-keyvault-reader-sidecar",
        "prod-apps AKSID-KV-005 azurerm_key_vault",
        "prod-apps AKSID-K8S-003 busybox",
        "prod-apps AKSID-K8S-003 az-keyvault-reader-sidecar",
      ].sort(),
    );
    // The two public vaults: KV-003 suppressed only because config chose kind "public", with that reason.
    const suppressed = r.messages.filter((m) => m.startsWith("  suppressed "));
    expect(suppressed).toHaveLength(2);
    for (const [stack, vault] of [
      ["dev-test-apps", "kv-westus2-aks"],
      ["prod-apps", "kv-westus2-aks-prod"],
    ]) {
      expect(suppressed).toContainEqual(
        expect.stringMatching(
          new RegExp(`^ {2}suppressed ${stack}: \\[AKSID-KV-003 .* Reason: network kind "public" chosen in config for ${vault}: `),
        ),
      );
    }
  });

  test('WHEN a vault says defaultAction "Allow" without kind "public" THEN AKSID-KV-003 is an error, not suppressed', () => {
    const r = synthConfig((c) => void (devTeam(c).keyVault.network = { defaultAction: "Allow" }));
    expect(r.ok).toBe(false);
    expect(r.messages).toContainEqual(expect.stringMatching(/^ {2}- dev-test-apps: \[AKSID-KV-003 /));
  });

  test("WHEN a Dev/Test vault has no purge protection THEN it is a warning there (config decides), and the synth succeeds", () => {
    const r = synthConfig((c) => void (devTeam(c).keyVault.purgeProtection = false));
    expect(r.ok).toBe(true);
    expect(warningsOf(r)).toContain("dev-test-apps AKSID-KV-001 azurerm_key_vault");
  });

  test("WHEN a team suppresses a Prod error with a reason THEN the synth succeeds and lists the suppression with its reason", () => {
    const reason = "Vault is migrated to a purge-protected one in change CHG-2031; this one is deleted next sprint.";
    const r = synthConfig((c) => {
      prodTeam(c).keyVault.purgeProtection = false;
      prodTeam(c).suppressions = [{ ruleId: "AKSID-KV-001", reason }];
    });
    expect(r.ok).toBe(true);
    expect(r.messages[1]).toBe("policy: 0 errors, 7 warning(s), 3 suppressed");
    const line = r.messages.find((m) => m.startsWith("  suppressed prod-apps: [AKSID-KV-001"));
    expect(line).toMatch(
      /^ {2}suppressed prod-apps: \[AKSID-KV-001 CKV_AZURE_110\/CKV_AZURE_42\/AVD-AZU-0016\] azurerm_key_vault\.Team-poc_\S+: purge_protection_enabled is not true/,
    );
    expect(line!.endsWith(` Reason: ${reason}`)).toBe(true);
  });

  test("WHEN a team suppresses a warning with a reason THEN it moves from the warnings to the suppressions", () => {
    const reason = "The guide's access-policy mode; RBAC migration is tracked in issue 9.";
    const r = synthConfig((c) => void (prodTeam(c).suppressions = [{ ruleId: "AKSID-KV-005", reason }]));
    expect(r.ok).toBe(true);
    expect(r.messages[1]).toBe("policy: 0 errors, 6 warning(s), 3 suppressed");
    expect(warningsOf(r)).not.toContain("prod-apps AKSID-KV-005 azurerm_key_vault");
    expect(r.messages).toContainEqual(
      expect.stringMatching(/^ {2}suppressed prod-apps: \[AKSID-KV-005\] .* Reason: The guide's access-policy mode/),
    );
  });
});

describe("GIVEN every failing and passing case WHEN the policy resolves only the attributes its rules declare (reads)", () => {
  test("THEN the findings are exactly those of resolving whole resources", () => {
    for (const c of [...FAILING, ...PASSING]) {
      const partial = fixture(c.options);
      c.build(partial.stack);
      const whole = fixture({ ...c.options, resolveAll: true });
      c.build(whole.stack);
      const summary = (f: Fixture) => evaluate(f).findings.map((x) => `${x.ruleId} ${x.severity} ${x.message}`);
      expect([c.ruleId, c.title, summary(partial)]).toEqual([c.ruleId, c.title, summary(whole)]);
    }
  });
});
