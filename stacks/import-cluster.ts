import type { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { AksCluster } from "../constructs/aks-cluster";
import type { ClusterConfig } from "../config/types";

/** The environment's cluster: looked up by name, or by agent-pool identity as in the guide. */
export function importCluster(scope: Construct, cluster: ClusterConfig, tenantId: string, provider?: TerraformProvider): AksCluster {
  if (cluster.lookup) {
    return AksCluster.fromClusterName(scope, "Cluster", { ...cluster.lookup, subscriptionId: cluster.subscriptionId, provider });
  }
  // config/validate.ts guarantees one of lookup or agentPool.
  const pool = cluster.agentPool!;
  return AksCluster.fromAgentPoolIdentity(scope, "Cluster", {
    identityName: pool.identityName,
    nodeResourceGroupName: pool.nodeResourceGroupName,
    subscriptionId: cluster.subscriptionId,
    oidcIssuerUrl: cluster.oidcIssuerUrl,
    principalId: pool.principalId,
    tenantId: pool.principalId ? tenantId : undefined,
    provider,
  });
}
