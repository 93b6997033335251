import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import type { Construct } from "constructs";
import { KeyVault, type IKeyVault } from "../constructs/key-vault";
import { DEFAULT_IMAGES, KeyVaultReaderWorkload, type KeyVaultReaderWorkloadProps } from "../constructs/keyvault-reader-workload";
import type { IManagedIdentity } from "../constructs/managed-identity";
import { PodIdentityBinding } from "../constructs/pod-identity-binding";
import { SecretProviderClass } from "../constructs/secret-provider-class";
import { WorkloadIdentityFederation } from "../constructs/workload-identity-federation";
import { Rules } from "../constructs/validation";
import type { AksCluster } from "../constructs/aks-cluster";
import {
  IDS,
  type Json,
  appIdentity,
  issueAbout,
  agentPoolCluster,
  newStack,
  onlyResource,
  onlyResourceId,
  resources,
  synth,
  validationErrorOf,
} from "./support/synth";

const NS = "aad-pod-identity-poc";
const SECRET = "grafana-admin-username-poc";

interface World {
  identity: IManagedIdentity;
  cluster: AksCluster;
  vault: IKeyVault;
  binding: PodIdentityBinding;
}

/** GIVEN the guide's steps 1–5: identity, vault with the secret, grants and the pod-identity binding. */
function world(scope: Construct, selector = "bind-user-identity-keyvault"): World {
  const identity = appIdentity(scope);
  // Known by its agent pool and issuer URL (cheaper to build than a cluster lookup; enough for both mechanisms).
  const cluster = agentPoolCluster(scope, "Aks", {
    oidcIssuerUrl: "https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/x/",
  });
  const vault = new KeyVault(scope, "KeyVault", {
    name: "kv-westus2-aks",
    resourceGroupName: "rg-westus2-shared",
    location: "westus2",
    tenantId: IDS.tenant,
    subscriptionId: IDS.appSubscription,
    secrets: [{ name: SECRET }],
  });
  const binding = new PodIdentityBinding(scope, "PodIdentity", {
    identity,
    namespace: NS,
    azureIdentityName: "aad-user-identity",
    bindingName: "aad-user-identity-binding",
    selector,
    requires: [identity.grantOperator(cluster), vault.grantSecretRead(identity)],
  });
  return { identity, cluster, vault, binding };
}

function federation(
  scope: Construct,
  w: World,
  serviceAccountName = "keyvault-reader",
  id = "WorkloadIdentity",
): WorkloadIdentityFederation {
  return new WorkloadIdentityFederation(scope, id, {
    identity: w.identity,
    cluster: w.cluster,
    namespace: NS,
    serviceAccountName,
  });
}

function workload(scope: Construct, w: World, props: Partial<KeyVaultReaderWorkloadProps> = {}): KeyVaultReaderWorkload {
  return new KeyVaultReaderWorkload(scope, "Reader", {
    name: "az-keyvault-reader-test",
    namespace: NS,
    keyVault: w.vault,
    secretName: SECRET,
    identities: [w.binding],
    ...props,
  });
}

function deployment(json: Json): Json {
  return onlyResource(json, "kubernetes_deployment_v1");
}

