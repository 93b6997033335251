/**
 * The built-in Azure roles this project grants, by their role definition GUIDs
 * (names can be renamed by Microsoft; GUIDs cannot). Source: FACTS.md.
 */

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

/** Finds a role (allowed or forbidden) by the GUID at the end of a role definition ID. */
export function roleByDefinitionId(id: string): BuiltInRole | undefined {
  const guid = id.split("/").pop()?.toLowerCase();
  return [...Object.values(BuiltInRoles), ...ForbiddenRoles].find((r) => r.guid === guid);
}
