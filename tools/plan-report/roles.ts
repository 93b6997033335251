import { GUID_PATTERN, roleByDefinitionId } from "../../constructs/facts";

const TRAILING_GUID = new RegExp(`(${GUID_PATTERN})/?$`);

/**
 * The role name for a role definition ID (full resource ID or bare GUID), from the project's
 * one role table (`constructs/facts.ts`: the roles it grants and the broad roles it forbids,
 * named so that a reviewer notices them). Other roles are shown by their GUID; a value that is
 * not a role definition ID is shown as it is.
 */
export function roleName(roleDefinitionId: string): string {
  const m = TRAILING_GUID.exec(roleDefinitionId);
  if (!m) return roleDefinitionId;
  return roleByDefinitionId(m[1])?.name ?? m[1].toLowerCase();
}
