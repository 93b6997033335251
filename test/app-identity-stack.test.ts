import { KeyVault } from "../constructs/key-vault";
import { AppIdentityStack, type AppIdentityStackProps } from "../constructs/app-identity-stack";
import { REQUIRED_TERRAFORM } from "../constructs/providers";
import { IDS, type Json, synth, testApp, validationErrorOf } from "./support/synth";

const PROPS: AppIdentityStackProps = {
  tenantId: IDS.tenant,
  subscriptionId: IDS.appSubscription,
  cluster: {
    subscriptionId: IDS.clusterSubscription,
    lookup: { name: "aks-poc-container", resourceGroupName: "rg-aks-poc-container" },
    kubernetes: { kind: "exec" },
  },
};

describe("AppIdentityStack", () => {
  describe("GIVEN the stack with defaults WHEN synthesized", () => {
    const stack = new AppIdentityStack(testApp(), "apps", PROPS);
    const json: Json = synth(stack);

    test("THEN it requires Terraform 1.11 (write-only secrets)", () => {
      expect(json.terraform.required_version).toBe(REQUIRED_TERRAFORM);
      expect(REQUIRED_TERRAFORM).toBe(">= 1.11.0");
    });

    test("THEN two azurerm providers (app subscription, alias cluster) recover soft-deleted vaults and secrets and never purge", () => {
      const providers = json.provider.azurerm as Json[];
      expect(providers.map((p) => [p.alias, p.subscription_id, p.tenant_id])).toEqual([
        [undefined, IDS.appSubscription, IDS.tenant],
        ["cluster", IDS.clusterSubscription, IDS.tenant],
      ]);
      for (const p of providers) {
        expect(p.features[0].key_vault[0]).toEqual({
          purge_soft_delete_on_destroy: false,
          purge_soft_deleted_secrets_on_destroy: false,
          recover_soft_deleted_key_vaults: true,
          recover_soft_deleted_secrets: true,
        });
        expect(p.resource_provider_registrations).toBe("none");
      }
    });

    test("THEN the cluster is looked up through the cluster provider and the kubernetes provider uses kubelogin against it", () => {
      const [lookup] = Object.values<Json>(json.data.azurerm_kubernetes_cluster);
      expect(lookup.provider).toBe("azurerm.cluster");
      const [k8s] = json.provider.kubernetes as Json[];
      expect(k8s.host).toContain("data.azurerm_kubernetes_cluster.");
      expect(k8s.exec[0].command).toBe("kubelogin");
    });
  });

  test("GIVEN purgeOnDestroy THEN both providers purge on destroy (and still recover)", () => {
    const json = synth(new AppIdentityStack(testApp(), "apps", { ...PROPS, dataProtection: { purgeOnDestroy: true } }));
    for (const p of json.provider.azurerm as Json[]) {
      expect(p.features[0].key_vault[0]).toMatchObject({ purge_soft_delete_on_destroy: true, recover_soft_deleted_key_vaults: true });
    }
  });

  test("GIVEN a vault without purge protection in the stack WHEN synthesized THEN the security policy reports it as an error", () => {
    const stack = new AppIdentityStack(testApp(), "apps", PROPS);
    new KeyVault(stack, "Vault", {
      name: "kv-payments-dev",
      resourceGroupName: "rg",
      location: "westus2",
      tenantId: IDS.tenant,
      subscriptionId: IDS.appSubscription,
      purgeProtection: false,
      network: { kind: "firewall", ipRules: ["203.0.113.0/24"] },
    });
    synth(stack);
    const errors = stack.policy.findings.filter((f) => f.severity === "error");
    expect(errors.map((f) => f.address)).toEqual([expect.stringMatching(/^azurerm_key_vault\.Vault_/)]);
    expect(errors[0].message).toContain("purge");
  });

  test("GIVEN a bad tenant, subscription and cluster subscription WHEN created THEN all three at once, with value and fix", () => {
    const e = validationErrorOf(
      () =>
        new AppIdentityStack(testApp(), "apps", {
          ...PROPS,
          tenantId: "contoso",
          subscriptionId: "sub",
          cluster: { ...PROPS.cluster, subscriptionId: "x" },
        }),
    );
    expect(e.issues.map((i) => [i.context, i.field, i.value])).toEqual([
      ["apps", "tenantId", "contoso"],
      ["apps", "subscriptionId", "sub"],
      ["apps", "cluster.subscriptionId", "x"],
    ]);
    expect(e.issues[0].fix).toContain("az account show");
  });

  test("GIVEN neither lookup nor agentPool THEN the error says which to set", () => {
    const e = validationErrorOf(
      () =>
        new AppIdentityStack(testApp(), "apps", {
          ...PROPS,
          cluster: { subscriptionId: IDS.clusterSubscription, kubernetes: { kind: "kubeconfig", configPath: "~/.kube/config" } },
        }),
    );
    expect(e.issues).toEqual([expect.objectContaining({ field: "cluster", problem: "has neither lookup nor agentPool" })]);
  });

  test("GIVEN a construct validation of someone else WHEN synthesized THEN it is reported as an issue with the construct path as context", () => {
    const stack = new AppIdentityStack(testApp(), "apps", PROPS);
    stack.node.addValidation({ validate: () => ["something is off"] });
    const e = validationErrorOf(() => synth(stack));
    expect(e.issues).toEqual([
      { context: "apps", field: "(construct)", value: undefined, problem: "something is off", fix: "see the message" },
    ]);
  });
});
