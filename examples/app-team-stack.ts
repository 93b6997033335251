// The README's example of an app team using the constructs (kept verbatim in README.md; test/readme-example.test.ts checks both).
// Inside this repository the package name resolves through tsconfig paths / jest moduleNameMapper.
import { App, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { AksCluster, IdentityVault, PodIdentityBinding, KeyVaultReaderWorkload } from "aks-app-identity";

const app = new App();
const stack = new TerraformStack(app, "payments-dev");
new AzurermProvider(stack, "azurerm", { features: [{}], subscriptionId: "99a3af26-911d-4bc5-8fcc-8f9de81e46c5" });
// The cluster lives in another subscription: its lookups go through their own provider.
const clusterSubscription = new AzurermProvider(stack, "azurerm-cluster", {
  features: [{}], alias: "cluster", subscriptionId: "7e242177-ef0b-431f-8c76-e40907843aa7",
});
const k8s = new KubernetesProvider(stack, "k8s", { configPath: "~/.kube/config", configContext: "aks-dev" });

const cluster = AksCluster.fromAgentPoolIdentity(stack, "Cluster", {
  identityName: "aks-xcEwmVSi-agentpool",
  nodeResourceGroupName: "MC_rg-aks-poc-container-westus2",
  subscriptionId: "7e242177-ef0b-431f-8c76-e40907843aa7",   // must be the provider's subscription
  provider: clusterSubscription,
});
const { identity, keyVault, secretRead } = new IdentityVault(stack, "Payments", {
  location: "westus2",
  tenantId: "2e319086-9a26-46a3-865f-615bed576786",
  subscriptionId: "99a3af26-911d-4bc5-8fcc-8f9de81e46c5",
  identity: { name: "payments-identity", resourceGroupName: "rg-payments" },
  keyVault: {
    name: "kv-payments-dev",
    resourceGroupName: "rg-payments",
    secrets: [{ name: "db-password", expirationDate: "2027-06-30T00:00:00Z" }],
  },
});
const binding = new PodIdentityBinding(stack, "Binding", {
  identity,
  namespace: "payments",
  azureIdentityName: "payments-identity",
  bindingName: "payments-identity-binding",
  selector: "payments",
  requires: [identity.grantOperator(cluster), secretRead],   // steps 3 and 4 before MIC sees the binding
  provider: k8s,
});
new KeyVaultReaderWorkload(stack, "Reader", {
  name: "payments-kv-test", namespace: "payments", keyVault, secretName: "db-password",
  identities: [binding], provider: k8s,
});
app.synth();
