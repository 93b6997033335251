import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { KeyVault, type KeyVaultProps, SECRET_READ_PERMISSIONS } from "../constructs/key-vault";
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
  resourceList,
  resources,
  roleDefinitionIdOf,
  synth,
  validationErrorOf,
  variables,
} from "./support/synth";
import type { Construct } from "constructs";

const VAULT: KeyVaultProps = {
  name: "kv-westus2-aks",
  resourceGroupName: "rg-westus2-shared",
  location: "westus2",
  tenantId: IDS.tenant,
  subscriptionId: IDS.appSubscription,
};

function vault(scope: Construct, props: Partial<KeyVaultProps> = {}, id = "KeyVault"): KeyVault {
  return new KeyVault(scope, id, { ...VAULT, ...props });
}

describe("KeyVault", () => {
  test("GIVEN only the required props WHEN the vault is created THEN it is safe by default", () => {
    // GIVEN / WHEN
    const { stack } = newStack();
    vault(stack);
    const json = synth(stack);

    // THEN
    const kv = onlyResource(json, "azurerm_key_vault");
    expect(kv.name).toBe("kv-westus2-aks");
    expect(kv.resource_group_name).toBe("rg-westus2-shared");
    expect(kv.location).toBe("westus2");
    expect(kv.tenant_id).toBe(IDS.tenant);
    expect(kv.sku_name).toBe("standard");
    expect(kv.purge_protection_enabled).toBe(true);
    expect(kv.soft_delete_retention_days).toBe(90);
    expect(kv.rbac_authorization_enabled).toBe(false);
    expect(kv.network_acls).toEqual({ default_action: "Deny", bypass: "AzureServices", ip_rules: [], virtual_network_subnet_ids: [] });
    expect(kv).not.toHaveProperty("lifecycle");
    // Access policies are separate resources (azurerm_key_vault_access_policy), never inline.
    expect(kv).not.toHaveProperty("access_policy");
    expect(resources(json, "azurerm_key_vault_secret")).toEqual({});
    expect(variables(json)).toEqual({});
  });

  test("GIVEN network rules, 7 days retention, tags and prevent-destroy THEN the vault carries them", () => {
    const { stack } = newStack();

    vault(stack, {
      softDeleteRetentionDays: 7,
      network: {
        defaultAction: "Deny",
        ipRules: ["203.0.113.0/24", "198.51.100.7"],
        subnetIds: ["/subscriptions/x/subnets/aks"],
        bypassAzureServices: false,
      },
      tags: { environment: "prod" },
      preventDestroy: true,
      secrets: [{ name: "grafana-admin-username-poc" }],
    });
    const json = synth(stack);

    const kv = onlyResource(json, "azurerm_key_vault");
    expect(kv.soft_delete_retention_days).toBe(7);
    expect(kv.network_acls).toEqual({
      default_action: "Deny",
      bypass: "None",
      ip_rules: ["203.0.113.0/24", "198.51.100.7"],
      virtual_network_subnet_ids: ["/subscriptions/x/subnets/aks"],
    });
    expect(kv.tags).toEqual({ environment: "prod" });
    expect(kv.lifecycle).toEqual({ prevent_destroy: true });
    // prevent_destroy reaches the secrets too.
    expect(onlyResource(json, "azurerm_key_vault_secret").lifecycle).toEqual({ prevent_destroy: true });
  });

  test("GIVEN a provider alias THEN vault, secrets and grants use it", () => {
    const { stack } = newStack();
    const shared = azurermAlias(stack, "shared", IDS.appSubscription);

    const kv = vault(stack, {
      provider: shared,
      secrets: [{ name: "s1" }],
      deployerAccess: { principal: { principalId: "5b1d6a2e-3c4f-4e8a-9b7c-1d2e3f4a5b6c", tenantId: IDS.tenant, grantScope: stack } },
    });
    kv.grantSecretRead(appIdentity(stack));
    const json = synth(stack);

    expect(onlyResource(json, "azurerm_key_vault").provider).toBe("azurerm.shared");
    expect(onlyResource(json, "azurerm_key_vault_secret").provider).toBe("azurerm.shared");
    // The identity's read grant and Terraform's own write grant.
    expect(resourceList(json, "azurerm_key_vault_access_policy").map((p) => p.provider)).toEqual(["azurerm.shared", "azurerm.shared"]);
  });

  describe("Terraform's own right to write secret values (deployerAccess)", () => {
    const WRITER = {
      principalId: "5b1d6a2e-3c4f-4e8a-9b7c-1d2e3f4a5b6c",
      principalType: "ServicePrincipal" as const,
      tenantId: IDS.tenant,
    };
    test("GIVEN an access-policy vault with a secret and the secret writer from config WHEN synthesized THEN that principal (never azurerm_client_config) gets Get, List, Set, Delete, Recover and the secret waits for it", () => {
      const { stack } = newStack();
      vault(stack, { secrets: [{ name: "db-password" }], deployerAccess: { principal: { ...WRITER, grantScope: stack } } });
      const json = synth(stack);
      expect(JSON.stringify(json)).not.toContain("azurerm_client_config");
      const policies = resources(json, "azurerm_key_vault_access_policy");
      const [writeId, write] = Object.entries(policies).find(([, p]) => p.object_id === WRITER.principalId)!;
      expect(write).toMatchObject({
        object_id: WRITER.principalId,
        tenant_id: IDS.tenant,
        secret_permissions: ["Get", "List", "Set", "Delete", "Recover"],
      });
      expect(onlyResource(json, "azurerm_key_vault_secret").depends_on).toEqual([`azurerm_key_vault_access_policy.${writeId}`]);
    });

    test("GIVEN purge on destroy WHEN synthesized THEN Purge is added, and only then", () => {
      const { stack } = newStack();
      vault(stack, { secrets: [{ name: "db-password" }], deployerAccess: { principal: { ...WRITER, grantScope: stack }, purge: true } });
      expect(onlyResource(synth(stack), "azurerm_key_vault_access_policy").secret_permissions).toEqual([
        "Get",
        "List",
        "Set",
        "Delete",
        "Recover",
        "Purge",
      ]);
    });

    test("GIVEN an RBAC vault WHEN synthesized THEN the writer gets Key Vault Secrets Officer, and the secret waits for a time_sleep that waits for the assignment (issue 10, point 3)", () => {
      const { stack } = newStack();
      vault(stack, {
        rbacAuthorization: true,
        secrets: [{ name: "db-password" }],
        deployerAccess: { principal: { ...WRITER, grantScope: stack }, rbacPropagationWait: "90s" },
      });
      const json = synth(stack);
      const officerId = onlyResourceId(json, "azurerm_role_assignment");
      const officer = onlyResource(json, "azurerm_role_assignment");
      expect(officer.role_definition_id).toBe(roleDefinitionIdOf(IDS.appSubscription, "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"));
      expect(officer.principal_id).toBe(WRITER.principalId);
      const sleepId = onlyResourceId(json, "time_sleep");
      const sleep = onlyResource(json, "time_sleep");
      expect(sleep.create_duration).toBe("90s");
      expect(sleep.depends_on).toEqual([`azurerm_role_assignment.${officerId}`]);
      expect(onlyResource(json, "azurerm_key_vault_secret").depends_on).toEqual([`time_sleep.${sleepId}`]);
      expect(json.terraform.required_providers.time.source).toBe("hashicorp/time");
      expect(resourceList(json, "azurerm_key_vault_access_policy")).toEqual([]);
    });

    test("GIVEN only external secrets, or deployerAccess false WHEN synthesized THEN Terraform gets no access to secret values", () => {
      for (const props of [
        { secrets: [{ name: "db-password", source: "external" as const }] },
        { secrets: [{ name: "db-password" }], deployerAccess: false as const },
      ]) {
        const { stack } = newStack();
        vault(stack, props);
        const json = synth(stack);
        expect(resourceList(json, "azurerm_key_vault_access_policy")).toEqual([]);
        expect(dataSources(json, "azurerm_client_config")).toEqual({});
      }
    });
  });

  describe("grantSecretRead (guide step 4)", () => {
    test("GIVEN an access-policy vault and an identity WHEN read is granted THEN one access policy with exactly Get and List for the identity's principal, and no role assignment", () => {
      // GIVEN
      const { stack } = newStack();
      const kv = vault(stack);
      const identity = appIdentity(stack);

      // WHEN
      const grant = kv.grantSecretRead(identity);
      new NamespaceV1(stack, "After", { metadata: { name: "ns" }, dependsOn: [grant] });
      const json = synth(stack);

      // THEN
      const policy = onlyResource(json, "azurerm_key_vault_access_policy");
      const vaultId = onlyResourceId(json, "azurerm_key_vault");
      const identityId = onlyResourceId(json, "azurerm_user_assigned_identity");
      expect(policy.key_vault_id).toBe(`\${azurerm_key_vault.${vaultId}.id}`);
      expect(policy.object_id).toBe(`\${azurerm_user_assigned_identity.${identityId}.principal_id}`);
      expect(policy.tenant_id).toBe(IDS.tenant);
      expect(policy.secret_permissions).toEqual(["Get", "List"]);
      expect(policy).not.toHaveProperty("key_permissions");
      expect(policy).not.toHaveProperty("certificate_permissions");
      expect(policy).not.toHaveProperty("storage_permissions");
      expect(resources(json, "azurerm_role_assignment")).toEqual({});
      // The returned grant is the policy, usable in depends_on.
      expect(onlyResource(json, "kubernetes_namespace_v1").depends_on).toEqual([
        `azurerm_key_vault_access_policy.${onlyResourceId(json, "azurerm_key_vault_access_policy")}`,
      ]);
      expect(SECRET_READ_PERMISSIONS).toEqual(["Get", "List"]);
    });

    test("GIVEN an RBAC vault WHEN read is granted THEN Key Vault Secrets User on the vault for the identity, and NO access policy", () => {
      // GIVEN
      const { stack } = newStack();
      const kv = vault(stack, { rbacAuthorization: true });
      const identity = appIdentity(stack);

      // WHEN
      kv.grantSecretRead(identity);
      const json = synth(stack);

      // THEN
      expect(onlyResource(json, "azurerm_key_vault").rbac_authorization_enabled).toBe(true);
      const ra = onlyResource(json, "azurerm_role_assignment");
      expect(ra.role_definition_id).toBe(roleDefinitionIdOf(IDS.appSubscription, ROLE_GUIDS.keyVaultSecretsUser));
      expect(ra.scope).toBe(`\${azurerm_key_vault.${onlyResourceId(json, "azurerm_key_vault")}.id}`);
      expect(ra.principal_id).toBe(
        `\${azurerm_user_assigned_identity.${onlyResourceId(json, "azurerm_user_assigned_identity")}.principal_id}`,
      );
      expect(ra.principal_type).toBe("ServicePrincipal");
      expect(ra.skip_service_principal_aad_check).toBe(true);
      expect(resources(json, "azurerm_key_vault_access_policy")).toEqual({});
    });

    test("GIVEN two grantees WHEN both are granted THEN each gets its own policy, named after the grantee", () => {
      const { stack } = newStack();
      const kv = vault(stack);

      kv.grantSecretRead(appIdentity(stack, "Identity"));
      kv.grantSecretRead(lookupCluster(stack).kubeletIdentity);
      const json = synth(stack);

      const policies = resources(json, "azurerm_key_vault_access_policy");
      expect(Object.keys(policies)).toHaveLength(2);
      expect(kv.node.tryFindChild("SecretsReadIdentity")).toBeDefined();
      expect(kv.node.tryFindChild("SecretsReadAks")).toBeDefined();
      const kubelet = `\${data.azurerm_kubernetes_cluster.${onlyDataSourceId(json, "azurerm_kubernetes_cluster")}.kubelet_identity[0].object_id}`;
      expect(Object.values(policies).map((p) => (p as { object_id: string }).object_id)).toContain(kubelet);
    });
  });

  describe("secrets", () => {
    test("GIVEN secrets in the props THEN each is created in this vault with a per-vault variable and listed in secretNames", () => {
      const { stack } = newStack();

      const kv = vault(stack, { secrets: [{ name: "grafana-admin-username-poc" }, { name: "db-password", source: "external" }] });
      const json = synth(stack);

      const secret = onlyResource(json, "azurerm_key_vault_secret");
      expect(secret.name).toBe("grafana-admin-username-poc");
      expect(secret.key_vault_id).toBe(`\${azurerm_key_vault.${onlyResourceId(json, "azurerm_key_vault")}.id}`);
      expect(secret.value_wo).toBe("${var.secret_kv_westus2_aks_grafana_admin_username_poc}");
      expect(Object.keys(variables(json))).toEqual(["secret_kv_westus2_aks_grafana_admin_username_poc"]);
      expect(kv.secretNames).toEqual(["grafana-admin-username-poc", "db-password"]);
    });

    test("GIVEN two vaults in one stack with the same secret name THEN they get different variables", () => {
      const { stack } = newStack();

      vault(stack, { name: "kv-team-a", secrets: [{ name: "db-password" }] }, "A");
      vault(stack, { name: "kv-team-b", secrets: [{ name: "db-password" }] }, "B");
      const json = synth(stack);

      expect(Object.keys(variables(json)).sort()).toEqual(["secret_kv_team_a_db_password", "secret_kv_team_b_db_password"]);
      expect(
        resourceList(json, "azurerm_key_vault_secret")
          .map((s) => s.value_wo)
          .sort(),
      ).toEqual(["${var.secret_kv_team_a_db_password}", "${var.secret_kv_team_b_db_password}"]);
    });

    test("GIVEN a secret whose variableName is present but undefined THEN the per-vault default still applies (no shared variable across vaults)", () => {
      const { stack } = newStack();
      const fromConfig = (name: string, variableName?: string) => ({ name, variableName });

      vault(stack, { name: "kv-team-a", secrets: [fromConfig("db-password")] }, "A");
      vault(stack, { name: "kv-team-b", secrets: [fromConfig("db-password")] }, "B");
      const json = synth(stack);

      expect(Object.keys(variables(json)).sort()).toEqual(["secret_kv_team_a_db_password", "secret_kv_team_b_db_password"]);
    });

    test("GIVEN an explicit variable name THEN it is used", () => {
      const { stack } = newStack();

      vault(stack, { secrets: [{ name: "db-password", variableName: "payments_db_password" }] });

      expect(Object.keys(variables(synth(stack)))).toEqual(["payments_db_password"]);
    });
  });

  describe("validation", () => {
    test.each([["kv_prod!"], ["kv--prod"], ["a".repeat(25)], ["1kv-prod"], ["kv-prod-"]])(
      "GIVEN vault name %j WHEN created THEN it throws naming the field and showing the value",
      (name) => {
        const { stack } = newStack();

        const e = validationErrorOf(() => vault(stack, { name }));

        expect(e.issues.map((i) => i.field)).toEqual(["name"]);
        expect(e.message).toContain(`test/KeyVault: name ${JSON.stringify(name)} is invalid: 3–24 characters`);
        expect(e.message).toContain("Fix: pick a name such as kv-westus2-aks");
        expect(resources(synth(stack), "azurerm_key_vault")).toEqual({});
      },
    );

    test.each([[5], [6], [91], [7.5], [0]])("GIVEN soft-delete retention %p WHEN created THEN it throws with field and value", (days) => {
      const { stack } = newStack();

      const e = validationErrorOf(() => vault(stack, { softDeleteRetentionDays: days }));

      expect(e.issues.map((i) => [i.field, i.value])).toEqual([["softDeleteRetentionDays", days]]);
      expect(e.message).toContain(`test/KeyVault: softDeleteRetentionDays ${days} is invalid: a whole number of days from 7 to 90`);
    });

    test.each([[7], [90]])("GIVEN soft-delete retention %p (a bound) WHEN created THEN it is accepted", (days) => {
      const { stack } = newStack();
      vault(stack, { softDeleteRetentionDays: days });
      expect(onlyResource(synth(stack), "azurerm_key_vault").soft_delete_retention_days).toBe(days);
    });

    test("GIVEN several bad props WHEN created THEN every one is reported at once", () => {
      const { stack } = newStack();

      const e = validationErrorOf(() =>
        vault(stack, {
          name: "kv_prod!",
          resourceGroupName: "rg.",
          location: "West US 2",
          tenantId: "tenant",
          subscriptionId: "sub",
          softDeleteRetentionDays: 91,
          network: { ipRules: ["203.0.113.0/24", "300.0.0.1"] },
        }),
      );

      expect(e.issues.map((i) => [i.field, i.value])).toEqual([
        ["name", "kv_prod!"],
        ["resourceGroupName", "rg."],
        ["location", "West US 2"],
        ["tenantId", "tenant"],
        ["subscriptionId", "sub"],
        ["softDeleteRetentionDays", 91],
        ["network.ipRules[1]", "300.0.0.1"],
      ]);
    });
  });
});

