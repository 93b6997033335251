import { Construct } from "constructs";
import { MISSING_PROP_FIXES as FIX, requireProps } from "./validation";
import type { TerraformProvider } from "cdktf";
import type { IAksCluster } from "./aks-cluster";
import { BuiltInRoleAssignment } from "./role-assignment";
import { BuiltInRoles } from "./facts";

/** Props of {@link NodeResourceGroupRoles}. */
export interface NodeResourceGroupRolesProps {
  /** The cluster whose kubelet identity gets the roles on its node resource group. */
  readonly cluster: IAksCluster;
  /**
   * Also grant *Reader*, as the guide does. Upstream aad-pod-identity needs only
   * *Virtual Machine Contributor* here (plus Managed Identity Operator on each identity).
   * @default true
   */
  readonly includeReader?: boolean;
  /** Provider for the cluster's subscription. @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

/**
 * Guide step 7 (cluster admins): *Virtual Machine Contributor* and *Reader* for the
 * kubelet (agent-pool) identity on the node resource group (`MC_…`), so MIC can read and
 * update the VM scale sets. Without them MIC logs `AuthorizationFailed …
 * virtualMachineScaleSets/read` (or `/write`).
 */
export class NodeResourceGroupRoles extends Construct {
  public readonly virtualMachineContributor: BuiltInRoleAssignment;
  public readonly reader?: BuiltInRoleAssignment;

  constructor(scope: Construct, id: string, props: NodeResourceGroupRolesProps) {
    requireProps(scope, id, props, { cluster: FIX.cluster });
    super(scope, id);
    const { cluster } = props;
    const common = {
      principal: cluster.kubeletIdentity,
      scope: cluster.nodeResourceGroupId,
      scopeSubscriptionId: cluster.subscriptionId,
      provider: props.provider,
    };
    this.virtualMachineContributor = new BuiltInRoleAssignment(this, "VirtualMachineContributor", {
      ...common,
      role: BuiltInRoles.VirtualMachineContributor,
      description: `aad-pod-identity: kubelet identity of ${cluster.node.id} may update node VM scale sets (guide step 7)`,
    });
    if (props.includeReader ?? true) {
      this.reader = new BuiltInRoleAssignment(this, "Reader", {
        ...common,
        role: BuiltInRoles.Reader,
        description: `aad-pod-identity: kubelet identity of ${cluster.node.id} may read the node resource group (guide step 7)`,
      });
    }
  }
}
