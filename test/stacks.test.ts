// Stack-level tests: for each environment, every step of the guide is in the synthesized JSON.
import { Testing, type TerraformStack } from "cdktf";
import { platform, devTest, prod } from "../config/environments";
import type { EnvironmentConfig } from "../config/types";
import { buildPlatform } from "../stacks/platform";
import { BuiltInRoles } from "../constructs/facts";
import type { Json } from "./support/json";

function synthAll(): Map<string, Json> {
  const app = Testing.app();
  const stacks: TerraformStack[] = buildPlatform(app, platform, { vars: {} });
  return new Map(stacks.map((s) => [s.node.id, JSON.parse(Testing.synth(s, true))]));
}

function only(json: Json, type: string, kind: "resource" | "data" = "resource"): [string, Json] {
  const entries = Object.entries(json[kind]?.[type] ?? {});
  expect(entries).toHaveLength(1);
  return entries[0] as [string, Json];
}

/** The identity's read grant (step 4), as opposed to Terraform's own write grant. */
function readPolicy(json: Json): [string, Json] {
  const entries = Object.entries<Json>(json.resource.azurerm_key_vault_access_policy).filter(([, p]) =>
    String(p.object_id).includes("azurerm_user_assigned_identity"),
  );
  expect(entries).toHaveLength(1);
  return entries[0];
}

function byRole(json: Json, guid: string): Json[] {
  return Object.values<Json>(json.resource?.azurerm_role_assignment ?? {}).filter((r) => String(r.role_definition_id).endsWith(guid));
}

const stacks = synthAll();

