import { TerraformOutput, TerraformStack, Testing, Token } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { NodeResourceGroupRoles } from "../constructs/node-resource-group-roles";
import { AKS_AAD_SERVER_ID, AksCluster } from "../constructs/aks-cluster";
import {
  IDS,
  type Json,
  agentPoolCluster,
  azurermAlias,
  dataSources,
  issueAbout,
  kubernetesProviders,
  lookupCluster,
  newStack,
  onlyDataSource,
  onlyDataSourceId,
  synth,
  validationErrorOf,
} from "./support/synth";

/** The synthesized value of output `name`. */
function output(json: Json, name: string): unknown {
  return json.output?.[name]?.value;
}

describe("AksCluster.fromClusterName", () => {
  test("GIVEN a cluster name WHEN looked up THEN a data azurerm_kubernetes_cluster is read and nothing is created", () => {
    // GIVEN / WHEN
    const { stack } = newStack();
    const cluster = lookupCluster(stack);
    const json = synth(stack);

    // THEN
    expect(onlyDataSource(json, "azurerm_kubernetes_cluster")).toEqual({
      name: "aks-poc-container-westus2",
      resource_group_name: "rg-aks-poc-container-westus2",
    });
    expect(json.resource).toBeUndefined();
    expect(cluster.lookup).toBeDefined();
    expect(cluster.subscriptionId).toBe(IDS.clusterSubscription);
  });

  test("GIVEN a looked-up cluster THEN it exposes the kubelet identity, node resource group and OIDC issuer as references to the data source", () => {
    // GIVEN
    const { stack } = newStack();
    const cluster = lookupCluster(stack);

    // WHEN
    new TerraformOutput(stack, "principal", { value: cluster.kubeletIdentity.principalId });
    new TerraformOutput(stack, "node_rg", { value: cluster.nodeResourceGroupName });
    new TerraformOutput(stack, "node_rg_id", { value: cluster.nodeResourceGroupId });
    new TerraformOutput(stack, "issuer", { value: cluster.oidcIssuerUrl });
    new TerraformOutput(stack, "issuer_enabled", { value: cluster.oidcIssuerEnabled });
    const json = synth(stack);

    // THEN
    const ref = `data.azurerm_kubernetes_cluster.${onlyDataSourceId(json, "azurerm_kubernetes_cluster")}`;
    expect(output(json, "principal")).toBe(`\${${ref}.kubelet_identity[0].object_id}`);
    expect(output(json, "node_rg")).toBe(`\${${ref}.node_resource_group}`);
    expect(output(json, "node_rg_id")).toBe(`\${${ref}.node_resource_group_id}`);
    expect(output(json, "issuer")).toBe(`\${${ref}.oidc_issuer_url}`);
    // Only known at plan time: a token, never a synth-time boolean.
    expect(output(json, "issuer_enabled")).toBe(`\${${ref}.oidc_issuer_enabled}`);
    expect(typeof cluster.oidcIssuerEnabled).toBe("string");
    expect(Token.isUnresolved(cluster.oidcIssuerEnabled as string)).toBe(true);
    expect(cluster.kubeletIdentity.principalType).toBe("ServicePrincipal");
    expect(cluster.kubeletIdentity.grantScope).toBe(cluster);
  });

  test("GIVEN a provider alias for the cluster's subscription WHEN looked up THEN the data source uses it", () => {
    const { stack } = newStack();
    const clusterSub = azurermAlias(stack, "cluster");

    lookupCluster(stack, "Aks", clusterSub);

    expect(onlyDataSource(synth(stack), "azurerm_kubernetes_cluster").provider).toBe("azurerm.cluster");
  });

  test("GIVEN bad lookup props WHEN looked up THEN one ValidationError lists every field and nothing is added to the tree", () => {
    const { stack } = newStack();

    const e = validationErrorOf(() =>
      AksCluster.fromClusterName(stack, "Aks", { name: "", resourceGroupName: "rg.", subscriptionId: "not-a-guid" }),
    );

    expect(e.issues.map((i) => [i.field, i.value])).toEqual([
      ["resourceGroupName", "rg."],
      ["subscriptionId", "not-a-guid"],
      ["name", undefined],
    ]);
    expect(e.message).toContain('test/Aks: resourceGroupName "rg." is invalid');
    expect(e.message).toContain("name is missing. Fix: give the AKS cluster name");
    expect(stack.node.tryFindChild("Aks")).toBeUndefined();
  });
});

