import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { App, TerraformStack, Testing } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { AksCluster } from "../constructs/aks-cluster";
import { ManagedIdentity } from "../constructs/managed-identity";
import { ManagedIdentityOperatorAssignment } from "../constructs/managed-identity-operator-assignment";
import { BuiltInRoles } from "../constructs/facts";
import {
  IDS,
  ROLE_GUIDS,
  agentPoolCluster,
  appIdentity,
  lookupCluster,
  newStack,
  onlyDataSourceId,
  onlyResource,
  onlyResourceId,
  resources,
  roleDefinitionIdOf,
  synth,
} from "./support/synth";
import type { Json } from "./support/json";

describe("ManagedIdentityOperatorAssignment (guide step 3)", () => {
  test("GIVEN an app identity and a looked-up cluster WHEN the operator role is assigned THEN MIO is on the identity itself, for the kubelet identity", () => {
    // GIVEN
    const { stack } = newStack();
    const identity = appIdentity(stack);
    const cluster = lookupCluster(stack);

    // WHEN
    const mio = new ManagedIdentityOperatorAssignment(stack, "Mio", { identity, cluster });
    const json = synth(stack);

    // THEN
    const ra = onlyResource(json, "azurerm_role_assignment");
    const identityId = onlyResourceId(json, "azurerm_user_assigned_identity");
    const clusterId = onlyDataSourceId(json, "azurerm_kubernetes_cluster");
    // Role: Managed Identity Operator, defined in the identity's subscription (not the cluster's).
    expect(ra.role_definition_id).toBe(roleDefinitionIdOf(IDS.appSubscription, ROLE_GUIDS.managedIdentityOperator));
    expect(ra.role_definition_id.endsWith("/f1a07417-d97a-45cb-824c-7a7467783830")).toBe(true);
    // Scope: exactly the identity's ID reference; not its resource group (least privilege).
    expect(ra.scope).toBe(`\${azurerm_user_assigned_identity.${identityId}.id}`);
    expect(ra.scope).not.toMatch(/resource_group|resourceGroups\/[^/]+$/);
    // Principal: the kubelet (agent-pool) identity.
    expect(ra.principal_id).toBe(`\${data.azurerm_kubernetes_cluster.${clusterId}.kubelet_identity[0].object_id}`);
    expect(ra.principal_type).toBe("ServicePrincipal");
    expect(ra.skip_service_principal_aad_check).toBe(true);
    expect(ra.name).toMatch(
      /^\$\{uuidv5\("url", join\("\|", \[azurerm_user_assigned_identity\..+\.id, ".+f1a07417-d97a-45cb-824c-7a7467783830", data\.azurerm_kubernetes_cluster\..+\.kubelet_identity\[0\]\.object_id\]\)\)\}$/,
    );
    expect(ra.description).toMatch(/guide step 3/);
    expect(ra.description).toContain("aks-aad-user-identity");
    expect(mio.assignment.role).toBe(BuiltInRoles.ManagedIdentityOperator);
  });

  test("GIVEN a cluster known by its agent-pool identity THEN the principal is that identity's principal_id", () => {
    const { stack } = newStack();
    const identity = appIdentity(stack);
    const cluster = agentPoolCluster(stack);

    new ManagedIdentityOperatorAssignment(stack, "Mio", { identity, cluster });
    const json = synth(stack);

    const ra = onlyResource(json, "azurerm_role_assignment");
    expect(ra.principal_id).toBe(
      `\${data.azurerm_user_assigned_identity.${onlyDataSourceId(json, "azurerm_user_assigned_identity")}.principal_id}`,
    );
    expect(ra.scope).toBe(`\${azurerm_user_assigned_identity.${onlyResourceId(json, "azurerm_user_assigned_identity")}.id}`);
  });

  test("GIVEN the assignment WHEN a resource depends on it THEN depends_on names the role assignment resource", () => {
    const { stack } = newStack();
    const mio = new ManagedIdentityOperatorAssignment(stack, "Mio", { identity: appIdentity(stack), cluster: lookupCluster(stack) });

    new NamespaceV1(stack, "After", { metadata: { name: "aad-pod-identity-poc" }, dependsOn: [mio] });
    const json = synth(stack);

    expect(onlyResource(json, "kubernetes_namespace_v1").depends_on).toEqual([
      `azurerm_role_assignment.${onlyResourceId(json, "azurerm_role_assignment")}`,
    ]);
  });

  test("GIVEN one identity and two clusters THEN there are two assignments with different names, each for its own kubelet identity", () => {
    const { stack } = newStack();
    const identity = appIdentity(stack);

    identity.grantOperator(lookupCluster(stack, "DevTest"));
    identity.grantOperator(lookupCluster(stack, "Prod"));
    const json = synth(stack);

    const all = Object.values(resources(json, "azurerm_role_assignment")) as { name: string; principal_id: string; scope: string }[];
    expect(all).toHaveLength(2);
    expect(all[0].name).not.toBe(all[1].name);
    expect(new Set(all.map((r) => r.principal_id)).size).toBe(2);
    expect(all[0].scope).toBe(all[1].scope);
  });
});

describe("provider of the identity's subscription", () => {
  test("GIVEN an identity created with a provider alias WHEN the operator role is granted THEN the assignment uses the same provider", () => {
    const stack = new TerraformStack(new App(), "alias");
    new AzurermProvider(stack, "Default", { features: [{}], subscriptionId: "7e242177-ef0b-431f-8c76-e40907843aa7" });
    const apps = new AzurermProvider(stack, "Apps", {
      features: [{}],
      alias: "apps",
      subscriptionId: "99a3af26-911d-4bc5-8fcc-8f9de81e46c5",
    });
    const cluster = AksCluster.fromAgentPoolIdentity(stack, "Cluster", {
      identityName: "aks-xcEwmVSi-agentpool",
      nodeResourceGroupName: "MC_rg-aks-poc-container-westus2",
      subscriptionId: "7e242177-ef0b-431f-8c76-e40907843aa7",
    });
    const identity = new ManagedIdentity(stack, "Identity", {
      name: "aks-aad-user-identity",
      resourceGroupName: "rg-westus2-shared",
      location: "westus2",
      subscriptionId: "99a3af26-911d-4bc5-8fcc-8f9de81e46c5",
      provider: apps,
    });
    identity.grantOperator(cluster);
    const json = JSON.parse(Testing.synth(stack, true));
    const [assignment] = Object.values<Json>(json.resource.azurerm_role_assignment);
    expect(assignment.provider).toBe("azurerm.apps");
    expect(Object.values<Json>(json.resource.azurerm_user_assigned_identity)[0].provider).toBe("azurerm.apps");
  });
});
