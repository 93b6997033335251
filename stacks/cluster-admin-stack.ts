import type { Construct } from "constructs";
import type { IAksCluster } from "../constructs/aks-cluster";
import { NodeResourceGroupRoles } from "../constructs/node-resource-group-roles";
import type { EnvironmentConfig } from "../config/types";
import { clusterAdminStackName } from "../config/stack-names";
import { EnvironmentStack } from "./environment-stack";
import { azurermProvider } from "./providers";
import { importCluster } from "../constructs/app-identity-stack";
import { findPlaceholders } from "../config/placeholders";
import { guardPlaceholders } from "./placeholder-guard";

/** Whether some team of the environment gets its token through pod identity (NMI/MIC). */
export function usesPodIdentity(env: EnvironmentConfig): boolean {
  return env.teams.some((t) => (t.identityMode ?? "pod-identity") !== "workload-identity");
}

/**
 * `<env>-cluster-admin`, deployed by the cluster admins (guide step 7): Reader and
 * Virtual Machine Contributor for the kubelet identity on the node resource group, only
 * while some team of the environment uses pod identity (workload identity needs neither).
 * Only the cluster's subscription is touched.
 */
export class ClusterAdminStack extends EnvironmentStack {
  public readonly cluster: IAksCluster;
  /** Guide step 7; absent when every team uses workload identity. */
  public readonly nodeRoles?: NodeResourceGroupRoles;

  constructor(scope: Construct, env: EnvironmentConfig, vars: NodeJS.ProcessEnv = process.env) {
    super(scope, clusterAdminStackName(env), env, vars);
    azurermProvider(this, "Azurerm", env, { subscriptionId: env.cluster.subscriptionId });
    this.cluster = importCluster(this, env.cluster, env.tenantId);
    if (usesPodIdentity(env)) this.nodeRoles = new NodeResourceGroupRoles(this, "NodeResourceGroupRoles", { cluster: this.cluster });
    // This stack reads the tenant and the cluster fields, not the Kubernetes access.
    const { kubernetes: _k, ...cluster } = env.cluster;
    guardPlaceholders(this, env.name, findPlaceholders({ tenantId: env.tenantId, cluster }));
  }
}