describe("KeyVault.fromExisting", () => {
  test("GIVEN an existing access-policy vault WHEN imported and granted THEN it is read by a data source and the policy uses the vault's tenant", () => {
    // GIVEN
    const { stack } = newStack();
    const kv = KeyVault.fromExisting(stack, "KeyVault", {
      name: "kv-westus2-aks",
      resourceGroupName: "rg-westus2-shared",
      subscriptionId: IDS.appSubscription,
      rbacAuthorization: false,
      existingSecretNames: ["grafana-admin-username-poc"],
    });

    // WHEN
    kv.grantSecretRead(appIdentity(stack));
    const json = synth(stack);

    // THEN
    expect(onlyDataSource(json, "azurerm_key_vault")).toEqual({ name: "kv-westus2-aks", resource_group_name: "rg-westus2-shared" });
    expect(resources(json, "azurerm_key_vault")).toEqual({});
    const ref = `data.azurerm_key_vault.${onlyDataSourceId(json, "azurerm_key_vault")}`;
    const policy = onlyResource(json, "azurerm_key_vault_access_policy");
    expect(policy.key_vault_id).toBe(`\${${ref}.id}`);
    expect(policy.tenant_id).toBe(`\${${ref}.tenant_id}`);
    expect(policy.secret_permissions).toEqual(["Get", "List"]);
    expect(kv.secretNames).toEqual(["grafana-admin-username-poc"]);
    expect(kv.vaultName).toBe("kv-westus2-aks");
    // Nothing is created for secrets that exist already.
    expect(resources(json, "azurerm_key_vault_secret")).toEqual({});
    expect(variables(json)).toEqual({});
  });

  test("GIVEN an existing RBAC vault WHEN granted THEN Key Vault Secrets User on the data source's ID, and no access policy", () => {
    const { stack } = newStack();
    const kv = KeyVault.fromExisting(stack, "KeyVault", {
      name: "kv-westus2-aks",
      resourceGroupName: "rg-westus2-shared",
      subscriptionId: IDS.appSubscription,
      rbacAuthorization: true,
    });

    kv.grantSecretRead(appIdentity(stack));
    const json = synth(stack);

    const ra = onlyResource(json, "azurerm_role_assignment");
    expect(ra.role_definition_id).toBe(roleDefinitionIdOf(IDS.appSubscription, ROLE_GUIDS.keyVaultSecretsUser));
    expect(ra.scope).toBe(`\${data.azurerm_key_vault.${onlyDataSourceId(json, "azurerm_key_vault")}.id}`);
    expect(resources(json, "azurerm_key_vault_access_policy")).toEqual({});
    expect(kv.secretNames).toEqual([]);
  });

  test("GIVEN an existing vault WHEN a secret is added THEN it is created in that vault and listed", () => {
    const { stack } = newStack();
    const kv = KeyVault.fromExisting(stack, "KeyVault", {
      name: "kv-westus2-aks",
      resourceGroupName: "rg-westus2-shared",
      subscriptionId: IDS.appSubscription,
      rbacAuthorization: false,
    });

    kv.addSecret({ name: "db-password" });
    const json = synth(stack);

    const secret = onlyResource(json, "azurerm_key_vault_secret");
    expect(secret.key_vault_id).toBe(`\${data.azurerm_key_vault.${onlyDataSourceId(json, "azurerm_key_vault")}.id}`);
    expect(secret).not.toHaveProperty("lifecycle");
    expect(kv.secretNames).toEqual(["db-password"]);
  });

  test("GIVEN a bad name or subscription WHEN imported THEN it throws and reads nothing", () => {
    const { stack } = newStack();

    const e = validationErrorOf(() =>
      KeyVault.fromExisting(stack, "KeyVault", {
        name: "kv_prod!",
        resourceGroupName: "rg-westus2-shared",
        subscriptionId: "sub",
        rbacAuthorization: false,
      }),
    );

    expect(e.issues.map((i) => [i.field, i.value])).toEqual([
      ["name", "kv_prod!"],
      ["subscriptionId", "sub"],
    ]);
    expect(dataSources(synth(stack), "azurerm_key_vault")).toEqual({});
  });
});
