// SecretProviderClass: the Key Vault reader for workload identity (Secrets Store CSI driver).
import { KeyVault } from "../constructs/key-vault";
import { SecretProviderClass } from "../constructs/secret-provider-class";
import { IDS, appIdentity, newStack, onlyResource, onlyResourceId, synth, validationErrorOf } from "./support/synth";
import type { Construct } from "constructs";

function vault(scope: Construct): KeyVault {
  return new KeyVault(scope, "KeyVault", {
    name: "kv-westus2-aks",
    resourceGroupName: "rg-westus2-shared",
    location: "westus2",
    tenantId: IDS.tenant,
    subscriptionId: IDS.appSubscription,
    secrets: [{ name: "grafana-admin-username-poc", expirationDate: "2027-06-30T00:00:00Z" }],
    deployerAccess: false,
  });
}

describe("SecretProviderClass", () => {
  test("GIVEN no tenantId WHEN created THEN the tenant is the vault's (one source of truth)", () => {
    const { stack } = newStack("spc", { kubernetesProvider: true });
    new SecretProviderClass(stack, "Reader", {
      name: "reader-keyvault",
      namespace: "aad-pod-identity-poc",
      keyVault: vault(stack),
      identity: appIdentity(stack),
      secretNames: ["grafana-admin-username-poc"],
    });
    expect(onlyResource(synth(stack), "kubernetes_manifest").manifest.spec.parameters.tenantId).toBe(IDS.tenant);
  });

  test("GIVEN a vault, an identity and a secret WHEN created THEN the CSI SecretProviderClass names the vault, the tenant, the identity's clientID and the secret, without pod identity", () => {
    // GIVEN
    const { stack } = newStack("spc", { kubernetesProvider: true });
    const kv = vault(stack);
    const identity = appIdentity(stack);
    // WHEN
    new SecretProviderClass(stack, "Reader", {
      name: "az-keyvault-reader-test-keyvault",
      namespace: "aad-pod-identity-poc",
      keyVault: kv,
      identity,
      tenantId: IDS.tenant,
      secretNames: ["grafana-admin-username-poc"],
    });
    const json = synth(stack);
    // THEN
    const manifest = onlyResource(json, "kubernetes_manifest").manifest;
    expect(manifest.apiVersion).toBe("secrets-store.csi.x-k8s.io/v1");
    expect(manifest.kind).toBe("SecretProviderClass");
    expect(manifest.metadata).toEqual({ name: "az-keyvault-reader-test-keyvault", namespace: "aad-pod-identity-poc" });
    expect(manifest.spec.provider).toBe("azure");
    expect(manifest.spec.parameters).toEqual({
      usePodIdentity: "false",
      clientID: `\${azurerm_user_assigned_identity.${onlyResourceId(json, "azurerm_user_assigned_identity")}.client_id}`,
      keyvaultName: "kv-westus2-aks",
      tenantId: IDS.tenant,
      objects: "array:\n  - |\n    objectName: grafana-admin-username-poc\n    objectType: secret",
    });
  });

  test("GIVEN a secret the vault does not hold, a bad name and no secrets WHEN created THEN one error lists each with its value", () => {
    const { stack } = newStack("spc-bad", { kubernetesProvider: true });
    const kv = vault(stack);
    const identity = appIdentity(stack);
    const err = validationErrorOf(
      () =>
        new SecretProviderClass(stack, "Reader", {
          name: "Reader_Class",
          namespace: "aad-pod-identity-poc",
          keyVault: kv,
          identity,
          tenantId: IDS.tenant,
          secretNames: ["grafana-admin-password"],
        }),
    );
    expect(err.issues.map((i) => [i.field, i.value])).toEqual([
      ["name", "Reader_Class"],
      ["secretNames", "grafana-admin-password"],
    ]);
    expect(err.message).toContain('secretNames "grafana-admin-password" is not a secret of vault "kv-westus2-aks"');
    const empty = validationErrorOf(
      () =>
        new SecretProviderClass(stack, "Empty", {
          name: "empty",
          namespace: "ns",
          keyVault: kv,
          identity,
          tenantId: IDS.tenant,
          secretNames: [],
        }),
    );
    expect(empty.issues.map((i) => i.field)).toEqual(["secretNames"]);
  });
});
