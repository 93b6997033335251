import { Construct } from "constructs";
import { type ITerraformDependable, type TerraformProvider } from "cdktf";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import type { IKeyVault } from "./key-vault";
import type { IPodIdentitySource } from "./principal";
import type { SecretProviderClass } from "./secret-provider-class";
import { type KubernetesContainer, KubernetesDeployment } from "./kubernetes-deployment";
import { SECRETS_MOUNT_PATH, SECRETS_STORE_CSI_DRIVER, sidecarSecretUrl } from "./facts";
import { Checker, Rules, requireProps, MISSING_PROP_FIXES as FIX } from "./validation";

/** Pinned images of the guide's test (never `latest`). */
export const DEFAULT_IMAGES = {
  /** The container that reads the secret through the sidecar. */
  reader: "busybox:1.36.1",
  /** Reads Key Vault with the pod's identity and serves `/secrets/<name>/` on 127.0.0.1:8333. */
  sidecar: "cmendibl3/az-keyvault-reader:0.2",
} as const;

/** Props of {@link KeyVaultReaderWorkload}. */
export interface KeyVaultReaderWorkloadProps {
  /** Deployment name. */
  readonly name: string;
  readonly namespace: string;
  /** Create the namespace. @default false */
  readonly createNamespace?: boolean;
  /** The vault the sidecar reads (`AZURE_KEYVAULT_NAME`). */
  readonly keyVault: IKeyVault;
  /** The secret the test reads; the vault must hold it. */
  readonly secretName: string;
  /**
   * Where the pods' Azure token comes from: a `PodIdentityBinding`, a
   * `WorkloadIdentityFederation`, or both during a migration. Labels and the
   * ServiceAccount come from these, so they cannot mismatch.
   */
  readonly identities: readonly IPodIdentitySource[];
  /**
   * Read the secret through the Secrets Store CSI driver (workload identity) instead of the
   * guide's `az-keyvault-reader` sidecar, which asks NMI for a token and so works only with
   * pod identity.
   * @default - the sidecar
   */
  readonly secretProviderClass?: SecretProviderClass;
  /**
   * What the pods need before they start, besides the identity: e.g. the vault read grant and
   * the secret, so the first pods do not fail with 403 or "secret not found".
   * @default []
   */
  readonly requires?: readonly ITerraformDependable[];
  /** @default 1 */
  readonly replicas?: number;
  /** @default DEFAULT_IMAGES */
  readonly images?: { readonly reader?: string; readonly sidecar?: string };
  /** @default - the stack's default kubernetes provider */
  readonly provider?: TerraformProvider;
}

const HARDENED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  privileged: false,
  capabilities: { drop: ["ALL"] },
};

/**
 * Guide step 6: the Key Vault reader test. A busybox container asks the
 * `az-keyvault-reader` sidecar for `http://127.0.0.1:8333/secrets/<secret>/`; the sidecar
 * reads the vault with the pod's identity. Requests and limits are the guide's.
 *
 * Differences from the guide, on purpose: images are pinned, containers run hardened
 * (non-root, read-only root, no privilege escalation, all capabilities dropped: NET_RAW
 * would allow pod-identity spoofing), the test logs success rather than the secret
 * value, and the Deployment selector is only `app`, so identity labels can change
 * during a migration without replacing the Deployment (selectors are immutable).
 */
export class KeyVaultReaderWorkload extends Construct {
  public readonly deployment: KubernetesDeployment;
  /** The namespace, when created here. */
  public readonly namespaceResource?: NamespaceV1;
  /** Labels on the pod template. */
  public readonly podLabels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: KeyVaultReaderWorkloadProps) {
    requireProps(scope, id, props, {
      keyVault: FIX.keyVault,
      identities: "pass the identities the pods use, e.g. [binding] (a PodIdentityBinding or a WorkloadIdentityFederation)",
    });
    super(scope, id);
    validateProps(this.node.path, props);

    if (props.createNamespace) {
      this.namespaceResource = new NamespaceV1(this, "Namespace", {
        metadata: { name: props.namespace },
        provider: props.provider,
      });
    }

    const spc = props.secretProviderClass;
    const accounts = serviceAccountsOf(props.identities);
    const identityLabels = Object.assign({}, ...props.identities.map((s) => s.podLabels)) as Record<string, string>;
    const appLabels = { app: props.name };
    this.podLabels = { ...appLabels, ...identityLabels };
    const dependsOn: ITerraformDependable[] = props.identities.flatMap((s) => [...s.dependables]);
    if (spc) dependsOn.push(...spc.dependables);
    dependsOn.push(...(props.requires ?? []));
    if (this.namespaceResource) dependsOn.push(this.namespaceResource);

    this.deployment = new KubernetesDeployment(this, "Deployment", {
      metadata: { name: props.name, namespace: props.namespace, labels: appLabels },
      spec: {
        replicas: String(props.replicas ?? 1),
        selector: { matchLabels: appLabels },
        template: {
          metadata: { labels: this.podLabels },
          spec: {
            serviceAccountName: accounts[0],
            automountServiceAccountToken: accounts.length > 0,
            restartPolicy: "Always",
            securityContext: {
              runAsNonRoot: true,
              runAsUser: "65534",
              runAsGroup: "65534",
              seccompProfile: { type: "RuntimeDefault" },
            },
            container: containersOf(props),
            volume: spc
              ? [
                  {
                    name: "secrets-store",
                    csi: { driver: SECRETS_STORE_CSI_DRIVER, readOnly: true, volumeAttributes: { secretProviderClass: spc.name } },
                  },
                ]
              : undefined,
          },
        },
      },
      dependsOn,
      provider: props.provider,
    });
  }
}