describe("AksCluster.fromAgentPoolIdentity", () => {
  test("GIVEN the guide's agent-pool identity and node group WHEN referenced THEN a data azurerm_user_assigned_identity is read in the node group with the given provider", () => {
    // GIVEN
    const { stack } = newStack();
    const clusterSub = azurermAlias(stack, "cluster");

    // WHEN
    const cluster = agentPoolCluster(stack, "Aks", { provider: clusterSub });
    new TerraformOutput(stack, "principal", { value: cluster.kubeletIdentity.principalId });
    const json = synth(stack);

    // THEN
    expect(onlyDataSource(json, "azurerm_user_assigned_identity")).toEqual({
      name: "aks-xcEwmVSi-agentpool",
      resource_group_name: "MC_rg-aks-poc-container-westus2",
      provider: "azurerm.cluster",
    });
    expect(dataSources(json, "azurerm_kubernetes_cluster")).toEqual({});
    const id = onlyDataSourceId(json, "azurerm_user_assigned_identity");
    expect(output(json, "principal")).toBe(`\${data.azurerm_user_assigned_identity.${id}.principal_id}`);
    expect(cluster.kubeletIdentity.principalType).toBe("ServicePrincipal");
    expect(cluster.lookup).toBeUndefined();
  });

  test("GIVEN the node group name WHEN referenced THEN the node group ID is built from subscription and name", () => {
    const { stack } = newStack();

    const cluster = agentPoolCluster(stack);

    expect(cluster.nodeResourceGroupName).toBe("MC_rg-aks-poc-container-westus2");
    expect(cluster.nodeResourceGroupId).toBe(`/subscriptions/${IDS.clusterSubscription}/resourceGroups/MC_rg-aks-poc-container-westus2`);
    expect(cluster.subscriptionId).toBe(IDS.clusterSubscription);
  });

  test("GIVEN no OIDC issuer URL THEN the issuer is unknown; GIVEN one THEN it is used and considered on", () => {
    const { stack } = newStack();

    const without = agentPoolCluster(stack, "Without");
    const withIssuer = agentPoolCluster(stack, "With", { oidcIssuerUrl: "https://westus2.oic.prod-aks.azure.com/tenant/guid/" });

    expect(without.oidcIssuerUrl).toBeUndefined();
    expect(without.oidcIssuerEnabled).toBeUndefined();
    expect(withIssuer.oidcIssuerUrl).toBe("https://westus2.oic.prod-aks.azure.com/tenant/guid/");
    expect(withIssuer.oidcIssuerEnabled).toBe(true);
  });

  test("GIVEN bad agent-pool props WHEN referenced THEN every field is reported with its value", () => {
    const { stack } = newStack();

    const e = validationErrorOf(() =>
      AksCluster.fromAgentPoolIdentity(stack, "Aks", {
        identityName: "ab",
        nodeResourceGroupName: "MC_x.",
        subscriptionId: "7e242177",
        oidcIssuerUrl: "http://westus2.oic.prod-aks.azure.com/",
      }),
    );

    expect(e.issues.map((i) => [i.field, i.value])).toEqual([
      ["identityName", "ab"],
      ["nodeResourceGroupName", "MC_x."],
      ["subscriptionId", "7e242177"],
      ["oidcIssuerUrl", "http://westus2.oic.prod-aks.azure.com/"],
    ]);
    expect(e.issues.every((i) => i.fix.length > 0)).toBe(true);
    expect(stack.node.tryFindChild("Aks")).toBeUndefined();
  });

  test("GIVEN values that are tokens WHEN referenced THEN they are not validated", () => {
    const { stack } = newStack();
    const lookedUp = lookupCluster(stack, "Other");

    expect(() =>
      AksCluster.fromAgentPoolIdentity(stack, "Aks", {
        identityName: "aks-xcEwmVSi-agentpool",
        nodeResourceGroupName: lookedUp.nodeResourceGroupName,
        subscriptionId: IDS.clusterSubscription,
        oidcIssuerUrl: lookedUp.oidcIssuerUrl,
      }),
    ).not.toThrow();
  });
});

