import type { TerraformStack } from "cdktf";
import { BuiltInRoleAssignment } from "../constructs/role-assignment";
import { BuiltInRoles, ForbiddenRoles, roleByDefinitionId, roleDefinitionId } from "../constructs/facts";
import type { IPrincipal } from "../constructs/principal";
import {
  IDS,
  ROLE_GUIDS,
  azurermAlias,
  issueAbout,
  lookupCluster,
  newStack,
  onlyDataSourceId,
  onlyResource,
  roleDefinitionIdOf,
  synth,
} from "./support/synth";

const NODE_RG_ID = `/subscriptions/${IDS.clusterSubscription}/resourceGroups/MC_rg-aks-poc-container-westus2`;
const UUID_NAME = /^\$\{uuidv5\("url", join\("\|", \[(.+)\]\)\)\}$/;

function principal(
  stack: TerraformStack,
  principalId: string,
  principalType: IPrincipal["principalType"] = "ServicePrincipal",
): IPrincipal {
  return { principalId, principalType, tenantId: IDS.tenant, grantScope: stack };
}

describe("BuiltInRoleAssignment", () => {
  test("GIVEN the kubelet identity of a looked-up cluster WHEN it gets Virtual Machine Contributor on the node resource group THEN role, scope, principal and AAD-check skip are set", () => {
    // GIVEN
    const { stack } = newStack();
    const cluster = lookupCluster(stack);

    // WHEN
    new BuiltInRoleAssignment(stack, "VmContributor", {
      role: BuiltInRoles.VirtualMachineContributor,
      principal: cluster.kubeletIdentity,
      scope: NODE_RG_ID,
      scopeSubscriptionId: IDS.clusterSubscription,
      description: "guide step 7",
    });
    const json = synth(stack);

    // THEN
    const ra = onlyResource(json, "azurerm_role_assignment");
    const clusterId = onlyDataSourceId(json, "azurerm_kubernetes_cluster");
    expect(ra.role_definition_id).toBe(roleDefinitionIdOf(IDS.clusterSubscription, ROLE_GUIDS.virtualMachineContributor));
    expect(
      ra.role_definition_id.startsWith(`/subscriptions/${IDS.clusterSubscription}/providers/Microsoft.Authorization/roleDefinitions/`),
    ).toBe(true);
    expect(ra.scope).toBe(NODE_RG_ID);
    expect(ra.principal_id).toBe(`\${data.azurerm_kubernetes_cluster.${clusterId}.kubelet_identity[0].object_id}`);
    expect(ra.principal_type).toBe("ServicePrincipal");
    expect(ra.skip_service_principal_aad_check).toBe(true);
    expect(ra.description).toBe("guide step 7");
    // Referenced by GUID, never by display name.
    expect(ra.role_definition_name).toBeUndefined();
    // The stack's default provider.
    expect(ra.provider).toBeUndefined();
  });

  test("GIVEN scope, role and principal WHEN synthesized THEN the name is a uuidv5 of exactly those three", () => {
    const { stack } = newStack();
    const p = principal(stack, "b9276f33-e80c-4f09-9cdf-24c28c0feea4");

    new BuiltInRoleAssignment(stack, "Reader", {
      role: BuiltInRoles.Reader,
      principal: p,
      scope: NODE_RG_ID,
      scopeSubscriptionId: IDS.clusterSubscription,
      description: "d",
    });
    const ra = onlyResource(synth(stack), "azurerm_role_assignment");

    const m = UUID_NAME.exec(ra.name);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(
      [NODE_RG_ID, roleDefinitionIdOf(IDS.clusterSubscription, ROLE_GUIDS.reader), "b9276f33-e80c-4f09-9cdf-24c28c0feea4"]
        .map((s) => JSON.stringify(s))
        .join(", "),
    );
  });

  test("GIVEN the same inputs in two separate synths THEN the name expression is identical (re-runs never duplicate the assignment)", () => {
    const build = (): string => {
      const { stack } = newStack();
      const cluster = lookupCluster(stack);
      new BuiltInRoleAssignment(stack, "Mio", {
        role: BuiltInRoles.ManagedIdentityOperator,
        principal: cluster.kubeletIdentity,
        scope:
          "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-aad-user-identity",
        scopeSubscriptionId: IDS.appSubscription,
        description: "d",
      });
      return onlyResource(synth(stack), "azurerm_role_assignment").name;
    };

    const first = build();
    const second = build();

    expect(first).toMatch(UUID_NAME);
    expect(second).toBe(first);
  });

  test("GIVEN two principals on the same scope and role THEN their names differ", () => {
    const { stack } = newStack();
    const common = { role: BuiltInRoles.Reader, scope: NODE_RG_ID, scopeSubscriptionId: IDS.clusterSubscription, description: "d" };

    const a = new BuiltInRoleAssignment(stack, "A", { ...common, principal: principal(stack, "11111111-1111-1111-1111-111111111111") });
    new BuiltInRoleAssignment(stack, "B", { ...common, principal: principal(stack, "22222222-2222-2222-2222-222222222222") });
    const json = synth(stack);

    const names = Object.values(json.resource.azurerm_role_assignment).map((r) => (r as { name: string }).name);
    expect(names).toHaveLength(2);
    expect(names[0]).not.toBe(names[1]);
    expect(a.role).toBe(BuiltInRoles.Reader);
  });

  test("GIVEN a User principal WHEN assigned THEN principal_type is User and the AAD check is not skipped", () => {
    const { stack } = newStack();

    new BuiltInRoleAssignment(stack, "UserReader", {
      role: BuiltInRoles.Reader,
      principal: principal(stack, "33333333-3333-3333-3333-333333333333", "User"),
      scope: NODE_RG_ID,
      scopeSubscriptionId: IDS.clusterSubscription,
      description: "d",
    });
    const ra = onlyResource(synth(stack), "azurerm_role_assignment");

    expect(ra.principal_type).toBe("User");
    expect(ra).not.toHaveProperty("skip_service_principal_aad_check");
  });

  test("GIVEN a provider alias for the scope's subscription WHEN assigned THEN the assignment uses it", () => {
    const { stack } = newStack();
    const clusterSub = azurermAlias(stack, "cluster");

    new BuiltInRoleAssignment(stack, "VmContributor", {
      role: BuiltInRoles.VirtualMachineContributor,
      principal: principal(stack, "b9276f33-e80c-4f09-9cdf-24c28c0feea4"),
      scope: NODE_RG_ID,
      scopeSubscriptionId: IDS.clusterSubscription,
      description: "d",
      provider: clusterSub,
    });

    expect(onlyResource(synth(stack), "azurerm_role_assignment").provider).toBe("azurerm.cluster");
  });

  test.each(["not-a-guid", "", "{7e242177-ef0b-431f-8c76-e40907843aa7}"])(
    "GIVEN scopeSubscriptionId %j WHEN assigned THEN a ValidationError names the field and shows the value",
    (bad) => {
      const { stack } = newStack();

      const issue = issueAbout(
        () =>
          new BuiltInRoleAssignment(stack, "Bad", {
            role: BuiltInRoles.Reader,
            principal: principal(stack, "b9276f33-e80c-4f09-9cdf-24c28c0feea4"),
            scope: NODE_RG_ID,
            scopeSubscriptionId: bad,
            description: "d",
          }),
        "scopeSubscriptionId",
      );

      expect(issue.value).toBe(bad);
      expect(issue.context).toBe("test/Bad");
      expect(issue.fix).toMatch(/az account show/);
    },
  );
});