function container(json: Json, name: string): Json {
  const c = deployment(json).spec.template.spec.container.find((x: Json) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}

function manifestIds(json: Json): string[] {
  return Object.keys(resources(json, "kubernetes_manifest")).map((id) => `kubernetes_manifest.${id}`);
}

describe("KeyVaultReaderWorkload (guide step 6)", () => {
  describe("with a pod-identity binding", () => {
    test("GIVEN a binding WHEN the reader is deployed THEN it is a typed kubernetes_deployment_v1 whose pods carry the binding's label and whose selector is only app", () => {
      // GIVEN a selector that is not the guide's, so the label can only come from the binding object
      const { stack } = newStack();
      const w = world(stack, "team-payments-kv");

      // WHEN
      const reader = workload(stack, w);
      const json = synth(stack);

      // THEN
      const d = deployment(json);
      // Typed resource, not a manifest: only the two aad-pod-identity CRs are manifests.
      expect(
        Object.values(resources(json, "kubernetes_manifest"))
          .map((m) => m.manifest.kind)
          .sort(),
      ).toEqual(["AzureIdentity", "AzureIdentityBinding"]);
      expect(d.metadata).toEqual({ name: "az-keyvault-reader-test", namespace: NS, labels: { app: "az-keyvault-reader-test" } });
      expect(d.spec.replicas).toBe("1");
      expect(d.spec.selector).toEqual({ match_labels: { app: "az-keyvault-reader-test" } });
      expect(d.spec.template.metadata.labels).toEqual({ app: "az-keyvault-reader-test", aadpodidbinding: "team-payments-kv" });
      expect(d.spec.template.metadata.labels.aadpodidbinding).toBe(w.binding.podLabels.aadpodidbinding);
      expect(reader.podLabels).toEqual(d.spec.template.metadata.labels);
    });

    describe("GIVEN the guide's binding and default props WHEN the reader is deployed", () => {
      let json: Json;
      beforeAll(() => {
        const { stack } = newStack();
        workload(stack, world(stack));
        json = synth(stack);
      });

      test("THEN busybox asks the sidecar for the secret URL and the sidecar reads the vault named in AZURE_KEYVAULT_NAME", () => {
        const containers = deployment(json).spec.template.spec.container;
        expect(containers.map((c: Json) => c.name)).toEqual(["busybox", "az-keyvault-reader-sidecar"]);
        const busybox = container(json, "busybox");
        expect(busybox.command[0]).toBe("sh");
        expect(busybox.command[1]).toBe("-c");
        expect(busybox.command[2]).toContain(`http://127.0.0.1:8333/secrets/${SECRET}/`);
        // The test logs whether the secret is readable; it never prints the secret value.
        expect(busybox.command[2]).toContain("-qO /dev/null");
        expect(busybox.command[2]).not.toContain("-qO-");
        expect(container(json, "az-keyvault-reader-sidecar").env).toEqual([{ name: "AZURE_KEYVAULT_NAME", value: "kv-westus2-aks" }]);
      });

      test("THEN requests and limits are the guide's", () => {
        expect(container(json, "busybox").resources).toEqual({
          requests: { memory: "4Mi", cpu: "100m" },
          limits: { memory: "8Mi", cpu: "200m" },
        });
        expect(container(json, "az-keyvault-reader-sidecar").resources).toEqual({
          requests: { memory: "8Mi", cpu: "100m" },
          limits: { memory: "16Mi", cpu: "200m" },
        });
      });

      test("THEN both images are pinned to a tag that is not latest", () => {
        const images: string[] = deployment(json).spec.template.spec.container.map((c: Json) => c.image);

        expect(images).toEqual([DEFAULT_IMAGES.reader, DEFAULT_IMAGES.sidecar]);
        for (const image of images) {
          const tag = image.includes("@") ? image.split("@")[1] : image.split(":")[1];
          expect(tag).toBeTruthy();
          expect(tag).not.toBe("latest");
        }
      });

      test("THEN both containers and the pod run hardened (non-root, read-only root, no escalation, all capabilities dropped)", () => {
        for (const name of ["busybox", "az-keyvault-reader-sidecar"]) {
          expect(container(json, name).security_context).toEqual({
            allow_privilege_escalation: false,
            read_only_root_filesystem: true,
            run_as_non_root: true,
            privileged: false,
            capabilities: { drop: ["ALL"] },
          });
          expect(container(json, name).image_pull_policy).toBe("IfNotPresent");
        }
        const pod = deployment(json).spec.template.spec;
        expect(pod.security_context).toEqual({
          run_as_non_root: true,
          run_as_user: "65534",
          run_as_group: "65534",
          seccomp_profile: { type: "RuntimeDefault" },
        });
      });

      test("THEN the Deployment waits for both CRs, runs as no particular ServiceAccount and mounts no token", () => {
        const d = deployment(json);
        expect([...d.depends_on].sort()).toEqual(manifestIds(json).sort());
        expect(d.depends_on).toHaveLength(2);
        expect(d.spec.template.spec).not.toHaveProperty("service_account_name");
        expect(d.spec.template.spec.automount_service_account_token).toBe(false);
        expect(resources(json, "kubernetes_namespace_v1")).toEqual({});
      });
    });

    test("GIVEN createNamespace WHEN deployed THEN the namespace is created and the Deployment waits for it", () => {
      const { stack } = newStack();

      const reader = workload(stack, world(stack), { createNamespace: true });
      const json = synth(stack);

      expect(onlyResource(json, "kubernetes_namespace_v1").metadata).toEqual({ name: NS });
      expect(deployment(json).depends_on).toContain(`kubernetes_namespace_v1.${onlyResourceId(json, "kubernetes_namespace_v1")}`);
      expect(reader.namespaceResource).toBeDefined();
    });

    test("GIVEN replicas, images and a provider alias THEN they are used", () => {
      const { stack } = newStack();
      const k8s = new KubernetesProvider(stack, "AksKubernetes", { alias: "aks", configPath: "~/.kube/config" });

      workload(stack, world(stack), {
        replicas: 3,
        images: { reader: "busybox:1.37.0", sidecar: "example.azurecr.io/kv-reader@sha256:abc" },
        provider: k8s,
        createNamespace: true,
      });
      const json = synth(stack);

      const d = deployment(json);
      expect(d.spec.replicas).toBe("3");
      expect(container(json, "busybox").image).toBe("busybox:1.37.0");
      expect(container(json, "az-keyvault-reader-sidecar").image).toBe("example.azurecr.io/kv-reader@sha256:abc");
      expect(d.provider).toBe("kubernetes.aks");
      expect(onlyResource(json, "kubernetes_namespace_v1").provider).toBe("kubernetes.aks");
    });
  });

  describe("with workload identity", () => {
    test("GIVEN a WorkloadIdentityFederation WHEN the reader is deployed THEN pods run as its ServiceAccount with the webhook label, and wait for credential and ServiceAccount", () => {
      // GIVEN
      const { stack } = newStack();
      const w = world(stack);
      const wi = federation(stack, w);

      // WHEN
      workload(stack, w, { identities: [wi] });
      const json = synth(stack);

      // THEN
      const d = deployment(json);
      expect(d.spec.template.spec.service_account_name).toBe("keyvault-reader");
      expect(d.spec.template.spec.automount_service_account_token).toBe(true);
      expect(d.spec.template.metadata.labels).toEqual({ app: "az-keyvault-reader-test", "azure.workload.identity/use": "true" });
      expect(d.spec.template.metadata.labels).not.toHaveProperty("aadpodidbinding");
      expect(d.spec.selector).toEqual({ match_labels: { app: "az-keyvault-reader-test" } });
      expect(d.depends_on).toEqual([
        `azurerm_federated_identity_credential.${onlyResourceId(json, "azurerm_federated_identity_credential")}`,
        `kubernetes_service_account_v1.${onlyResourceId(json, "kubernetes_service_account_v1")}`,
      ]);
    });

    test("GIVEN both a binding and a federation (migration) THEN pods carry both labels and the selector is still only app", () => {
      const { stack } = newStack();
      const w = world(stack);

      workload(stack, w, { identities: [w.binding, federation(stack, w)] });
      const d = deployment(synth(stack));

      expect(d.spec.template.metadata.labels).toEqual({
        app: "az-keyvault-reader-test",
        aadpodidbinding: "bind-user-identity-keyvault",
        "azure.workload.identity/use": "true",
      });
      expect(d.spec.selector).toEqual({ match_labels: { app: "az-keyvault-reader-test" } });
      expect(d.depends_on).toHaveLength(4);
    });

    test("GIVEN a SecretProviderClass THEN one hardened container checks the CSI-mounted file; there is no sidecar", () => {
      const { stack } = newStack();
      const w = world(stack);
      const wi = federation(stack, w);
      const spc = new SecretProviderClass(stack, "Spc", {
        name: "kv-westus2-aks",
        namespace: NS,
        keyVault: w.vault,
        identity: w.identity,
        tenantId: IDS.tenant,
        secretNames: [SECRET],
      });

      workload(stack, w, { identities: [wi], secretProviderClass: spc });
      const json = synth(stack);

      const pod = deployment(json).spec.template.spec;
      expect(pod.container.map((c: Json) => c.name)).toEqual(["busybox"]);
      const [reader] = pod.container;
      expect(reader.command[2]).toContain(`test -s /mnt/secrets-store/${SECRET}`);
      expect(reader.command[2]).not.toContain("127.0.0.1:8333");
      expect(reader.volume_mount).toEqual([{ name: "secrets-store", mount_path: "/mnt/secrets-store", read_only: true }]);
      expect(reader.security_context.read_only_root_filesystem).toBe(true);
      expect(reader.resources).toEqual({ requests: { memory: "4Mi", cpu: "100m" }, limits: { memory: "8Mi", cpu: "200m" } });
      expect(pod.volume).toEqual([
        {
          name: "secrets-store",
          csi: { driver: "secrets-store.csi.k8s.io", read_only: true, volume_attributes: { secretProviderClass: "kv-westus2-aks" } },
        },
      ]);
      const spcId = Object.entries(resources(json, "kubernetes_manifest")).find(([, m]) => m.manifest.kind === "SecretProviderClass")![0];
      expect(deployment(json).depends_on).toEqual([
        `azurerm_federated_identity_credential.${onlyResourceId(json, "azurerm_federated_identity_credential")}`,
        `kubernetes_service_account_v1.${onlyResourceId(json, "kubernetes_service_account_v1")}`,
        `kubernetes_manifest.${spcId}`,
      ]);
    });
  });

  describe("validation", () => {
    test("GIVEN a secret the vault does not hold WHEN deployed THEN it throws, listing what the vault holds", () => {
      const { stack } = newStack();
      const w = world(stack);

      const issue = issueAbout(() => workload(stack, w, { secretName: "db-password" }), "secretName");

      expect(issue.value).toBe("db-password");
      expect(issue.problem).toBe(`is not a secret of vault "kv-westus2-aks" (it holds: ${SECRET})`);
      expect(resources(synth(stack), "kubernetes_deployment_v1")).toEqual({});
    });

    test("GIVEN an imported vault with an external secret THEN that secret can be read", () => {
      const { stack } = newStack();
      const w = world(stack);
      const existing = KeyVault.fromExisting(stack, "Existing", {
        name: "kv-shared",
        resourceGroupName: "rg-westus2-shared",
        subscriptionId: IDS.appSubscription,
        rbacAuthorization: false,
        existingSecretNames: ["db-password"],
      });

      workload(stack, w, { keyVault: existing, secretName: "db-password" });

      expect(container(synth(stack), "az-keyvault-reader-sidecar").env).toEqual([{ name: "AZURE_KEYVAULT_NAME", value: "kv-shared" }]);
    });

    test("GIVEN no identities WHEN deployed THEN it throws: the pods would get no token", () => {
      const { stack } = newStack();

      const issue = issueAbout(() => workload(stack, world(stack), { identities: [] }), "identities");

      expect(issue.problem).toMatch(/no Azure token/);
      expect(issue.fix).toMatch(/PodIdentityBinding/);
    });

    test("GIVEN a workload namespace that differs from the binding's WHEN deployed THEN it throws naming both namespaces", () => {
      const { stack } = newStack();

      const issue = issueAbout(() => workload(stack, world(stack), { namespace: "other-team" }), "namespace");

      expect(issue.value).toBe("other-team");
      expect(issue.problem).toContain(`"${NS}"`);
      expect(issue.problem).toMatch(/never match/);
    });

    test("GIVEN two federations with different ServiceAccounts WHEN deployed THEN it throws", () => {
      const { stack } = newStack();
      const w = world(stack);

      const issue = issueAbout(
        () => workload(stack, w, { identities: [federation(stack, w, "sa-a", "WiA"), federation(stack, w, "sa-b", "WiB")] }),
        "identities",
      );

      expect(issue.value).toEqual(["sa-a", "sa-b"]);
    });

    test("GIVEN a SecretProviderClass for another secret WHEN deployed THEN it throws", () => {
      const { stack } = newStack();
      const w = world(stack);
      w.vault.addSecret({ name: "db-password" });
      const spc = new SecretProviderClass(stack, "Spc", {
        name: "kv-westus2-aks",
        namespace: NS,
        keyVault: w.vault,
        identity: w.identity,
        tenantId: IDS.tenant,
        secretNames: ["db-password"],
      });

      const issue = issueAbout(
        () => workload(stack, w, { identities: [federation(stack, w)], secretProviderClass: spc }),
        "secretProviderClass",
      );

      expect(issue.value).toBe("kv-westus2-aks");
      expect(issue.problem).toContain(SECRET);
    });

    test.each([[-1], [1.5]])("GIVEN replicas %p WHEN deployed THEN it throws", (replicas) => {
      const { stack } = newStack();
      const issue = issueAbout(() => workload(stack, world(stack), { replicas }), "replicas");
      expect(issue.value).toBe(replicas);
    });

    test("GIVEN replicas 0 THEN it is accepted (scaled down)", () => {
      const { stack } = newStack();
      workload(stack, world(stack), { replicas: 0 });
      expect(deployment(synth(stack)).spec.replicas).toBe("0");
    });

    test("GIVEN a 64-character name (a valid object name, but also the pods' app label) WHEN deployed THEN it throws", () => {
      const { stack } = newStack();
      const name = "a".repeat(64);

      const issue = issueAbout(() => workload(stack, world(stack), { name }), "name");

      expect(issue.value).toBe(name);
      // The app label's rule, the same one the config validator applies to workload.name.
      expect(issue.problem).toBe(`is invalid: ${Rules.labelValue.requirement}`);
      expect(issue.fix).toBe(Rules.labelValue.fix);
    });

    test("GIVEN a 63-character name THEN it is accepted as name and app label", () => {
      const { stack } = newStack();
      const name = "a".repeat(63);

      workload(stack, world(stack), { name });

      expect(deployment(synth(stack)).spec.selector.match_labels).toEqual({ app: name });
    });

    test("GIVEN a bad name and secret name WHEN deployed THEN both are reported", () => {
      const { stack } = newStack();

      const e = validationErrorOf(() => workload(stack, world(stack), { name: "Reader_Test", secretName: "grafana_admin" }));

      expect(e.issues.map((i) => i.field)).toEqual(["name", "secretName", "secretName"]);
      expect(e.issues[0].value).toBe("Reader_Test");
    });
  });
});
