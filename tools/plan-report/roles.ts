/**
 * Built-in Azure role definitions the platform uses, by GUID (as in
 * `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<GUID>`).
 * Roles outside this table are shown by their GUID.
 */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  "f1a07417-d97a-45cb-824c-7a7467783830": "Managed Identity Operator",
  "9980e02c-c2be-4d73-94e8-173b1dc7cf3c": "Virtual Machine Contributor",
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
  "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
  "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
  // Broad roles, named so that a reviewer notices them.
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
};

const GUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;

/** The role name for a role definition ID (full resource ID or bare GUID), else the ID itself. */
export function roleName(roleDefinitionId: string): string {
  const m = GUID.exec(roleDefinitionId);
  if (!m) return roleDefinitionId;
  return BUILT_IN_ROLES[m[1].toLowerCase()] ?? m[1].toLowerCase();
}