describe("AksCluster.kubernetesProvider", () => {
  test("GIVEN kind kubeconfig WHEN the provider is made THEN it uses the file and context only", () => {
    // GIVEN
    const { stack } = newStack("test", { kubernetesProvider: false });
    const cluster = agentPoolCluster(stack);

    // WHEN
    cluster.kubernetesProvider(stack, "K8s", { kind: "kubeconfig", configPath: "~/.kube/config", context: "aks-poc-container-westus2" });
    const json = synth(stack);

    // THEN
    expect(kubernetesProviders(json)).toEqual([{ config_path: "~/.kube/config", config_context: "aks-poc-container-westus2" }]);
  });

  test("GIVEN kind cluster-credentials on a looked-up cluster THEN host, client cert, key and CA come base64-decoded from kube_config", () => {
    const { stack } = newStack("test", { kubernetesProvider: false });
    const cluster = lookupCluster(stack);

    cluster.kubernetesProvider(stack, "K8s", { kind: "cluster-credentials" });
    const json = synth(stack);

    const kube = `data.azurerm_kubernetes_cluster.${onlyDataSourceId(json, "azurerm_kubernetes_cluster")}.kube_config[0]`;
    expect(kubernetesProviders(json)).toEqual([
      {
        host: `\${${kube}.host}`,
        client_certificate: `\${base64decode(${kube}.client_certificate)}`,
        client_key: `\${base64decode(${kube}.client_key)}`,
        cluster_ca_certificate: `\${base64decode(${kube}.cluster_ca_certificate)}`,
      },
    ]);
  });

  test("GIVEN kind exec on a looked-up cluster THEN kubelogin get-token with the AKS AAD server ID supplies the token", () => {
    const { stack } = newStack("test", { kubernetesProvider: false });
    const cluster = lookupCluster(stack);

    cluster.kubernetesProvider(stack, "K8s", { kind: "exec" });
    const json = synth(stack);

    const kube = `data.azurerm_kubernetes_cluster.${onlyDataSourceId(json, "azurerm_kubernetes_cluster")}.kube_config[0]`;
    const [p] = kubernetesProviders(json);
    expect(p.host).toBe(`\${${kube}.host}`);
    expect(p.cluster_ca_certificate).toBe(`\${base64decode(${kube}.cluster_ca_certificate)}`);
    expect(p.exec).toEqual([
      {
        api_version: "client.authentication.k8s.io/v1beta1",
        command: "kubelogin",
        args: ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"],
      },
    ]);
    // No client certificate: Entra ID-only clusters have none.
    expect(p).not.toHaveProperty("client_certificate");
    expect(p).not.toHaveProperty("client_key");
    expect(AKS_AAD_SERVER_ID).toBe("6dae42f8-4368-4678-94ff-3960e28e3630");
  });

  test("GIVEN kind exec with login mode workloadidentity THEN kubelogin logs in that way", () => {
    const { stack } = newStack("test", { kubernetesProvider: false });
    const cluster = lookupCluster(stack);

    cluster.kubernetesProvider(stack, "K8s", { kind: "exec", loginMode: "workloadidentity" });

    expect(kubernetesProviders(synth(stack))[0].exec[0].args).toEqual([
      "get-token",
      "--login",
      "workloadidentity",
      "--server-id",
      AKS_AAD_SERVER_ID,
    ]);
  });

  test.each(["exec", "cluster-credentials"] as const)(
    "GIVEN a cluster known only by its agent pool WHEN kind %s is asked for THEN a ValidationError names the field and the fix",
    (kind) => {
      const { stack } = newStack("test", { kubernetesProvider: false });
      const cluster = agentPoolCluster(stack);

      const issue = issueAbout(() => cluster.kubernetesProvider(stack, "K8s", { kind }), "kubernetes.kind");

      expect(issue.value).toBe(kind);
      expect(issue.problem).toMatch(/only a cluster lookup gives/);
      expect(issue.fix).toMatch(/fromClusterName/);
      expect(issue.fix).toMatch(/kubeconfig/);
      expect(stack.node.tryFindChild("K8s")).toBeUndefined();
    },
  );
});