/** The distinct ServiceAccounts the identities ask for (more than one is an error). */
function serviceAccountsOf(identities: readonly IPodIdentitySource[]): string[] {
  return [...new Set(identities.map((s) => s.serviceAccountName).filter((s): s is string => !!s))];
}

/** Every problem with the props, thrown together. */
function validateProps(path: string, props: KeyVaultReaderWorkloadProps): void {
  const check = new Checker(path);
  // The name is also the pods' `app` label (and the selector), so it must be a label value too.
  if (check.check("name", props.name, Rules.objectName)) check.check("name", props.name, Rules.labelValue);
  check.check("namespace", props.namespace, Rules.namespace);
  check.check("secretName", props.secretName, Rules.secretName);
  if (!props.keyVault.secretNames.includes(props.secretName)) {
    check.add(
      "secretName",
      props.secretName,
      `is not a secret of vault "${props.keyVault.vaultName}" (it holds: ${props.keyVault.secretNames.join(", ") || "none"})`,
      "add the secret to the vault, or read one it holds",
    );
  }
  if (props.identities.length === 0) {
    check.add(
      "identities",
      [],
      "is empty: the pods would get no Azure token",
      "pass the PodIdentityBinding and/or WorkloadIdentityFederation",
    );
  }
  for (const source of props.identities) {
    if (source.namespace !== props.namespace) {
      check.add(
        "namespace",
        props.namespace,
        `differs from the identity's namespace "${source.namespace}": the binding or federated credential would never match these pods`,
        "run the workload in the identity's namespace",
      );
    }
  }
  const accounts = serviceAccountsOf(props.identities);
  if (accounts.length > 1) {
    check.add("identities", accounts, "ask for different ServiceAccounts", "use one ServiceAccount per workload");
  }
  const spc = props.secretProviderClass;
  if (spc && (spc.namespace !== props.namespace || !spc.secretNames.includes(props.secretName))) {
    check.add(
      "secretProviderClass",
      spc.name,
      `must be in namespace "${props.namespace}" and mount secret "${props.secretName}"`,
      "create the SecretProviderClass for this workload's namespace and secret",
    );
  }
  check.check("replicas", props.replicas, Rules.replicas);
  check.throwIfAny();
}

/**
 * The pod's containers: the reader alone, checking the CSI mount, or the reader beside the
 * guide's `az-keyvault-reader` sidecar, asking it over HTTP.
 */
function containersOf(props: KeyVaultReaderWorkloadProps): KubernetesContainer[] {
  const spc = props.secretProviderClass;
  const images = { ...DEFAULT_IMAGES, ...props.images };
  const secretUrl = sidecarSecretUrl(props.secretName);
  const probeLoop = (ok: string, test: string) =>
    `while true; do if ${test}; ` +
    `then echo "secret ${props.secretName} is readable${ok}"; ` +
    `else echo "secret ${props.secretName} is NOT readable${ok}"; ` +
    `fi; sleep 300; done`;
  const reader = {
    name: "busybox",
    image: images.reader,
    imagePullPolicy: "IfNotPresent",
    resources: {
      requests: { memory: "4Mi", cpu: "100m" },
      limits: { memory: "8Mi", cpu: "200m" },
    },
    securityContext: HARDENED_CONTAINER,
  };
  return spc
    ? [
        {
          ...reader,
          command: ["sh", "-c", probeLoop(" (CSI)", `test -s ${SECRETS_MOUNT_PATH}/${props.secretName}`)],
          volumeMount: [{ name: "secrets-store", mountPath: SECRETS_MOUNT_PATH, readOnly: true }],
        },
      ]
    : [
        { ...reader, command: ["sh", "-c", probeLoop("", `wget --tries=70 -qO /dev/null ${secretUrl}`)] },
        {
          name: "az-keyvault-reader-sidecar",
          image: images.sidecar,
          imagePullPolicy: "IfNotPresent",
          env: [{ name: "AZURE_KEYVAULT_NAME", value: props.keyVault.vaultName }],
          resources: {
            requests: { memory: "8Mi", cpu: "100m" },
            limits: { memory: "16Mi", cpu: "200m" },
          },
          securityContext: HARDENED_CONTAINER,
        },
      ];
}
