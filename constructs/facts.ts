/**
 * The facts this project depends on, each defined once: built-in role GUIDs, Kubernetes labels,
 * annotations and CRD names of aad-pod-identity and Entra Workload ID, the token audience,
 * Azure's limits and the reader test's port and paths. Sources: the project brief's reference
 * facts (role GUIDs, CRD fields, error texts) and the upstream projects named beside each group.
 *
 * Constructs, config validation, the policy aspect and the tools (`verify`, `doctor`,
 * `plan-report`) all import them from here. This module imports nothing, so a tool that needs a
 * label or a role name loads no cdktf and no provider bindings (test/facts.test.ts proves it).
 */

// ---------------------------------------------------------------------------------------------
// Built-in Azure roles (names can be renamed by Microsoft; GUIDs cannot).

/** A built-in role definition. */
export interface BuiltInRole {
  readonly name: string;
  readonly guid: string;
}

/** Every role this project may assign. The policy aspect rejects any other. */
export const BuiltInRoles = {
  ManagedIdentityOperator: { name: "Managed Identity Operator", guid: "f1a07417-d97a-45cb-824c-7a7467783830" },
  VirtualMachineContributor: { name: "Virtual Machine Contributor", guid: "9980e02c-c2be-4d73-94e8-173b1dc7cf3c" },
  Reader: { name: "Reader", guid: "acdd72a7-3385-48ef-bd42-f606fba81ae7" },
  KeyVaultSecretsUser: { name: "Key Vault Secrets User", guid: "4633458b-17de-408a-b874-0445c86b69e6" },
  /** For the principal running Terraform on an RBAC vault: it writes the secrets' values. */
  KeyVaultSecretsOfficer: { name: "Key Vault Secrets Officer", guid: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7" },
} as const satisfies Record<string, BuiltInRole>;

/** Roles that must never be assigned by this project (privilege escalation). */
export const ForbiddenRoles: readonly BuiltInRole[] = [
  { name: "Owner", guid: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635" },
  { name: "Contributor", guid: "b24988ac-6180-42a0-ab88-20f7382dd24c" },
  { name: "User Access Administrator", guid: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9" },
];

/** `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>` */
export function roleDefinitionId(subscriptionId: string, role: BuiltInRole): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role.guid}`;
}

/** Finds a role (allowed or forbidden) by the GUID at the end of a role definition ID (or a bare GUID). */
export function roleByDefinitionId(id: string): BuiltInRole | undefined {
  const guid = id.replace(/\/+$/, "").split("/").pop()?.toLowerCase();
  return [...Object.values(BuiltInRoles), ...ForbiddenRoles].find((r) => r.guid === guid);
}

/** The GUID pattern (any case), without anchors, for building larger patterns. */
export const GUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const GUID_RE = new RegExp(`^${GUID_PATTERN}$`);

/** Whether `s` is a GUID (any case). */
export function isGuid(s: string): boolean {
  return GUID_RE.test(s);
}

/**
 * ARM ID of a user-assigned managed identity:
 * `/subscriptions/<sub>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>`.
 */
export function userAssignedIdentityId(subscriptionId: string, resourceGroupName: string, name: string): string {
  return (
    `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}` +
    `/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`
  );
}

// ---------------------------------------------------------------------------------------------
// Azure and Kubernetes limits (the rules in constructs/validation.ts and the policy use them).

/** Key Vault soft-delete retention in days: Azure allows 7–90, and 90 is its default and ours. */
export const KEY_VAULT_SOFT_DELETE_RETENTION_DAYS = { min: 7, max: 90, default: 90 } as const;
/** Key Vault names: 3–24 characters (they are global, so an environment suffix must fit in). */
export const KEY_VAULT_NAME_LENGTH = { min: 3, max: 24 } as const;
/** Kubernetes label values: at most 63 characters. */
export const LABEL_VALUE_MAX_LENGTH = 63;
/** Federated identity credential names: 3–120 letters, digits, '-' and '_'. */
export const FEDERATED_CREDENTIAL_NAME_MAX_LENGTH = 120;

// ---------------------------------------------------------------------------------------------
// aad-pod-identity (v1 CRDs, github.com/Azure/aad-pod-identity).

/** aad-pod-identity CRD group. */
export const AAD_POD_IDENTITY_GROUP = "aadpodidentity.k8s.io";
/** aad-pod-identity CRD group/version. */
export const AAD_POD_IDENTITY_API_VERSION = `${AAD_POD_IDENTITY_GROUP}/v1`;
/** The aad-pod-identity kinds with their plural resource names (as `kubectl get` takes them). */
export const AadPodIdentityKinds = {
  AzureIdentity: { kind: "AzureIdentity", plural: "azureidentities" },
  AzureIdentityBinding: { kind: "AzureIdentityBinding", plural: "azureidentitybindings" },
  AzureAssignedIdentity: { kind: "AzureAssignedIdentity", plural: "azureassignedidentities" },
} as const;
/** The pod label MIC matches against `AzureIdentityBinding.spec.selector`. */
export const POD_IDENTITY_LABEL = "aadpodidbinding";
/** AzureIdentity annotation that limits the identity to pods of its own namespace (value `namespaced`). */
export const POD_IDENTITY_BEHAVIOR_ANNOTATION = `${AAD_POD_IDENTITY_GROUP}/Behavior`;
/** `AzureIdentity.spec.type` for a user-assigned managed identity. */
export const USER_ASSIGNED_MSI = 0;

// ---------------------------------------------------------------------------------------------
// Entra Workload ID (azure.github.io/azure-workload-identity).

/** The audience Entra Workload ID tokens are exchanged for. */
export const WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange";
/** Pod label that makes the workload-identity webhook inject the token. */
export const WORKLOAD_IDENTITY_USE_LABEL = "azure.workload.identity/use";
/** ServiceAccount annotation with the identity's client ID. */
export const WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
/** ServiceAccount annotation with the tenant ID. */
export const WORKLOAD_IDENTITY_TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id";
/** Azure's limit of federated credentials on one user-assigned identity. */
export const MAX_FEDERATED_CREDENTIALS_PER_IDENTITY = 20;

/** The subject of a ServiceAccount token: `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountSubject(namespace: string, serviceAccountName: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccountName}`;
}

// ---------------------------------------------------------------------------------------------
// Secrets Store CSI driver and the guide's reader test.

/** The CSI driver name of the Secrets Store CSI driver. */
export const SECRETS_STORE_CSI_DRIVER = "secrets-store.csi.k8s.io";
/** API version of the `SecretProviderClass` CRD. */
export const SECRET_PROVIDER_CLASS_API_VERSION = "secrets-store.csi.x-k8s.io/v1";
/** Where `KeyVaultReaderWorkload` mounts the secrets (workload identity). */
export const SECRETS_MOUNT_PATH = "/mnt/secrets-store";
/** Port the az-keyvault-reader sidecar listens on (pod identity). */
export const SIDECAR_PORT = 8333;

/** The sidecar's URL for one secret, as the reader container and `verify` call it. */
export function sidecarSecretUrl(secretName: string): string {
  return `http://127.0.0.1:${SIDECAR_PORT}/secrets/${secretName}/`;
}