describe("AksCluster.fromAgentPoolIdentity with a known principal ID", () => {
  test("GIVEN the agent-pool principal ID WHEN referenced THEN nothing is looked up and grants use the ID as is", () => {
    const stack = new TerraformStack(Testing.app(), "known");
    new AzurermProvider(stack, "Azurerm", { features: [{}], subscriptionId: "7e242177-ef0b-431f-8c76-e40907843aa7" });
    const cluster = AksCluster.fromAgentPoolIdentity(stack, "Cluster", {
      identityName: "aks-xcEwmVSi-agentpool",
      nodeResourceGroupName: "MC_rg-aks-poc-container-westus2",
      subscriptionId: "7e242177-ef0b-431f-8c76-e40907843aa7",
      principalId: "b9276f33-e80c-4f09-9cdf-24c28c0feea4",
      tenantId: "2e319086-9a26-46a3-865f-615bed576786",
      verifyPrincipalId: false,
    });
    new NodeResourceGroupRoles(stack, "Roles", { cluster });
    const json = JSON.parse(Testing.synth(stack, true));
    expect(json.data).toBeUndefined();
    expect(Object.values<Json>(json.resource.azurerm_role_assignment).map((r) => r.principal_id)).toEqual([
      "b9276f33-e80c-4f09-9cdf-24c28c0feea4",
      "b9276f33-e80c-4f09-9cdf-24c28c0feea4",
    ]);
  });

  test("GIVEN a principal ID without a tenant WHEN referenced THEN it throws naming tenantId", () => {
    const stack = new TerraformStack(Testing.app(), "no-tenant");
    expect(() =>
      AksCluster.fromAgentPoolIdentity(stack, "Cluster", {
        identityName: "aks-xcEwmVSi-agentpool",
        nodeResourceGroupName: "MC_rg-aks-poc-container-westus2",
        subscriptionId: "7e242177-ef0b-431f-8c76-e40907843aa7",
        principalId: "b9276f33-e80c-4f09-9cdf-24c28c0feea4",
      }),
    ).toThrow(/tenantId is missing: with a given principalId nothing is looked up/);
  });
});

describe("AksCluster.fromAgentPoolIdentity checks the given principal ID (issue 10, point 4)", () => {
  test("GIVEN the guide's MIC-log principal ID WHEN synthesized THEN a lookup by name fails the plan unless it belongs to aks-xcEwmVSi-agentpool", () => {
    const stack = new TerraformStack(Testing.app(), "checked");
    new AzurermProvider(stack, "Azurerm", { features: [{}], subscriptionId: "7e242177-ef0b-431f-8c76-e40907843aa7" });
    AksCluster.fromAgentPoolIdentity(stack, "Cluster", {
      identityName: "aks-xcEwmVSi-agentpool",
      nodeResourceGroupName: "MC_rg-aks-poc-container-westus2",
      subscriptionId: "7e242177-ef0b-431f-8c76-e40907843aa7",
      principalId: "b9276f33-e80c-4f09-9cdf-24c28c0feea4",
      tenantId: "2e319086-9a26-46a3-865f-615bed576786",
    });
    const json = JSON.parse(Testing.synth(stack, true));
    const [check] = Object.values<Json>(json.data.azurerm_user_assigned_identity);
    expect(check.name).toBe("aks-xcEwmVSi-agentpool");
    expect(check.resource_group_name).toBe("MC_rg-aks-poc-container-westus2");
    expect(check.lifecycle.postcondition[0].condition).toBe('${lower(self.principal_id) == "b9276f33-e80c-4f09-9cdf-24c28c0feea4"}');
  });
});
