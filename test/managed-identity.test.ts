import { TerraformStack, Testing } from "cdktf";
import { TerraformOutput } from "cdktf";
import { ManagedIdentity } from "../constructs/managed-identity";
import { ManagedIdentityOperatorAssignment } from "../constructs/managed-identity-operator-assignment";
import {
  IDS,
  ROLE_GUIDS,
  appIdentity,
  azurermAlias,
  dataSources,
  lookupCluster,
  newStack,
  onlyDataSource,
  onlyDataSourceId,
  onlyResource,
  onlyResourceId,
  roleDefinitionIdOf,
  synth,
  validationErrorOf,
} from "./support/synth";

describe("ManagedIdentity", () => {
  test("GIVEN the guide's identity WHEN created THEN one azurerm_user_assigned_identity with name, group and region, and no lifecycle", () => {
    // GIVEN / WHEN
    const { stack } = newStack();
    appIdentity(stack);
    const json = synth(stack);

    // THEN
    expect(onlyResource(json, "azurerm_user_assigned_identity")).toEqual({
      name: "aks-aad-user-identity",
      resource_group_name: "rg-westus2-shared",
      location: "westus2",
    });
  });

  test("GIVEN tags, prevent-destroy and a provider alias WHEN created THEN all three reach the resource", () => {
    const { stack } = newStack();
    const shared = azurermAlias(stack, "shared", IDS.appSubscription);

    new ManagedIdentity(stack, "Identity", {
      name: "aks-aad-user-identity",
      resourceGroupName: "rg-westus2-shared",
      location: "westus2",
      subscriptionId: IDS.appSubscription,
      tags: { environment: "prod" },
      preventDestroy: true,
      provider: shared,
    });
    const r = onlyResource(synth(stack), "azurerm_user_assigned_identity");

    expect(r.tags).toEqual({ environment: "prod" });
    expect(r.lifecycle).toEqual({ prevent_destroy: true });
    expect(r.provider).toBe("azurerm.shared");
  });

  test("GIVEN a created identity THEN id, client ID, principal ID and tenant reference the resource, and it is a ServicePrincipal", () => {
    const { stack } = newStack();
    const identity = appIdentity(stack);

    new TerraformOutput(stack, "id", { value: identity.identityId });
    new TerraformOutput(stack, "client", { value: identity.clientId });
    new TerraformOutput(stack, "principal", { value: identity.principalId });
    new TerraformOutput(stack, "tenant", { value: identity.tenantId });
    const json = synth(stack);

    const ref = `azurerm_user_assigned_identity.${onlyResourceId(json, "azurerm_user_assigned_identity")}`;
    expect(json.output.id.value).toBe(`\${${ref}.id}`);
    expect(json.output.client.value).toBe(`\${${ref}.client_id}`);
    expect(json.output.principal.value).toBe(`\${${ref}.principal_id}`);
    expect(json.output.tenant.value).toBe(`\${${ref}.tenant_id}`);
    expect(identity.principalType).toBe("ServicePrincipal");
    expect(identity.grantScope).toBe(identity);
    expect(identity.name).toBe("aks-aad-user-identity");
    expect(identity.subscriptionId).toBe(IDS.appSubscription);
  });

  test("GIVEN bad props WHEN created THEN one ValidationError lists every bad field with its value", () => {
    const { stack } = newStack();

    const e = validationErrorOf(
      () =>
        new ManagedIdentity(stack, "Identity", { name: "ab", resourceGroupName: "rg.", location: "West US 2", subscriptionId: "99a3af26" }),
    );

    expect(e.issues.map((i) => [i.field, i.value])).toEqual([
      ["name", "ab"],
      ["resourceGroupName", "rg."],
      ["location", "West US 2"],
      ["subscriptionId", "99a3af26"],
    ]);
    expect(e.message).toContain('test/Identity: location "West US 2" is invalid');
    expect(e.message).toContain("az account list-locations");
  });
});

describe("ManagedIdentity.fromExisting", () => {
  test("GIVEN an existing identity WHEN imported THEN it is read by a data source, nothing is created, and attributes reference the data source", () => {
    // GIVEN
    const { stack } = newStack();
    const shared = azurermAlias(stack, "shared", IDS.appSubscription);

    // WHEN
    const identity = ManagedIdentity.fromExisting(stack, "Identity", {
      name: "aks-aad-user-identity",
      resourceGroupName: "rg-westus2-shared",
      subscriptionId: IDS.appSubscription,
      provider: shared,
    });
    new TerraformOutput(stack, "id", { value: identity.identityId });
    new TerraformOutput(stack, "client", { value: identity.clientId });
    new TerraformOutput(stack, "principal", { value: identity.principalId });
    const json = synth(stack);

    // THEN
    expect(onlyDataSource(json, "azurerm_user_assigned_identity")).toEqual({
      name: "aks-aad-user-identity",
      resource_group_name: "rg-westus2-shared",
      provider: "azurerm.shared",
    });
    expect(json.resource).toBeUndefined();
    const ref = `data.azurerm_user_assigned_identity.${onlyDataSourceId(json, "azurerm_user_assigned_identity")}`;
    expect(json.output.id.value).toBe(`\${${ref}.id}`);
    expect(json.output.client.value).toBe(`\${${ref}.client_id}`);
    expect(json.output.principal.value).toBe(`\${${ref}.principal_id}`);
    expect(identity.principalType).toBe("ServicePrincipal");
    expect(identity.grantScope).toBe(identity);
  });

  test("GIVEN a bad name WHEN imported THEN it throws before any data source is added", () => {
    const { stack } = newStack();

    const e = validationErrorOf(() =>
      ManagedIdentity.fromExisting(stack, "Identity", {
        name: "id app",
        resourceGroupName: "rg-westus2-shared",
        subscriptionId: IDS.appSubscription,
      }),
    );

    expect(e.issues.map((i) => [i.field, i.value])).toEqual([["name", "id app"]]);
    expect(dataSources(synth(stack), "azurerm_user_assigned_identity")).toEqual({});
  });
});

