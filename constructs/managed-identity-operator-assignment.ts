import { Construct } from "constructs";
import { MISSING_PROP_FIXES as FIX, requireProps } from "./validation";
import type { ITerraformDependable } from "cdktf";
import type { IAksCluster } from "./aks-cluster";
import type { IManagedIdentity } from "./managed-identity";
import { BuiltInRoleAssignment } from "./role-assignment";
import { BuiltInRoles } from "./facts";

/** Props of {@link ManagedIdentityOperatorAssignment}. */
export interface ManagedIdentityOperatorAssignmentProps {
  /** The app identity; the only scope of the assignment. */
  readonly identity: IManagedIdentity;
  /** The cluster whose kubelet identity gets the role. */
  readonly cluster: IAksCluster;
}

/**
 * Guide step 3 (app team): *Managed Identity Operator* for the cluster's kubelet
 * (agent-pool) identity, scoped to the single app identity (least privilege, not its
 * resource group). Without it MIC logs `LinkedAuthorizationFailed …
 * userAssignedIdentities/assign/action`.
 *
 * Usually created through `identity.grantOperator(cluster)`.
 */
export class ManagedIdentityOperatorAssignment extends Construct implements ITerraformDependable {
  /** The role assignment. */
  public readonly assignment: BuiltInRoleAssignment;
  public readonly fqn: string;

  constructor(scope: Construct, id: string, props: ManagedIdentityOperatorAssignmentProps) {
    requireProps(scope, id, props, { identity: FIX.identity, cluster: FIX.cluster });
    super(scope, id);
    this.assignment = new BuiltInRoleAssignment(this, "Role", {
      role: BuiltInRoles.ManagedIdentityOperator,
      principal: props.cluster.kubeletIdentity,
      scope: props.identity.identityId,
      scopeSubscriptionId: props.identity.subscriptionId,
      description:
        `aad-pod-identity: kubelet identity of ${props.cluster.node.id} ` + `may assign ${props.identity.name} to nodes (guide step 3)`,
      provider: props.identity.provider,
    });
    this.fqn = this.assignment.resource.fqn;
  }
}