describe.each<[string, EnvironmentConfig, string]>([
  ["dev-test", devTest, "kv-westus2-aks"],
  ["prod", prod, "kv-westus2-aks-prod"],
])("environment %s", (name, env, vaultName) => {
  const apps = stacks.get(`${name}-apps`)!;
  const admin = stacks.get(`${name}-cluster-admin`)!;
  const [identityId, identity] = only(apps, "azurerm_user_assigned_identity");
  const identityRef = `azurerm_user_assigned_identity.${identityId}`;
  // Dev/Test knows the agent-pool principal (the client in the guide's MIC logs): used as is.
  // Prod does not: it is looked up by name in the node resource group, through the cluster's provider.
  const known = env.cluster.agentPool!.principalId;
  const poolLookup = (json: Json) => Object.entries<Json>(json.data?.azurerm_user_assigned_identity ?? {});
  const kubeletPrincipalIn = (json: Json) => known ?? `\${data.azurerm_user_assigned_identity.${poolLookup(json)[0][0]}.principal_id}`;
  const kubeletPrincipal = kubeletPrincipalIn(apps);

  test("GIVEN the config WHEN synthesized THEN it has exactly the two documented stacks", () => {
    expect([...stacks.keys()].filter((k) => k.startsWith(`${name}-`)).sort()).toEqual([`${name}-apps`, `${name}-cluster-admin`]);
  });

  test("step 1: the user-assigned identity of the guide", () => {
    expect(identity).toMatchObject({ name: env.teams[0].identity.name, resource_group_name: "rg-westus2-shared", location: "westus2" });
    expect(env.teams[0].identity.name).toBe(name === "prod" ? "aks-aad-user-identity-prod" : "aks-aad-user-identity");
  });

  test("step 2: the vault (own name per environment) and the secret, with no value in the JSON", () => {
    const [vaultId, vault] = only(apps, "azurerm_key_vault");
    // Purge protection is explicit per environment: off on the guide's Dev/Test vault (az keyvault create leaves it off; adoption must not switch it on), on in Prod.
    expect(vault).toMatchObject({
      name: vaultName,
      purge_protection_enabled: env.teams[0].keyVault.purgeProtection,
      tenant_id: env.tenantId,
    });
    expect(env.teams[0].keyVault.purgeProtection).toBe(name === "prod");
    const [, secret] = only(apps, "azurerm_key_vault_secret");
    expect(secret).toMatchObject({ name: "grafana-admin-username-poc", key_vault_id: `\${azurerm_key_vault.${vaultId}.id}` });
    expect(secret.value).toBeUndefined();
    expect(secret.value_wo).toMatch(/^\$\{var\.secret_[a-z0-9_]+\}$/);
    // The configured secret writer (never whoever runs the plan: no azurerm_client_config) may Set (not Purge: purge on destroy is off).
    expect(apps.data?.azurerm_client_config).toBeUndefined();
    const write = Object.entries<Json>(apps.resource.azurerm_key_vault_access_policy).find(
      ([, p]) => p.object_id === env.secretWriter!.objectId,
    )!;
    expect(write[1].secret_permissions).toEqual(["Get", "List", "Set", "Delete", "Recover"]);
    expect(secret.depends_on).toEqual([`azurerm_key_vault_access_policy.${write[0]}`]);
  });

  test("step 3: Managed Identity Operator for the agent-pool identity, scoped to the single identity", () => {
    const [mio] = byRole(apps, BuiltInRoles.ManagedIdentityOperator.guid);
    expect(mio).toMatchObject({
      scope: `\${${identityRef}.id}`,
      principal_id: kubeletPrincipal,
      principal_type: "ServicePrincipal",
      skip_service_principal_aad_check: true,
      role_definition_id: `/subscriptions/${env.appSubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BuiltInRoles.ManagedIdentityOperator.guid}`,
    });
    if (known) {
      // Used as is, and checked by name: the plan fails unless aks-xcEwmVSi-agentpool has this principal ID.
      expect(known).toBe("b9276f33-e80c-4f09-9cdf-24c28c0feea4");
      expect(poolLookup(apps).map(([, d]) => [d.name, d.resource_group_name, d.lifecycle.postcondition[0].condition])).toEqual([
        [env.cluster.agentPool!.identityName, env.cluster.agentPool!.nodeResourceGroupName, `\${lower(self.principal_id) == "${known}"}`],
      ]);
    } else {
      expect(poolLookup(apps).map(([, d]) => d)).toEqual([
        expect.objectContaining({
          name: env.cluster.agentPool!.identityName,
          resource_group_name: env.cluster.agentPool!.nodeResourceGroupName,
          provider: "azurerm.cluster",
        }),
      ]);
    }
  });

  test("step 4: Get and List on secrets for the identity's principal", () => {
    const [, policy] = readPolicy(apps);
    expect(policy.object_id).toBe(`\${${identityRef}.principal_id}`);
    expect(policy.secret_permissions).toEqual(["Get", "List"]);
    expect(policy.key_permissions).toBeUndefined();
  });

  test("step 5: AzureIdentity (type 0, resourceID, clientID) and AzureIdentityBinding, after the grants", () => {
    const manifests = Object.values<Json>(apps.resource.kubernetes_manifest);
    const azureIdentity = manifests.find((m) => m.manifest.kind === "AzureIdentity")!;
    const binding = manifests.find((m) => m.manifest.kind === "AzureIdentityBinding")!;
    expect(azureIdentity.manifest.metadata).toMatchObject({ name: "aad-user-identity", namespace: "aad-pod-identity-poc" });
    expect(azureIdentity.manifest.spec).toEqual({ type: 0, resourceID: `\${${identityRef}.id}`, clientID: `\${${identityRef}.client_id}` });
    expect(binding.manifest.spec).toEqual({ azureIdentity: "aad-user-identity", selector: "bind-user-identity-keyvault" });
    expect(binding.manifest.metadata.name).toBe("aad-user-identity-binding");
    const [mioId] = Object.entries<Json>(apps.resource.azurerm_role_assignment).find(([, r]) =>
      String(r.role_definition_id).endsWith(BuiltInRoles.ManagedIdentityOperator.guid),
    )!;
    const [policyId] = readPolicy(apps);
    for (const m of [azureIdentity, binding]) {
      expect(m.depends_on).toEqual(
        expect.arrayContaining([`azurerm_role_assignment.${mioId}`, `azurerm_key_vault_access_policy.${policyId}`]),
      );
    }
  });

  test("step 6: the reader Deployment carries the binding's selector as aadpodidbinding and waits for the binding", () => {
    const [, deployment] = only(apps, "kubernetes_deployment_v1");
    const binding = Object.values<Json>(apps.resource.kubernetes_manifest).find((m) => m.manifest.kind === "AzureIdentityBinding")!;
    expect(deployment.metadata).toMatchObject({ name: "az-keyvault-reader-test", namespace: "aad-pod-identity-poc" });
    expect(deployment.spec.template.metadata.labels.aadpodidbinding).toBe(binding.manifest.spec.selector);
    const sidecar = deployment.spec.template.spec.container.find((c: Json) => c.name === "az-keyvault-reader-sidecar");
    expect(sidecar.env).toEqual([{ name: "AZURE_KEYVAULT_NAME", value: vaultName }]);
    expect(deployment.depends_on.some((d: string) => d.startsWith("kubernetes_manifest."))).toBe(true);
    // The first pods start only once the identity can read the vault and the secret exists.
    const [policyId] = readPolicy(apps);
    const [secretId] = only(apps, "azurerm_key_vault_secret");
    expect(deployment.depends_on).toEqual(
      expect.arrayContaining([`azurerm_key_vault_access_policy.${policyId}`, `azurerm_key_vault_secret.${secretId}`]),
    );
  });

  test("step 7: Reader and Virtual Machine Contributor for the same agent-pool principal on the node resource group", () => {
    // Looked up by name in both: Prod to read the principal, Dev/Test to check the given one (postcondition).
    expect(poolLookup(admin).map(([, d]) => [d.name, d.resource_group_name, Boolean(d.lifecycle?.postcondition)])).toEqual([
      [env.cluster.agentPool!.identityName, env.cluster.agentPool!.nodeResourceGroupName, Boolean(known)],
    ]);
    const nodeGroup = `/subscriptions/${env.cluster.subscriptionId}/resourceGroups/${env.cluster.agentPool!.nodeResourceGroupName}`;
    for (const role of [BuiltInRoles.Reader, BuiltInRoles.VirtualMachineContributor]) {
      const [assignment] = byRole(admin, role.guid);
      expect(assignment).toMatchObject({
        scope: nodeGroup,
        principal_id: kubeletPrincipalIn(admin),
        role_definition_id: `/subscriptions/${env.cluster.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role.guid}`,
      });
    }
    expect(Object.keys(admin.resource)).toEqual(["azurerm_role_assignment"]);
    expect(Object.keys(admin.resource.azurerm_role_assignment)).toHaveLength(2);
  });

  test("the identity and the cluster live in different subscriptions: two azurerm providers", () => {
    const providers = apps.provider.azurerm as Json[];
    expect(providers.map((p) => [p.alias ?? "default", p.subscription_id])).toEqual([
      ["default", env.appSubscriptionId],
      ["cluster", env.cluster.subscriptionId],
    ]);
    expect(admin.provider.azurerm.map((p: Json) => p.subscription_id)).toEqual([env.cluster.subscriptionId]);
  });

  test("local state outside cdktf.out, one file per stack; Terraform ≥ 1.11 for write-only values", () => {
    expect(apps.terraform.backend).toEqual({ local: { path: `../../../terraform.${name}-apps.tfstate` } });
    expect(apps.terraform.required_version).toBe(">= 1.11.0");
  });

  test("change detector: the synthesized stacks are unchanged", () => {
    expect(apps).toMatchSnapshot();
    expect(admin).toMatchSnapshot();
  });
});

describe("backend switch", () => {
  test("GIVEN TFSTATE_* variables WHEN synthesized THEN every stack uses the azurerm backend with Entra ID auth and its own key", () => {
    const app = Testing.app();
    const vars = { TFSTATE_STORAGE_ACCOUNT: "sttfstate01", TFSTATE_RESOURCE_GROUP: "rg-tfstate", TFSTATE_CONTAINER: "tfstate" };
    const built = buildPlatform(app, platform, { vars });
    for (const s of built) {
      const json = JSON.parse(Testing.synth(s, true));
      expect(json.terraform.backend).toEqual({
        azurerm: {
          storage_account_name: "sttfstate01",
          resource_group_name: "rg-tfstate",
          container_name: "tfstate",
          key: `${s.node.id}.tfstate`,
          use_azuread_auth: true,
        },
      });
      expect(JSON.stringify(json.terraform.backend)).not.toMatch(/access_key|sas_token/);
    }
  });
});