describe("IManagedIdentity.grantOperator", () => {
  test.each([
    ["created", (s: ReturnType<typeof newStack>["stack"]) => appIdentity(s), "azurerm_user_assigned_identity"],
    [
      "imported",
      (s: ReturnType<typeof newStack>["stack"]) =>
        ManagedIdentity.fromExisting(s, "Identity", {
          name: "aks-aad-user-identity",
          resourceGroupName: "rg-westus2-shared",
          subscriptionId: IDS.appSubscription,
        }),
      "data.azurerm_user_assigned_identity",
    ],
  ])(
    "GIVEN a %s identity and a cluster WHEN grantOperator THEN Managed Identity Operator is scoped to exactly that identity for the kubelet identity",
    (_kind, make, refType) => {
      // GIVEN
      const { stack } = newStack();
      const identity = make(stack);
      const cluster = lookupCluster(stack);

      // WHEN
      const grant = identity.grantOperator(cluster);
      const json = synth(stack);

      // THEN
      expect(grant).toBeInstanceOf(ManagedIdentityOperatorAssignment);
      expect(grant.node.id).toBe("OperatorForAks");
      expect(grant.node.scope).toBe(identity);
      const ra = onlyResource(json, "azurerm_role_assignment");
      const identityRef = refType.startsWith("data.")
        ? `data.azurerm_user_assigned_identity.${onlyDataSourceId(json, "azurerm_user_assigned_identity")}`
        : `azurerm_user_assigned_identity.${onlyResourceId(json, "azurerm_user_assigned_identity")}`;
      expect(ra.scope).toBe(`\${${identityRef}.id}`);
      expect(ra.role_definition_id).toBe(roleDefinitionIdOf(IDS.appSubscription, ROLE_GUIDS.managedIdentityOperator));
      expect(ra.principal_id).toBe(
        `\${data.azurerm_kubernetes_cluster.${onlyDataSourceId(json, "azurerm_kubernetes_cluster")}.kubelet_identity[0].object_id}`,
      );
    },
  );
});

describe("ManagedIdentity.fromIdentityAttributes", () => {
  const ATTRS = {
    identityId:
      "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourcegroups/rg-westus2-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-aad-user-identity",
    clientId: "248b3285-aa4c-436f-b0da-8ab35ba2d14a",
    principalId: "bfcf34d4-cde4-48dd-b7d7-6c3db4ff884c",
    tenantId: "2e319086-9a26-46a3-865f-615bed576786",
  };

  test("GIVEN the guide's identity IDs WHEN referenced THEN name, group and subscription come from the MIC-form resource ID", () => {
    const stack = new TerraformStack(Testing.app(), "attrs");
    const identity = ManagedIdentity.fromIdentityAttributes(stack, "Identity", ATTRS);
    expect([identity.name, identity.resourceGroupName, identity.subscriptionId]).toEqual([
      "aks-aad-user-identity",
      "rg-westus2-shared",
      "99a3af26-911d-4bc5-8fcc-8f9de81e46c5",
    ]);
    expect(identity.clientId).toBe(ATTRS.clientId);
  });

  test.each([
    ["a resource group ID", "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-shared", "identityId"],
    [
      "a Key Vault ID",
      "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
      "identityId",
    ],
  ])("GIVEN %s as identity ID WHEN referenced THEN it throws naming MIC's form", (_n, identityId, field) => {
    const stack = new TerraformStack(Testing.app(), "bad");
    expect(() => ManagedIdentity.fromIdentityAttributes(stack, "Identity", { ...ATTRS, identityId })).toThrow(
      new RegExp(
        `${field} "${identityId.replace(/[/.]/g, "\\$&")}" is invalid: /subscriptions/<guid>/resourcegroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name> \\(the only form MIC accepts\\)`,
      ),
    );
  });

  test("GIVEN a client ID that is not a GUID WHEN referenced THEN it throws", () => {
    const stack = new TerraformStack(Testing.app(), "bad");
    expect(() => ManagedIdentity.fromIdentityAttributes(stack, "Identity", { ...ATTRS, clientId: "248b3285" })).toThrow(
      /clientId "248b3285" is invalid: a GUID/,
    );
  });
});
