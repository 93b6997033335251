import type { Construct } from "constructs";
import type { IAksCluster } from "../constructs/aks-cluster";
import { AppIdentity } from "../constructs/app-identity";
import { importCluster } from "../constructs/app-identity-stack";
import type { DeployerAccess } from "../constructs/key-vault";
import type { AppTeamConfig, EnvironmentConfig } from "../config/types";
import { EnvironmentStack } from "./environment-stack";
import { azurermProvider } from "./providers";
import { findPlaceholders } from "../config/placeholders";
import { guardPlaceholders } from "./placeholder-guard";

/**
 * `<env>-apps` (or `<env>-apps-<team>`), deployed by the app teams (guide steps 1–6): one
 * {@link AppIdentity} per team. Two azurerm providers: the default one for the app
 * subscription (identities, vaults) and `cluster` for the cluster's subscription (data
 * sources), as in the guide's logs, where they differ.
 */
export class AppsStack extends EnvironmentStack {
  public readonly cluster: IAksCluster;
  public readonly teams: AppIdentity[];

  constructor(
    scope: Construct,
    name: string,
    env: EnvironmentConfig,
    teams: readonly AppTeamConfig[],
    vars: NodeJS.ProcessEnv = process.env,
  ) {
    super(scope, name, env, vars);
    azurermProvider(this, "Azurerm", env, { subscriptionId: env.appSubscriptionId });
    const clusterProvider = azurermProvider(this, "AzurermCluster", env, { subscriptionId: env.cluster.subscriptionId, alias: "cluster" });
    this.cluster = importCluster(this, env.cluster, env.tenantId, clusterProvider);
    const kubernetes = this.cluster.kubernetesProvider(this, "Kubernetes", env.cluster.kubernetes);
    // Construct ids are the team names: stable, so renaming a team is the only thing that moves its resources.
    this.teams = teams.map(
      (team) =>
        new AppIdentity(this, `Team-${team.name}`, {
          ...team,
          cluster: this.cluster,
          tenantId: env.tenantId,
          subscriptionId: env.appSubscriptionId,
          location: env.location,
          tags: { ...env.tags, "app-team": team.name, environment: env.name },
          preventDestroy: env.dataProtection.preventDestroy,
          // The applying identity writes the secret values: a config value, never azurerm_client_config.
          deployerAccess: secretWriterAccess(this, env, team),
          kubernetesProvider: kubernetes,
        }),
    );
    guardPlaceholders(this, env.name, findPlaceholders({ ...env, teams }));
  }
}

/**
 * The environment's secret writer (config `secretWriter`) as the vault's deployer access, or
 * `false`: then the stack grants nothing and the applying identity must already be allowed to write.
 */
function secretWriterAccess(stack: Construct, env: EnvironmentConfig, team: AppTeamConfig): DeployerAccess | false {
  const writer = env.secretWriter;
  if (!writer) return false;
  return {
    principal: {
      principalId: writer.objectId,
      principalType: writer.principalType ?? "ServicePrincipal",
      tenantId: env.tenantId,
      grantScope: stack,
    },
    // It may purge secrets only where the provider purges them on destroy.
    purge: env.dataProtection.purgeOnDestroy,
    rbacPropagationWait: team.keyVault.rbacPropagationWait,
  };
}
