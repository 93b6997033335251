import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import { KeyVault } from "../constructs/key-vault";
import { ManagedIdentity, type IManagedIdentity } from "../constructs/managed-identity";
import { PodIdentityBinding, type PodIdentityBindingProps } from "../constructs/pod-identity-binding";
import type { IPodIdentitySource } from "../constructs/principal";
import {
  IDS,
  type Json,
  appIdentity,
  issueAbout,
  agentPoolCluster,
  lookupCluster,
  newStack,
  onlyDataSourceId,
  onlyResource,
  onlyResourceId,
  resources,
  synth,
  validationErrorOf,
} from "./support/synth";

/** The guide's values: AzureIdentity `aad-user-identity`, binding `aad-user-identity-binding`, selector `bind-user-identity-keyvault`. */
interface Given {
  identity: IManagedIdentity;
  requires: ITerraformDependable[];
}

/** GIVEN the identity and its two grants (MIO for the kubelet identity, vault read). */
function given(scope: Construct): Given {
  const identity = appIdentity(scope);
  const mio = identity.grantOperator(agentPoolCluster(scope));
  const vault = new KeyVault(scope, "KeyVault", {
    name: "kv-westus2-aks",
    resourceGroupName: "rg-westus2-shared",
    location: "westus2",
    tenantId: IDS.tenant,
    subscriptionId: IDS.appSubscription,
  });
  return { identity, requires: [mio, vault.grantSecretRead(identity)] };
}

function binding(scope: Construct, g: Given, props: Partial<PodIdentityBindingProps> = {}): PodIdentityBinding {
  return new PodIdentityBinding(scope, "PodIdentity", {
    identity: g.identity,
    namespace: "aad-pod-identity-poc",
    azureIdentityName: "aad-user-identity",
    bindingName: "aad-user-identity-binding",
    selector: "bind-user-identity-keyvault",
    requires: g.requires,
    ...props,
  });
}

function manifests(json: Json): { azureIdentity: Json; binding: Json; ids: { azureIdentity: string; binding: string } } {
  const all = resources(json, "kubernetes_manifest");
  const entry = (kind: string): [string, Json] => {
    const found = Object.entries(all).filter(([, r]) => r.manifest.kind === kind);
    if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
    return found[0];
  };
  const [aiId, ai] = entry("AzureIdentity");
  const [bId, b] = entry("AzureIdentityBinding");
  return { azureIdentity: ai, binding: b, ids: { azureIdentity: aiId, binding: bId } };
}

