import { Construct } from "constructs";
import { Fn, type TerraformProvider } from "cdktf";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { type BuiltInRole, roleDefinitionId } from "./facts";
import type { IPrincipal } from "./principal";
import { Checker, Rules, requireProps, MISSING_PROP_FIXES as FIX } from "./validation";

/** Props of {@link BuiltInRoleAssignment}. */
export interface BuiltInRoleAssignmentProps {
  /** The built-in role, from `BuiltInRoles`. */
  readonly role: BuiltInRole;
  /** Who gets the role. */
  readonly principal: IPrincipal;
  /** ARM ID of the scope (a resource or resource group). */
  readonly scope: string;
  /** Subscription that holds the scope; the role definition ID is built in it. */
  readonly scopeSubscriptionId: string;
  /** Shown in the Azure portal. */
  readonly description: string;
  /**
   * Provider (alias) for the scope's subscription.
   * @default - the stack's default azurerm provider
   */
  readonly provider?: TerraformProvider;
}

/**
 * One role assignment of a built-in role, referenced by GUID, with a deterministic
 * name (a name-based UUID of scope, role and principal), so that re-runs never
 * create a duplicate (`RoleAssignmentExists`), and `skip_service_principal_aad_check`
 * for service principals, so a freshly created identity does not fail with `PrincipalNotFound`.
 */
export class BuiltInRoleAssignment extends Construct {
  /** The azurerm_role_assignment. */
  public readonly resource: RoleAssignment;
  /** The role assigned. */
  public readonly role: BuiltInRole;

  constructor(scope: Construct, id: string, props: BuiltInRoleAssignmentProps) {
    requireProps(scope, id, props, { role: "pass one of BuiltInRoles, e.g. BuiltInRoles.KeyVaultSecretsUser", principal: FIX.principal });
    super(scope, id);
    const check = new Checker(this.node.path);
    check.check("scopeSubscriptionId", props.scopeSubscriptionId, Rules.guid);
    check.throwIfAny();

    this.role = props.role;
    const definitionId = roleDefinitionId(props.scopeSubscriptionId, props.role);
    const isServicePrincipal = props.principal.principalType === "ServicePrincipal";
    this.resource = new RoleAssignment(this, "Resource", {
      name: Fn.uuidv5("url", Fn.join("|", [props.scope, definitionId, props.principal.principalId])),
      scope: props.scope,
      roleDefinitionId: definitionId,
      principalId: props.principal.principalId,
      principalType: props.principal.principalType,
      skipServicePrincipalAadCheck: isServicePrincipal ? true : undefined,
      description: props.description,
      provider: props.provider,
    });
  }
}
