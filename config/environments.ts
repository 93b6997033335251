import type { AppTeamConfig, EnvironmentConfig, PlatformConfig } from "./types";
import { placeholder } from "./placeholders";

/**
 * The guide's values (`000_657adeae657bb932.txt`): identity `aks-aad-user-identity` in
 * `rg-westus2-shared`, vault `kv-westus2-aks` with secret `grafana-admin-username-poc`,
 * namespace `aad-pod-identity-poc`, AzureIdentity `aad-user-identity`, binding
 * `aad-user-identity-binding` with selector `bind-user-identity-keyvault`,
 * Deployment `az-keyvault-reader-test`. As in the guide's logs, the identity lives in
 * subscription 99a3af26-… and the cluster in 7e242177-….
 */

const TENANT_ID = "2e319086-9a26-46a3-865f-615bed576786";
const APP_SUBSCRIPTION_ID = "99a3af26-911d-4bc5-8fcc-8f9de81e46c5";
const CLUSTER_SUBSCRIPTION_ID = "7e242177-ef0b-431f-8c76-e40907843aa7";

/**
 * The guide's app team. Identity and vault names differ per environment: vault names are
 * global, and both environments' identities live in the same subscription and group.
 */
function guideTeam(identityName: string, keyVaultName: string, secretExpiry: string, purgeProtection: boolean): AppTeamConfig {
  return {
    name: "poc",
    namespace: "aad-pod-identity-poc",
    createNamespace: true,
    identity: { name: identityName, resourceGroupName: "rg-westus2-shared" },
    keyVault: {
      name: keyVaultName,
      resourceGroupName: "rg-westus2-shared",
      // The guide's public endpoint: reachable by the runner and the pods without knowing the
      // cluster's subnets or the runner's IPs. Switch to "firewall" or "private-endpoint" when known.
      network: { kind: "public" },
      // Explicit: importing a vault must never switch purge protection on by accident (irreversible).
      purgeProtection,
      secrets: [
        {
          name: "grafana-admin-username-poc",
          contentType: "text/plain",
          expirationDate: secretExpiry,
        },
      ],
    },
    identityMode: "pod-identity",
    podIdentity: {
      azureIdentityName: "aad-user-identity",
      bindingName: "aad-user-identity-binding",
      selector: "bind-user-identity-keyvault",
    },
    workload: { name: "az-keyvault-reader-test", secretName: "grafana-admin-username-poc" },
  };
}

/** Dev/Test: the guide's cluster (node group `MC_rg-aks-poc-container-westus2`). */
export const devTest: EnvironmentConfig = {
  name: "dev-test",
  location: "westus2",
  tenantId: TENANT_ID,
  appSubscriptionId: APP_SUBSCRIPTION_ID,
  cluster: {
    subscriptionId: CLUSTER_SUBSCRIPTION_ID,
    agentPool: {
      identityName: "aks-xcEwmVSi-agentpool",
      nodeResourceGroupName: "MC_rg-aks-poc-container-westus2",
      // The client in the guide's MIC logs.
      principalId: "b9276f33-e80c-4f09-9cdf-24c28c0feea4",
    },
    kubernetes: {
      kind: "kubeconfig",
      configPath: "~/.kube/config",
      context: placeholder(
        "aks-poc-container-westus2",
        "the guide does not name it; az aks get-credentials -n aks-xcEwmVSi -g <rg> " +
          "names the context after the cluster: kubectl config get-contexts",
      ),
    },
  },
  // `az keyvault create` (the guide) leaves purge protection off; keep it so on an adopted vault.
  teams: [guideTeam("aks-aad-user-identity", "kv-westus2-aks", "2027-06-30T00:00:00Z", false)],
  dataProtection: { preventDestroy: false, purgeOnDestroy: false, requirePurgeProtection: false },
  secretWriter: {
    objectId: placeholder(
      "00000000-0000-0000-0000-00000000d1a0",
      "object ID of the Dev/Test deploy identity: az ad sp show --id <AZURE_CLIENT_ID of the dev-test environment> --query id -o tsv",
    ),
  },
};

/** Prod: its own cluster and agent pool (guide table), and its own vault name. */
export const prod: EnvironmentConfig = {
  name: "prod",
  location: "westus2",
  tenantId: TENANT_ID,
  appSubscriptionId: APP_SUBSCRIPTION_ID,
  cluster: {
    subscriptionId: placeholder(
      "00000000-0000-0000-0000-000000000000",
      "the Prod cluster's subscription: az aks show -n aks-zVZRMHRfszDD -g <rg> --query id (the part after /subscriptions/)",
    ),
    agentPool: {
      identityName: "aks-zVZRMHRfszDD-agentpool",
      nodeResourceGroupName: placeholder(
        "MC_rg-aks-prod-container-westus2",
        "az aks show -n aks-zVZRMHRfszDD -g <rg> --query nodeResourceGroup -o tsv, " +
          'or replace agentPool with cluster.lookup { name: "aks-zVZRMHRfszDD", resourceGroupName } to read it at plan time',
      ),
    },
    kubernetes: {
      kind: "kubeconfig",
      configPath: "~/.kube/config",
      context: placeholder(
        "aks-prod-container-westus2",
        "the guide does not name it; az aks get-credentials -n aks-zVZRMHRfszDD -g <rg> " +
          "names the context after the cluster: kubectl config get-contexts",
      ),
    },
  },
  teams: [guideTeam("aks-aad-user-identity-prod", "kv-westus2-aks-prod", "2027-06-30T00:00:00Z", true)],
  dataProtection: { preventDestroy: true, purgeOnDestroy: false, requirePurgeProtection: true },
  secretWriter: {
    objectId: placeholder(
      "00000000-0000-0000-0000-0000000000d0",
      "object ID of the Prod deploy identity: az ad sp show --id <AZURE_CLIENT_ID of the prod environment> --query id -o tsv",
    ),
  },
};

/** Every environment, in deploy order. */
export const platform: PlatformConfig = { environments: [devTest, prod] };