describe("PodIdentityBinding (guide step 5)", () => {
  describe("GIVEN the guide's identity and its two grants WHEN bound", () => {
    let json: Json;
    beforeAll(() => {
      const { stack } = newStack();
      binding(stack, given(stack));
      json = synth(stack);
    });

    test("THEN the AzureIdentity is type 0 with resourceID and clientID spelled as the CRD spells them", () => {
      const { azureIdentity } = manifests(json);
      const identityRef = `azurerm_user_assigned_identity.${onlyResourceId(json, "azurerm_user_assigned_identity")}`;
      expect(azureIdentity.manifest.apiVersion).toBe("aadpodidentity.k8s.io/v1");
      expect(azureIdentity.manifest.kind).toBe("AzureIdentity");
      expect(azureIdentity.manifest.metadata).toEqual({
        name: "aad-user-identity",
        namespace: "aad-pod-identity-poc",
        annotations: { "aadpodidentity.k8s.io/Behavior": "namespaced" },
      });
      // Exactly these keys: a mis-cased field (ResourceID, ClientID) would be pruned by the API server.
      expect(azureIdentity.manifest.spec).toEqual({
        type: 0,
        resourceID: `\${${identityRef}.id}`,
        clientID: `\${${identityRef}.client_id}`,
      });
    });

    test("THEN the AzureIdentityBinding names the AzureIdentity and carries the selector", () => {
      const { binding: b } = manifests(json);
      expect(b.manifest.apiVersion).toBe("aadpodidentity.k8s.io/v1");
      expect(b.manifest.metadata).toEqual({ name: "aad-user-identity-binding", namespace: "aad-pod-identity-poc" });
      expect(b.manifest.spec).toEqual({ azureIdentity: "aad-user-identity", selector: "bind-user-identity-keyvault" });
    });

    test("THEN both manifests depend on the MIO and vault-read grants, and the binding also on the AzureIdentity", () => {
      const mio = `azurerm_role_assignment.${onlyResourceId(json, "azurerm_role_assignment")}`;
      const policy = `azurerm_key_vault_access_policy.${onlyResourceId(json, "azurerm_key_vault_access_policy")}`;
      const { azureIdentity, binding: b, ids } = manifests(json);
      expect(azureIdentity.depends_on).toEqual([mio, policy]);
      expect(b.depends_on).toEqual([mio, policy, `kubernetes_manifest.${ids.azureIdentity}`]);
    });
  });

  test("GIVEN a binding THEN workloads get the pod label aadpodidbinding = selector, its namespace and both manifests to wait for", () => {
    const { stack } = newStack();

    const b = binding(stack, given(stack));
    new NamespaceV1(stack, "After", { metadata: { name: "x" }, dependsOn: [...b.dependables] });
    const json = synth(stack);

    expect(b.podLabels).toEqual({ aadpodidbinding: "bind-user-identity-keyvault" });
    expect(b.selector).toBe("bind-user-identity-keyvault");
    expect(b.namespace).toBe("aad-pod-identity-poc");
    // Pod identity needs no ServiceAccount.
    expect((b as IPodIdentitySource).serviceAccountName).toBeUndefined();
    const { ids } = manifests(json);
    expect(onlyResource(json, "kubernetes_namespace_v1").depends_on).toEqual([
      `kubernetes_manifest.${ids.azureIdentity}`,
      `kubernetes_manifest.${ids.binding}`,
    ]);
  });

  test("GIVEN a namespace created later WHEN addDependency THEN both manifests also wait for it", () => {
    const { stack } = newStack();
    const b = binding(stack, given(stack));
    const ns = new NamespaceV1(stack, "Namespace", { metadata: { name: "aad-pod-identity-poc" } });

    b.addDependency(ns);
    const json = synth(stack);

    const nsRef = `kubernetes_namespace_v1.${onlyResourceId(json, "kubernetes_namespace_v1")}`;
    const { azureIdentity, binding: bm } = manifests(json);
    expect(azureIdentity.depends_on).toContain(nsRef);
    expect(bm.depends_on).toContain(nsRef);
    expect(azureIdentity.depends_on).toHaveLength(3);
    expect(bm.depends_on).toHaveLength(4);
  });

  test("GIVEN namespaced false THEN the AzureIdentity has no Behavior annotation", () => {
    const { stack } = newStack();

    binding(stack, given(stack), { namespaced: false });
    const { azureIdentity } = manifests(synth(stack));

    expect(azureIdentity.manifest.metadata).toEqual({ name: "aad-user-identity", namespace: "aad-pod-identity-poc" });
  });

  test("GIVEN an imported identity THEN resourceID and clientID reference the data source", () => {
    const { stack } = newStack();
    const identity = ManagedIdentity.fromExisting(stack, "Identity", {
      name: "aks-aad-user-identity",
      resourceGroupName: "rg-westus2-shared",
      subscriptionId: IDS.appSubscription,
    });
    const mio = identity.grantOperator(lookupCluster(stack));

    binding(stack, { identity, requires: [mio] });
    const json = synth(stack);

    const ref = `data.azurerm_user_assigned_identity.${onlyDataSourceId(json, "azurerm_user_assigned_identity")}`;
    expect(manifests(json).azureIdentity.manifest.spec).toEqual({ type: 0, resourceID: `\${${ref}.id}`, clientID: `\${${ref}.client_id}` });
  });

  test("GIVEN a kubernetes provider alias THEN both manifests use it", () => {
    const { stack } = newStack();
    const k8s = new KubernetesProvider(stack, "AksKubernetes", { alias: "aks", configPath: "~/.kube/config" });

    binding(stack, given(stack), { provider: k8s });
    const { azureIdentity, binding: b } = manifests(synth(stack));

    expect(azureIdentity.provider).toBe("kubernetes.aks");
    expect(b.provider).toBe("kubernetes.aks");
  });

  describe("validation", () => {
    test("GIVEN no grants in requires WHEN bound THEN it throws, saying which grants to pass", () => {
      const { stack } = newStack();
      const g = given(stack);

      const issue = issueAbout(() => binding(stack, { ...g, requires: [] }), "requires");

      expect(issue.problem).toMatch(/LinkedAuthorizationFailed/);
      expect(issue.fix).toMatch(/grantOperator\(cluster\)/);
      expect(issue.fix).toMatch(/grantSecretRead\(identity\)/);
      expect(resources(synth(stack), "kubernetes_manifest")).toEqual({});
    });

    test.each([["a".repeat(64)], ["-bad-"], ["bad-"], ["bind user"], ["bind/user"], [""]])(
      "GIVEN selector %j WHEN bound THEN it throws naming the selector",
      (selector) => {
        const { stack } = newStack();

        const e = validationErrorOf(() => binding(stack, given(stack), { selector }));

        expect(e.issues.map((i) => [i.field, i.value])).toEqual([["selector", selector]]);
        expect(e.message).toContain(`test/PodIdentity: selector ${JSON.stringify(selector)}`);
      },
    );

    test("GIVEN a 63-character selector THEN it is accepted and used as the label", () => {
      const { stack } = newStack();
      const selector = "b".repeat(63);

      const b = binding(stack, given(stack), { selector });

      expect(b.podLabels).toEqual({ aadpodidbinding: selector });
      expect(manifests(synth(stack)).binding.manifest.spec.selector).toBe(selector);
    });

    test("GIVEN bad namespace and object names WHEN bound THEN each is reported", () => {
      const { stack } = newStack();

      const e = validationErrorOf(() =>
        binding(stack, given(stack), { namespace: "Aad_Pod", azureIdentityName: "Aad-User-Identity", bindingName: "binding_1" }),
      );

      expect(e.issues.map((i) => [i.field, i.value])).toEqual([
        ["namespace", "Aad_Pod"],
        ["azureIdentityName", "Aad-User-Identity"],
        ["bindingName", "binding_1"],
      ]);
    });
  });
});
