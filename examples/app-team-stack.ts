// The README's example of an app team using the constructs (kept verbatim in README.md; test/readme-example.test.ts checks both).
// Inside this repository the package name resolves through tsconfig paths / jest moduleNameMapper.
import { App } from "cdktf";
import { AppIdentity, AppIdentityStack } from "aks-app-identity";

const app = new App();
// Terraform >= 1.11, azurerm providers with Key Vault data safety, kubernetes provider, security policy.
const stack = new AppIdentityStack(app, "payments-dev", {
  tenantId: "2e319086-9a26-46a3-865f-615bed576786",
  subscriptionId: "99a3af26-911d-4bc5-8fcc-8f9de81e46c5", // identities and vaults
  cluster: {
    subscriptionId: "7e242177-ef0b-431f-8c76-e40907843aa7", // looked up through its own provider
    agentPool: { identityName: "aks-xcEwmVSi-agentpool", nodeResourceGroupName: "MC_rg-aks-poc-container-westus2" },
    kubernetes: { kind: "kubeconfig", configPath: "~/.kube/config", context: "aks-dev" },
  },
});
// Guide steps 1–6: identity, vault, grants, namespace, binding and the reader test.
new AppIdentity(stack, "Payments", {
  location: "westus2",
  namespace: "payments",
  createNamespace: true,
  identity: { name: "payments-identity", resourceGroupName: "rg-payments" },
  keyVault: {
    name: "kv-payments-dev",
    resourceGroupName: "rg-payments",
    network: { kind: "public" }, // or "firewall" / "private-endpoint" (docs/guard-rails.md)
    secrets: [{ name: "db-password", expirationDate: "2027-06-30T00:00:00Z" }],
  },
  podIdentity: { azureIdentityName: "payments-identity", bindingName: "payments-identity-binding", selector: "payments" },
  workload: { name: "payments-kv-test", secretName: "db-password" },
});
app.synth();
