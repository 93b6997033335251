import { NodeResourceGroupRoles } from "../constructs/node-resource-group-roles";
import { BuiltInRoles, ForbiddenRoles } from "../constructs/facts";
import {
  IDS,
  ROLE_GUIDS,
  agentPoolCluster,
  azurermAlias,
  lookupCluster,
  newStack,
  onlyDataSourceId,
  resourceList,
  roleDefinitionIdOf,
  synth,
} from "./support/synth";

type RoleAssignmentJson = {
  role_definition_id: string;
  scope: string;
  principal_id: string;
  principal_type: string;
  skip_service_principal_aad_check?: boolean;
  provider?: string;
  description: string;
  name: string;
};

function byGuid(list: RoleAssignmentJson[], guid: string): RoleAssignmentJson | undefined {
  return list.find((r) => r.role_definition_id.endsWith(`/${guid}`));
}

describe("NodeResourceGroupRoles (guide step 7)", () => {
  test("GIVEN a looked-up cluster WHEN the node-group roles are granted THEN VM Contributor and Reader go to the kubelet identity on the node resource group", () => {
    // GIVEN
    const { stack } = newStack();
    const cluster = lookupCluster(stack);

    // WHEN
    const roles = new NodeResourceGroupRoles(stack, "NodeRoles", { cluster });
    const json = synth(stack);

    // THEN
    const list = resourceList(json, "azurerm_role_assignment") as RoleAssignmentJson[];
    expect(list).toHaveLength(2);
    const ref = `data.azurerm_kubernetes_cluster.${onlyDataSourceId(json, "azurerm_kubernetes_cluster")}`;
    for (const [guid, ra] of [
      [ROLE_GUIDS.virtualMachineContributor, byGuid(list, ROLE_GUIDS.virtualMachineContributor)],
      [ROLE_GUIDS.reader, byGuid(list, ROLE_GUIDS.reader)],
    ] as const) {
      expect(ra).toBeDefined();
      expect(ra!.role_definition_id).toBe(roleDefinitionIdOf(IDS.clusterSubscription, guid));
      expect(ra!.scope).toBe(`\${${ref}.node_resource_group_id}`);
      expect(ra!.principal_id).toBe(`\${${ref}.kubelet_identity[0].object_id}`);
      expect(ra!.principal_type).toBe("ServicePrincipal");
      expect(ra!.skip_service_principal_aad_check).toBe(true);
      expect(ra!.description).toMatch(/guide step 7/);
    }
    expect(roles.virtualMachineContributor.role).toBe(BuiltInRoles.VirtualMachineContributor);
    expect(roles.reader?.role).toBe(BuiltInRoles.Reader);
  });

  test("GIVEN the guide's agent pool and MC_ group THEN the scope is the node group's ARM ID in the cluster subscription and the principal is the agent-pool identity", () => {
    const { stack } = newStack();
    const cluster = agentPoolCluster(stack);

    new NodeResourceGroupRoles(stack, "NodeRoles", { cluster });
    const json = synth(stack);

    const list = resourceList(json, "azurerm_role_assignment") as RoleAssignmentJson[];
    const principal = `\${data.azurerm_user_assigned_identity.${onlyDataSourceId(json, "azurerm_user_assigned_identity")}.principal_id}`;
    expect(list.map((r) => r.scope)).toEqual([
      `/subscriptions/${IDS.clusterSubscription}/resourceGroups/MC_rg-aks-poc-container-westus2`,
      `/subscriptions/${IDS.clusterSubscription}/resourceGroups/MC_rg-aks-poc-container-westus2`,
    ]);
    expect(list.every((r) => r.principal_id === principal)).toBe(true);
  });

  test("GIVEN includeReader false THEN only Virtual Machine Contributor is granted", () => {
    const { stack } = newStack();

    const roles = new NodeResourceGroupRoles(stack, "NodeRoles", { cluster: lookupCluster(stack), includeReader: false });
    const list = resourceList(synth(stack), "azurerm_role_assignment") as RoleAssignmentJson[];

    expect(list).toHaveLength(1);
    expect(list[0].role_definition_id.endsWith(`/${ROLE_GUIDS.virtualMachineContributor}`)).toBe(true);
    expect(byGuid(list, ROLE_GUIDS.reader)).toBeUndefined();
    expect(roles.reader).toBeUndefined();
  });

  test("GIVEN a provider alias for the cluster's subscription THEN both assignments use it", () => {
    const { stack } = newStack();
    const clusterSub = azurermAlias(stack, "cluster");

    new NodeResourceGroupRoles(stack, "NodeRoles", { cluster: lookupCluster(stack, "Aks", clusterSub), provider: clusterSub });
    const list = resourceList(synth(stack), "azurerm_role_assignment") as RoleAssignmentJson[];

    expect(list.map((r) => r.provider)).toEqual(["azurerm.cluster", "azurerm.cluster"]);
  });

  test("GIVEN the grants THEN nothing broader is assigned: no forbidden role, no Managed Identity Operator, no subscription scope, distinct names", () => {
    const { stack } = newStack();

    new NodeResourceGroupRoles(stack, "NodeRoles", { cluster: agentPoolCluster(stack) });
    const list = resourceList(synth(stack), "azurerm_role_assignment") as RoleAssignmentJson[];

    for (const r of list) {
      for (const f of ForbiddenRoles) expect(r.role_definition_id.endsWith(f.guid)).toBe(false);
      expect(r.role_definition_id.endsWith(ROLE_GUIDS.managedIdentityOperator)).toBe(false);
      expect(r.scope).not.toMatch(/^\/subscriptions\/[^/]+\/?$/);
    }
    expect(new Set(list.map((r) => r.name)).size).toBe(2);
  });
});