describe("roles table", () => {
  test("GIVEN the built-in roles THEN their GUIDs are the documented ones", () => {
    expect(BuiltInRoles.ManagedIdentityOperator).toEqual({ name: "Managed Identity Operator", guid: ROLE_GUIDS.managedIdentityOperator });
    expect(BuiltInRoles.VirtualMachineContributor).toEqual({
      name: "Virtual Machine Contributor",
      guid: ROLE_GUIDS.virtualMachineContributor,
    });
    expect(BuiltInRoles.Reader).toEqual({ name: "Reader", guid: ROLE_GUIDS.reader });
    expect(BuiltInRoles.KeyVaultSecretsUser).toEqual({ name: "Key Vault Secrets User", guid: ROLE_GUIDS.keyVaultSecretsUser });
  });

  test("GIVEN the forbidden roles THEN Owner, Contributor and User Access Administrator are listed by GUID and none is assignable", () => {
    expect(ForbiddenRoles.map((r) => [r.name, r.guid])).toEqual([
      ["Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"],
      ["Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"],
      ["User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"],
    ]);
    const allowed = new Set<string>(Object.values(BuiltInRoles).map((r) => r.guid));
    for (const f of ForbiddenRoles) expect(allowed.has(f.guid)).toBe(false);
  });

  test("GIVEN a subscription and role WHEN roleDefinitionId THEN it is the subscription-scoped definition path", () => {
    expect(roleDefinitionId(IDS.appSubscription, BuiltInRoles.KeyVaultSecretsUser)).toBe(
      `/subscriptions/${IDS.appSubscription}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
    );
  });

  test("GIVEN a role definition ID WHEN roleByDefinitionId THEN allowed and forbidden roles are found, case-insensitively; unknown ones are not", () => {
    expect(roleByDefinitionId(roleDefinitionIdOf(IDS.appSubscription, ROLE_GUIDS.managedIdentityOperator))).toBe(
      BuiltInRoles.ManagedIdentityOperator,
    );
    expect(roleByDefinitionId(roleDefinitionIdOf(IDS.appSubscription, ROLE_GUIDS.reader.toUpperCase()))).toBe(BuiltInRoles.Reader);
    expect(roleByDefinitionId(roleDefinitionIdOf(IDS.appSubscription, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"))?.name).toBe("Owner");
    expect(roleByDefinitionId(roleDefinitionIdOf(IDS.appSubscription, "00000000-0000-0000-0000-000000000000"))).toBeUndefined();
  });
});
