// Shared assertions on the README example's synthesized stack (test/readme-example.test.ts, test/consumer.test.ts).
import type { Json } from "./json";

/**
 * THEN for the README's library example (examples/app-team-stack.ts), however it was run: the
 * synthesized `payments-dev` stack holds namespace, identity, vault, grants, binding and workload,
 * with Terraform >= 1.11 and the Key Vault data-safety features of AppIdentityStack.
 */
export function expectReadmeExampleStack(json: Json): void {
  expect(Object.keys(json.resource).sort()).toEqual([
    "azurerm_key_vault",
    "azurerm_key_vault_access_policy",
    "azurerm_key_vault_secret",
    "azurerm_role_assignment",
    "azurerm_user_assigned_identity",
    "kubernetes_deployment_v1",
    "kubernetes_manifest",
    "kubernetes_namespace_v1",
  ]);
  // AppIdentityStack: write-only secrets need Terraform 1.11; soft-deleted vaults and secrets are recovered, never purged.
  expect(json.terraform.required_version).toBe(">= 1.11.0");
  for (const p of json.provider.azurerm) {
    expect(p.features[0].key_vault[0]).toEqual({
      purge_soft_delete_on_destroy: false,
      purge_soft_deleted_secrets_on_destroy: false,
      recover_soft_deleted_key_vaults: true,
      recover_soft_deleted_secrets: true,
    });
  }
  const labels = Object.values<Json>(json.resource.kubernetes_deployment_v1)[0].spec.template.metadata.labels;
  expect(labels.aadpodidbinding).toBe("payments");
}
