/**
 * The values `doctor` extracts from log lines, and small parsers for the Azure IDs they hold.
 */

/** Names of the values a rule can extract. Stable: they are keys in `--json` output. */
export const FIELD_NAMES = [
  "principalId",
  "clientId",
  "tenantId",
  "identityResourceId",
  "identitySubscriptionId",
  "identityResourceGroup",
  "identityName",
  "vaultName",
  "secretName",
  "permission",
  "action",
  "nodeResourceGroup",
  "clusterSubscriptionId",
  "vmss",
  "vm",
  "linkedSubscription",
  "node",
  "pod",
  "namespace",
  "binding",
  "azureIdentity",
  "state",
  "attempts",
  "kind",
  "group",
  "resourceAddress",
  "errorCode",
  "issuer",
  "subject",
  "audience",
  "serviceAccount",
] as const;

export type FieldName = (typeof FIELD_NAMES)[number];

/** Values taken from one log line. */
export type Fields = Partial<Record<FieldName, string>>;

/** Human labels for the fields, used by the text renderer. */
export const FIELD_LABELS: Record<FieldName, string> = {
  principalId: "principal (object) ID",
  clientId: "client ID",
  tenantId: "tenant",
  identityResourceId: "identity resource ID",
  identitySubscriptionId: "identity subscription",
  identityResourceGroup: "identity resource group",
  identityName: "identity",
  vaultName: "key vault",
  secretName: "secret",
  permission: "permission",
  action: "action",
  nodeResourceGroup: "node resource group",
  clusterSubscriptionId: "cluster subscription",
  vmss: "VM scale set",
  vm: "VM",
  linkedSubscription: "linked subscription (as ARM read the identity resource ID)",
  node: "node",
  pod: "pod",
  namespace: "namespace",
  binding: "binding",
  azureIdentity: "AzureIdentity",
  state: "state",
  attempts: "attempts",
  kind: "kind",
  group: "API group",
  resourceAddress: "Terraform address",
  errorCode: "error code",
  issuer: "issuer",
  subject: "subject",
  audience: "audience",
  serviceAccount: "service account",
};

/** ARM writes principal IDs in some messages without dashes; this restores them. */
export function dashedGuid(s: string): string {
  const h = s.toLowerCase();
  if (/^[0-9a-f]{32}$/.test(h)) {
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return h;
}

/** Parts of an ARM resource ID (`/subscriptions/…/resourceGroups/…/providers/…`). */
export interface ArmId {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** e.g. `microsoft.managedidentity/userassignedidentities`, as written. */
  readonly type?: string;
  readonly name?: string;
}

const ARM_ID = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)(?:\/providers\/([^/]+\/[^/]+)\/([^/]+))?/i;

/** Parses an ARM resource ID; undefined when it is not one. */
export function parseArmId(id: string): ArmId | undefined {
  const m = ARM_ID.exec(id);
  if (!m) return undefined;
  return { subscriptionId: m[1], resourceGroup: m[2], type: m[3], name: m[4] };
}

/** Adds the subscription, group and name of a user-assigned identity resource ID to `fields`. */
export function addIdentityParts(fields: Fields, id: string): void {
  fields.identityResourceId = id;
  const p = parseArmId(id);
  if (p && p.type && /^microsoft\.managedidentity\/userassignedidentities$/i.test(p.type)) {
    fields.identitySubscriptionId = p.subscriptionId;
    fields.identityResourceGroup = p.resourceGroup;
    if (p.name) fields.identityName = p.name;
  }
}

/** `system:serviceaccount:<namespace>:<name>` → its parts. */
export function parseServiceAccountSubject(subject: string): { namespace: string; name: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject);
  return m ? { namespace: m[1], name: m[2] } : undefined;
}
