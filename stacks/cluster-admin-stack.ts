import type { Construct } from "constructs";
import type { IAksCluster } from "../constructs/aks-cluster";
import { NodeResourceGroupRoles } from "../constructs/node-resource-group-roles";
import type { EnvironmentConfig } from "../config/types";
import { clusterAdminStackName } from "../config/stack-names";
import { EnvironmentStack } from "./environment-stack";
import { azurermProvider } from "./providers";
import { importCluster } from "../constructs/app-identity-stack";

/**
 * `<env>-cluster-admin`, deployed by the cluster admins (guide step 7): Reader and
 * Virtual Machine Contributor for the kubelet identity on the node resource group.
 * Only the cluster's subscription is touched.
 */
export class ClusterAdminStack extends EnvironmentStack {
  public readonly cluster: IAksCluster;
  public readonly nodeRoles: NodeResourceGroupRoles;

  constructor(scope: Construct, env: EnvironmentConfig, vars: NodeJS.ProcessEnv = process.env) {
    super(scope, clusterAdminStackName(env), env, vars);
    azurermProvider(this, "Azurerm", env, { subscriptionId: env.cluster.subscriptionId });
    this.cluster = importCluster(this, env.cluster, env.tenantId);
    this.nodeRoles = new NodeResourceGroupRoles(this, "NodeResourceGroupRoles", { cluster: this.cluster });
  }
}
