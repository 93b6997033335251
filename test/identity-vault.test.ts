import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { IdentityVault, type IdentityVaultProps } from "../constructs/identity-vault";
import {
  IDS,
  ROLE_GUIDS,
  azurermAlias,
  dataSources,
  newStack,
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

type KeyVaultProps = IdentityVaultProps["keyVault"];
type IdentityProps = IdentityVaultProps["identity"];

function identityVault(
  scope: Construct,
  opts: { identity?: Partial<IdentityProps>; keyVault?: Partial<KeyVaultProps> } & Partial<
    Omit<IdentityVaultProps, "identity" | "keyVault">
  > = {},
): IdentityVault {
  const { identity, keyVault, ...rest } = opts;
  return new IdentityVault(scope, "IdentityVault", {
    location: "westus2",
    tenantId: IDS.tenant,
    subscriptionId: IDS.appSubscription,
    identity: { name: "aks-aad-user-identity", resourceGroupName: "rg-westus2-shared", ...identity },
    keyVault: {
      name: "kv-westus2-aks",
      resourceGroupName: "rg-westus2-shared",
      secrets: [{ name: "grafana-admin-username-poc" }],
      ...keyVault,
    },
    // Step 4 only: Terraform's own write access is tested in key-vault.test.ts.
    deployerAccess: false,
    ...rest,
  });
}

describe("IdentityVault (guide steps 1, 2 and 4)", () => {
  test("GIVEN a new identity and a new access-policy vault WHEN composed THEN identity, vault, secret and a Get+List policy for the identity are created", () => {
    // GIVEN / WHEN
    const { stack } = newStack();
    const iv = identityVault(stack);
    new NamespaceV1(stack, "After", { metadata: { name: "aad-pod-identity-poc" }, dependsOn: [iv.secretRead] });
    const json = synth(stack);

    // THEN
    const identityRef = `azurerm_user_assigned_identity.${onlyResourceId(json, "azurerm_user_assigned_identity")}`;
    const vaultRef = `azurerm_key_vault.${onlyResourceId(json, "azurerm_key_vault")}`;
    expect(onlyResource(json, "azurerm_user_assigned_identity")).toMatchObject({
      name: "aks-aad-user-identity",
      resource_group_name: "rg-westus2-shared",
      location: "westus2",
    });
    expect(onlyResource(json, "azurerm_key_vault")).toMatchObject({
      name: "kv-westus2-aks",
      tenant_id: IDS.tenant,
      purge_protection_enabled: true,
      soft_delete_retention_days: 90,
      rbac_authorization_enabled: false,
    });
    expect(onlyResource(json, "azurerm_key_vault_secret")).toMatchObject({
      name: "grafana-admin-username-poc",
      key_vault_id: `\${${vaultRef}.id}`,
    });
    const policy = onlyResource(json, "azurerm_key_vault_access_policy");
    expect(policy.object_id).toBe(`\${${identityRef}.principal_id}`);
    expect(policy.key_vault_id).toBe(`\${${vaultRef}.id}`);
    expect(policy.secret_permissions).toEqual(["Get", "List"]);
    expect(resources(json, "azurerm_role_assignment")).toEqual({});
    // The grant is exposed for depends_on.
    expect(onlyResource(json, "kubernetes_namespace_v1").depends_on).toEqual([
      `azurerm_key_vault_access_policy.${onlyResourceId(json, "azurerm_key_vault_access_policy")}`,
    ]);
    expect(iv.keyVault.secretNames).toEqual(["grafana-admin-username-poc"]);
    expect(iv.identity.name).toBe("aks-aad-user-identity");
  });

  test("GIVEN an RBAC vault WHEN composed THEN the identity gets Key Vault Secrets User on the vault, and no access policy exists", () => {
    const { stack } = newStack();

    identityVault(stack, { keyVault: { rbacAuthorization: true } });
    const json = synth(stack);

    const ra = onlyResource(json, "azurerm_role_assignment");
    expect(ra.role_definition_id).toBe(roleDefinitionIdOf(IDS.appSubscription, ROLE_GUIDS.keyVaultSecretsUser));
    expect(ra.scope).toBe(`\${azurerm_key_vault.${onlyResourceId(json, "azurerm_key_vault")}.id}`);
    expect(ra.principal_id).toBe(
      `\${azurerm_user_assigned_identity.${onlyResourceId(json, "azurerm_user_assigned_identity")}.principal_id}`,
    );
    expect(resources(json, "azurerm_key_vault_access_policy")).toEqual({});
  });

  test("GIVEN vault settings, tags and prevent-destroy WHEN composed THEN they reach identity, vault and secrets", () => {
    const { stack } = newStack();

    identityVault(stack, {
      keyVault: { softDeleteRetentionDays: 30, purgeProtection: false, network: { defaultAction: "Allow", ipRules: ["203.0.113.0/24"] } },
      tags: { environment: "prod" },
      preventDestroy: true,
    });
    const json = synth(stack);

    const kv = onlyResource(json, "azurerm_key_vault");
    expect(kv.soft_delete_retention_days).toBe(30);
    expect(kv.purge_protection_enabled).toBe(false);
    expect(kv.network_acls.default_action).toBe("Allow");
    expect(kv.network_acls.ip_rules).toEqual(["203.0.113.0/24"]);
    for (const type of ["azurerm_user_assigned_identity", "azurerm_key_vault"]) {
      expect(onlyResource(json, type).tags).toEqual({ environment: "prod" });
      expect(onlyResource(json, type).lifecycle).toEqual({ prevent_destroy: true });
    }
    expect(onlyResource(json, "azurerm_key_vault_secret").lifecycle).toEqual({ prevent_destroy: true });
  });

  test("GIVEN an existing identity WHEN composed THEN it is read by a data source and the policy grants its principal", () => {
    const { stack } = newStack();

    const iv = identityVault(stack, { identity: { existing: true } });
    const json = synth(stack);

    expect(resources(json, "azurerm_user_assigned_identity")).toEqual({});
    const ref = `data.azurerm_user_assigned_identity.${onlyDataSourceId(json, "azurerm_user_assigned_identity")}`;
    expect(onlyResource(json, "azurerm_key_vault_access_policy").object_id).toBe(`\${${ref}.principal_id}`);
    expect(iv.identity.name).toBe("aks-aad-user-identity");
  });

  test("GIVEN an existing vault WHEN composed THEN it is read by a data source; external secrets are only recorded, the others are created in it", () => {
    const { stack } = newStack();

    const iv = identityVault(stack, {
      keyVault: {
        existing: true,
        secrets: [{ name: "grafana-admin-username-poc", source: "external" }, { name: "db-password" }],
      },
    });
    const json = synth(stack);

    expect(resources(json, "azurerm_key_vault")).toEqual({});
    const ref = `data.azurerm_key_vault.${onlyDataSourceId(json, "azurerm_key_vault")}`;
    const secrets = resourceList(json, "azurerm_key_vault_secret");
    expect(secrets.map((s) => [s.name, s.key_vault_id])).toEqual([["db-password", `\${${ref}.id}`]]);
    expect(Object.keys(variables(json))).toEqual(["secret_kv_westus2_aks_db_password"]);
    expect([...iv.keyVault.secretNames].sort()).toEqual(["db-password", "grafana-admin-username-poc"]);
    const policy = onlyResource(json, "azurerm_key_vault_access_policy");
    expect(policy.key_vault_id).toBe(`\${${ref}.id}`);
    expect(policy.tenant_id).toBe(`\${${ref}.tenant_id}`);
  });

  test("GIVEN an existing RBAC vault WHEN composed THEN the grant is a role assignment on the data source", () => {
    const { stack } = newStack();

    identityVault(stack, { keyVault: { existing: true, rbacAuthorization: true, secrets: [] } });
    const json = synth(stack);

    expect(onlyResource(json, "azurerm_role_assignment").scope).toBe(
      `\${data.azurerm_key_vault.${onlyDataSourceId(json, "azurerm_key_vault")}.id}`,
    );
    expect(resources(json, "azurerm_key_vault_access_policy")).toEqual({});
  });

  test("GIVEN a provider alias WHEN composed THEN every resource and data source uses it", () => {
    const { stack } = newStack();
    const shared = azurermAlias(stack, "shared", IDS.appSubscription);

    identityVault(stack, { provider: shared, identity: { existing: true } });
    const json = synth(stack);

    for (const type of ["azurerm_key_vault", "azurerm_key_vault_secret", "azurerm_key_vault_access_policy"]) {
      expect(onlyResource(json, type).provider).toBe("azurerm.shared");
    }
    expect(Object.values(dataSources(json, "azurerm_user_assigned_identity")).map((d) => (d as { provider: string }).provider)).toEqual([
      "azurerm.shared",
    ]);
  });

  test("GIVEN a bad vault name WHEN composed THEN the vault's ValidationError surfaces with its path", () => {
    const { stack } = newStack();

    const e = validationErrorOf(() => identityVault(stack, { keyVault: { name: "kv_prod!" } }));

    expect(e.issues.map((i) => [i.context, i.field, i.value])).toEqual([["test/IdentityVault/KeyVault", "name", "kv_prod!"]]);
  });
});
