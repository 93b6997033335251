/**
 * KubernetesDeployment is a narrow, hand-written binding of `kubernetes_deployment_v1`
 * (constructs/kubernetes-deployment.ts says why). These tests hold it to the generated
 * binding it replaces: each shape is synthesized once through `DeploymentV1` and once
 * through `KubernetesDeployment`, as JSON and as HCL, and the outputs must be identical.
 */
import { App, Fn, TerraformStack, Testing } from "cdktf";
import { DeploymentV1, type DeploymentV1Config } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { type KubernetesDeploymentConfig, KubernetesDeployment } from "../constructs/kubernetes-deployment";

// Compile-time drift check: every field of ours has the generated binding's name and type.
// A field retyped upstream makes the type check (oxlint in npm test, `npm run typecheck`) fail here; a field renamed upstream
// makes the output comparisons below fail (the second shape sets every field the binding has).
const generatedConfig = (c: KubernetesDeploymentConfig): DeploymentV1Config => c;

const HARDENED = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  privileged: false,
  capabilities: { drop: ["ALL"] },
};

type Shape = (ns: NamespaceV1) => KubernetesDeploymentConfig;

/** The shapes KeyVaultReaderWorkload writes, and every field the binding has. */
const SHAPES: Array<[string, Shape]> = [
  [
    "the guide's reader beside the az-keyvault-reader sidecar (pod identity)",
    (ns) => ({
      metadata: { name: "az-keyvault-reader-test", namespace: ns.metadata.name, labels: { app: "az-keyvault-reader-test" } },
      spec: {
        replicas: "1",
        selector: { matchLabels: { app: "az-keyvault-reader-test" } },
        template: {
          metadata: { labels: { app: "az-keyvault-reader-test", aadpodidbinding: "bind-user-identity-keyvault" } },
          spec: {
            automountServiceAccountToken: false,
            restartPolicy: "Always",
            securityContext: { runAsNonRoot: true, runAsUser: "65534", runAsGroup: "65534", seccompProfile: { type: "RuntimeDefault" } },
            container: [
              {
                name: "busybox",
                image: "busybox:1.36.1",
                imagePullPolicy: "IfNotPresent",
                command: ["sh", "-c", 'echo "${HOME}" %{x}'],
                resources: { requests: { memory: "4Mi", cpu: "100m" }, limits: { memory: "8Mi", cpu: "200m" } },
                securityContext: HARDENED,
              },
              {
                name: "az-keyvault-reader-sidecar",
                image: "cmendibl3/az-keyvault-reader:0.2",
                env: [{ name: "AZURE_KEYVAULT_NAME", value: Fn.lower("KV-WESTUS2") }],
                securityContext: HARDENED,
              },
            ],
          },
        },
      },
      dependsOn: [ns],
    }),
  ],
  [
    "the CSI reader (workload identity), with every other field of the binding",
    (ns) => ({
      metadata: { name: "reader", namespace: "apps", labels: { app: "reader" }, annotations: { "example.com/a": "b" } },
      spec: {
        replicas: "3",
        selector: { matchLabels: { app: "reader" } },
        template: {
          metadata: { labels: { app: "reader", "azure.workload.identity/use": "true" }, annotations: { note: ns.id } },
          spec: {
            serviceAccountName: "reader",
            automountServiceAccountToken: true,
            container: [
              {
                name: "busybox",
                image: "busybox:1.36.1",
                args: ["-c", "true"],
                command: ["sh"],
                env: [{ name: "ONLY_NAME" }],
                securityContext: { ...HARDENED, capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] } },
                volumeMount: [{ name: "secrets-store", mountPath: "/mnt/secrets-store", readOnly: true }],
              },
            ],
            volume: [
              {
                name: "secrets-store",
                csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "reader-spc" } },
              },
            ],
          },
        },
      },
    }),
  ],
  [
    "the minimum: metadata, selector and an empty pod template",
    () => ({ metadata: { name: "m" }, spec: { selector: {}, template: { metadata: {}, spec: {} } } }),
  ],
];

function stackWith(build: (stack: TerraformStack, ns: NamespaceV1) => void): TerraformStack {
  const stack = new TerraformStack(Testing.stubVersion(new App({ stackTraces: false })), "s");
  new KubernetesProvider(stack, "k8s", { configPath: "~/.kube/config" });
  build(stack, new NamespaceV1(stack, "Ns", { metadata: { name: "aad-pod-identity-poc" } }));
  return stack;
}

describe.each(SHAPES)("GIVEN %s", (_title, shape) => {
  const ours = stackWith((s, ns) => new KubernetesDeployment(s, "Deployment", shape(ns)));
  const generated = stackWith((s, ns) => new DeploymentV1(s, "Deployment", generatedConfig(shape(ns))));

  test("WHEN synthesized as JSON THEN cdk.tf.json is the generated binding's, byte for byte", () => {
    const json = Testing.synth(ours, true);
    expect(json).toBe(Testing.synth(generated, true));
    expect(JSON.parse(json).resource.kubernetes_deployment_v1.Deployment.metadata.name).toBeDefined();
  });

  test("WHEN synthesized as HCL (cdktf synth --hcl) THEN cdk.tf is the generated binding's", () => {
    const hcl = Testing.synthHcl(ours, true) as string;
    expect(hcl).toBe(Testing.synthHcl(generated, true));
    expect(hcl).toMatch(/resource "kubernetes_deployment_v1" "Deployment" \{/);
  });
});

test("GIVEN a deployment WHEN its id is referenced THEN it is the resource's id attribute", () => {
  const stack = stackWith((s, ns) => {
    const d = new KubernetesDeployment(s, "Deployment", SHAPES[0][1](ns));
    new NamespaceV1(s, "Other", { metadata: { name: "other", labels: { ref: d.id } } });
  });
  const json = JSON.parse(Testing.synth(stack, true));
  expect(json.resource.kubernetes_namespace_v1.Other.metadata.labels.ref).toBe("${kubernetes_deployment_v1.Deployment.id}");
  expect(KubernetesDeployment.tfResourceType).toBe(DeploymentV1.tfResourceType);
});

test("GIVEN a field the binding does not have WHEN set with addOverride THEN it reaches cdk.tf.json", () => {
  const stack = stackWith((s, ns) => {
    const d = new KubernetesDeployment(s, "Deployment", SHAPES[2][1](ns));
    d.addOverride("spec.strategy.type", "Recreate");
  });
  const json = JSON.parse(Testing.synth(stack, true));
  expect(json.resource.kubernetes_deployment_v1.Deployment.spec.strategy).toEqual({ type: "Recreate" });
});
