import { Construct } from "constructs";
import { Annotations, type ITerraformDependable, TerraformStack, type TerraformProvider } from "cdktf";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import type { IAksCluster } from "./aks-cluster";
import { AppIdentityStack } from "./app-identity-stack";
import { AAD_POD_IDENTITY_API_VERSION, AadPodIdentityKinds } from "./facts";
import { addIssueValidation } from "./construct-issues";
import { IdentityVault, type IdentityVaultProps } from "./identity-vault";
import type { DeployerAccess } from "./key-vault";
import { KeyVaultReaderWorkload } from "./keyvault-reader-workload";
import type { ManagedIdentityOperatorAssignment } from "./managed-identity-operator-assignment";
import { PodIdentityBinding } from "./pod-identity-binding";
import { suppressPolicy, type PolicySuppressionEntry } from "./policy";
import type { IPodIdentitySource } from "./principal";
import { SecretProviderClass } from "./secret-provider-class";
import { Checker, checkReaderMode, type ValidationIssue } from "./validation";
import { WorkloadIdentityFederation } from "./workload-identity-federation";
import { ImportBlock } from "./import-block";

/** Which mechanism gives the pods their Azure token. */
export type IdentityMode = "pod-identity" | "workload-identity" | "both";

/** aad-pod-identity objects (guide step 5). */
export interface PodIdentityOptions {
  /** `AzureIdentity` name. */
  readonly azureIdentityName: string;
  /** `AzureIdentityBinding` name. */
  readonly bindingName: string;
  /** Selector; pods carry it as label `aadpodidbinding`. */
  readonly selector: string;
}

/** Entra Workload ID settings. */
export interface WorkloadIdentityOptions {
  /** ServiceAccount the workload runs as. */
  readonly serviceAccountName: string;
}

/** The guide's Key Vault reader test Deployment (guide step 6). */
export interface ReaderWorkloadOptions {
  readonly name: string;
  /** The secret the test container reads. Must be one of the vault's secrets. */
  readonly secretName: string;
  /**
   * How the test reads the vault: the guide's `az-keyvault-reader` sidecar (pod identity
   * only: it asks NMI for the token), or the Secrets Store CSI driver with a
   * SecretProviderClass (workload identity).
   * @default "sidecar"
   */
  readonly reader?: "sidecar" | "csi-driver";
  /** @default 1 */
  readonly replicas?: number;
  /** @default - pinned busybox and az-keyvault-reader images, see constructs/keyvault-reader-workload.ts */
  readonly images?: { readonly reader?: string; readonly sidecar?: string };
}

/** Props of {@link AppIdentity}. */
export interface AppIdentityProps {
  /** Kubernetes namespace of the app. */
  readonly namespace: string;
  /**
   * Create the namespace (destroying the stack then deletes it and everything in it), or adopt
   * an existing one (`false`: the cluster admins created it).
   * @default false
   */
  readonly createNamespace?: boolean;
  /** Azure region of new resources, lower-case, e.g. `westus2`. */
  readonly location: string;
  /** The identity; `existing: true` imports it instead of creating it. */
  readonly identity: IdentityVaultProps["identity"];
  /** The vault and its secrets; `existing: true` imports it instead of creating it. */
  readonly keyVault: IdentityVaultProps["keyVault"];
  /** @default "pod-identity" */
  readonly identityMode?: IdentityMode;
  /** Required for `pod-identity` and `both`. @default - none */
  readonly podIdentity?: PodIdentityOptions;
  /** Required for `workload-identity` and `both`. @default - none */
  readonly workloadIdentity?: WorkloadIdentityOptions;
  /** @default - no workload */
  readonly workload?: ReaderWorkloadOptions;
  /** Policy suppressions for these resources, each with a written reason. @default [] */
  readonly suppressions?: readonly PolicySuppressionEntry[];
  /** The cluster the pods run on. @default - the enclosing AppIdentityStack's cluster */
  readonly cluster?: IAksCluster;
  /** @default - the enclosing AppIdentityStack's tenant */
  readonly tenantId?: string;
  /** Subscription of the identity and vault. @default - the enclosing AppIdentityStack's app subscription */
  readonly subscriptionId?: string;
  /** Tags on the Azure resources. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * `prevent_destroy` on identity, vault and secrets.
   * @default - the enclosing AppIdentityStack's dataProtection.preventDestroy, else false
   */
  readonly preventDestroy?: boolean;
  /**
   * The identity that applies the plan and writes the secret values (see DeployerAccess): give its
   * object ID, never the plan's caller (a saved plan keeps whoever planned).
   * @default false - no grant: the applying identity must already be allowed to write secrets
   * (a warning says so when a secret is written by Terraform)
   */
  readonly deployerAccess?: DeployerAccess | false;
  /**
   * Adopt what the guide created by hand: Terraform `import` blocks for the identity, the vault,
   * the namespace and the AzureIdentity/AzureIdentityBinding (IDs derived from names). Hand-made
   * role assignments and access policies: `npm run adopt` (docs/adopting.md). Needs
   * keyVault.purgeProtection set explicitly.
   * @default false
   */
  readonly adopt?: boolean;
  /** @default - the stack's default azurerm provider */
  readonly azureProvider?: TerraformProvider;
  /** @default - the stack's default kubernetes provider */
  readonly kubernetesProvider?: TerraformProvider;
}

/** The pod-identity objects that must be unique per namespace of one cluster, with what a clash means. */
const PER_NAMESPACE = [
  ["selector", "a binding selector", ": pods would match both bindings"],
  ["bindingName", "an AzureIdentityBinding name", ""],
  ["azureIdentityName", "an AzureIdentity name", ""],
] as const;

/**
 * What one app team needs so its pods read its Key Vault with their own Azure identity
 * (guide steps 1–6): identity and vault with the read grant (1, 2, 4), Managed Identity
 * Operator for the kubelet identity (3, pod identity only), the pod-identity binding and/or
 * the workload-identity federation (5), the namespace when asked, and the reader test (6).
 *
 * Construct validations (reported at synth, all at once) catch what one team cannot see
 * alone: two AppIdentities on one cluster with one selector, binding or AzureIdentity name in
 * a namespace, and a secret listed twice.
 */
export class AppIdentity extends Construct {
  public readonly identityVault: IdentityVault;
  /** Guide step 3; only while pods get tokens through pod identity (NMI/MIC). */
  public readonly operator?: ManagedIdentityOperatorAssignment;
  public readonly binding?: PodIdentityBinding;
  public readonly federation?: WorkloadIdentityFederation;
  public readonly workload?: KeyVaultReaderWorkload;
  public readonly secretProviderClass?: SecretProviderClass;
  /** The namespace, when created here. */
  public readonly namespaceResource?: NamespaceV1;
  public readonly namespace: string;
  public readonly cluster: IAksCluster;
  public readonly identityMode: IdentityMode;
  public readonly podIdentity?: PodIdentityOptions;

  constructor(scope: Construct, id: string, props: AppIdentityProps) {
    super(scope, id);
    const base = AppIdentityStack.tryOf(this);
    const cluster = props.cluster ?? base?.cluster;
    const tenantId = props.tenantId ?? base?.tenantId;
    const subscriptionId = props.subscriptionId ?? base?.subscriptionId;
    const mode = props.identityMode ?? "pod-identity";
    checkProps(this, props, { cluster, tenantId, subscriptionId }, mode);
    this.namespace = props.namespace;
    this.cluster = cluster!;
    this.identityMode = mode;
    this.podIdentity = mode !== "workload-identity" ? props.podIdentity : undefined;
    for (const s of props.suppressions ?? []) suppressPolicy(this, s.ruleId, s.reason);

    const secrets = this.uniqueSecrets(props.keyVault.secrets);
    this.identityVault = new IdentityVault(this, "IdentityVault", {
      location: props.location,
      tenantId: tenantId!,
      subscriptionId: subscriptionId!,
      identity: props.identity,
      keyVault: { ...props.keyVault, secrets },
      tags: props.tags,
      preventDestroy: props.preventDestroy ?? base?.dataProtection.preventDestroy ?? false,
      deployerAccess: props.deployerAccess ?? false,
      adopt: props.adopt,
      provider: props.azureProvider,
    });
    this.warnIfNoDeployerAccess(props, secrets);
    const sources: IPodIdentitySource[] = [];
    if (mode !== "workload-identity") {
      // Without pod identity, nodes need no right to assign the identity: the grant goes away.
      this.operator = this.identityVault.identity.grantOperator(this.cluster);
      this.binding = this.podIdentityBinding(props, this.operator);
      sources.push(this.binding);
      registerForClashCheck(this);
    }
    if (mode !== "pod-identity") {
      this.federation = new WorkloadIdentityFederation(this, "WorkloadIdentity", {
        identity: this.identityVault.identity,
        cluster: this.cluster,
        namespace: props.namespace,
        serviceAccountName: props.workloadIdentity!.serviceAccountName,
        azureProvider: props.azureProvider,
        kubernetesProvider: props.kubernetesProvider,
      });
      sources.push(this.federation);
    }
    if (props.workload?.reader === "csi-driver") this.secretProviderClass = this.csiSecretProviderClass(props, props.workload);
    if (props.workload) {
      this.workload = this.readerWorkload(props, props.workload, sources);
      this.namespaceResource = this.workload.namespaceResource;
    } else if (props.createNamespace) {
      // Same address as when the reader workload creates it (`<id>/Workload/Namespace`), so adding
      // or removing the workload later never replaces the namespace and everything in it.
      this.namespaceResource = new NamespaceV1(new Construct(this, "Workload"), "Namespace", {
        metadata: { name: props.namespace },
        provider: props.kubernetesProvider,
      });
    }
    const ns = this.namespaceResource;
    if (ns && props.adopt) ImportBlock.into(ns, props.namespace);
    if (ns) {
      this.binding?.addDependency(ns);
      this.federation?.addDependency(ns);
      this.secretProviderClass?.addDependency(ns);
    }
  }

  /** The secrets once each: a second of one name would clash on its construct id, so it is reported, not created. */
  private uniqueSecrets(all: AppIdentityProps["keyVault"]["secrets"]): AppIdentityProps["keyVault"]["secrets"] {
    const duplicates = all.flatMap((s, i) => (all.findIndex((o) => o.name === s.name) < i ? [{ s, i }] : []));
    if (duplicates.length) {
      addIssueValidation(this, () =>
        duplicates.map(({ s, i }) => ({
          context: this.node.path,
          field: `keyVault.secrets[${i}].name`,
          value: s.name,
          problem: "is listed twice",
          fix: "remove the duplicate",
        })),
      );
    }
    return [...new Map(all.map((s) => [s.name, s])).values()];
  }

  private warnIfNoDeployerAccess(props: AppIdentityProps, secrets: AppIdentityProps["keyVault"]["secrets"]): void {
    if (props.deployerAccess || !secrets.some((s) => (s.source ?? "variable") === "variable")) return;
    Annotations.of(this).addWarning(
      `no deployerAccess (config: secretWriter): ` +
        `the identity that applies must already be allowed to write secrets in ${props.keyVault.name} ` +
        `(Get, List, Set, Delete, Recover, or Key Vault Secrets Officer), else the write fails with 403. ` +
        `Set it to have the stack grant it.`,
    );
  }

  /** Guide step 5: AzureIdentity and AzureIdentityBinding, imported when adopting. */
  private podIdentityBinding(props: AppIdentityProps, operator: ManagedIdentityOperatorAssignment): PodIdentityBinding {
    const p = props.podIdentity!;
    const binding = new PodIdentityBinding(this, "PodIdentityBinding", {
      identity: this.identityVault.identity,
      namespace: props.namespace,
      azureIdentityName: p.azureIdentityName,
      bindingName: p.bindingName,
      selector: p.selector,
      requires: [operator, this.identityVault.secretRead],
      provider: props.kubernetesProvider,
    });
    if (props.adopt) {
      // The guide's step 5 objects (IDs derived from names; kubernetes_manifest import ID format).
      const cr = (kind: string, name: string) =>
        `apiVersion=${AAD_POD_IDENTITY_API_VERSION},kind=${kind},namespace=${props.namespace},name=${name}`;
      ImportBlock.into(binding.azureIdentity, cr(AadPodIdentityKinds.AzureIdentity.kind, p.azureIdentityName));
      ImportBlock.into(binding.binding, cr(AadPodIdentityKinds.AzureIdentityBinding.kind, p.bindingName));
    }
    return binding;
  }

  private csiSecretProviderClass(props: AppIdentityProps, w: ReaderWorkloadOptions): SecretProviderClass {
    return new SecretProviderClass(this, "SecretProviderClass", {
      name: `${w.name}-keyvault`,
      namespace: props.namespace,
      keyVault: this.identityVault.keyVault,
      identity: this.identityVault.identity,
      secretNames: [w.secretName],
      provider: props.kubernetesProvider,
    });
  }

  /** Guide step 6: the reader test, after the read grant and the secret it reads. */
  private readerWorkload(props: AppIdentityProps, w: ReaderWorkloadOptions, identities: IPodIdentitySource[]): KeyVaultReaderWorkload {
    const keyVault = this.identityVault.keyVault;
    return new KeyVaultReaderWorkload(this, "Workload", {
      name: w.name,
      namespace: props.namespace,
      createNamespace: props.createNamespace,
      keyVault,
      secretName: w.secretName,
      identities,
      secretProviderClass: this.secretProviderClass,
      requires: [
        this.identityVault.secretRead,
        ...keyVault.secrets.filter((s) => s.secretName === w.secretName).flatMap((s) => (s.resource ? [s.resource] : [])),
      ],
      replicas: w.replicas,
      images: w.images,
      provider: props.kubernetesProvider,
    });
  }

  /** What all this identity's pods, grants and bindings wait for. */
  public get dependables(): readonly ITerraformDependable[] {
    return [this.identityVault.secretRead, ...(this.binding?.dependables ?? []), ...(this.federation?.dependables ?? [])];
  }
}

/**
 * The pod-identity AppIdentities of each stack, in creation order. One validation per stack
 * checks them all in one pass (a per-construct check that walked the stack was quadratic:
 * half the synth time at 1,000 teams).
 */
const POD_IDENTITY_APPS = new WeakMap<TerraformStack, AppIdentity[]>();

function registerForClashCheck(app: AppIdentity): void {
  const stack = TerraformStack.of(app);
  let apps = POD_IDENTITY_APPS.get(stack);
  if (!apps) {
    const list: AppIdentity[] = [];
    POD_IDENTITY_APPS.set(stack, list);
    addIssueValidation(stack, () => namespaceClashes(list));
    apps = list;
  }
  apps.push(app);
}

/** Pod-identity names and selectors an AppIdentity shares with an earlier one on the same cluster and namespace. */
function namespaceClashes(apps: readonly AppIdentity[]): ValidationIssue[] {
  const first = new Map<IAksCluster, Map<string, AppIdentity>>();
  const issues: ValidationIssue[] = [];
  for (const app of apps) {
    const mine = app.podIdentity;
    if (!mine) continue;
    let seen = first.get(app.cluster);
    if (!seen) first.set(app.cluster, (seen = new Map<string, AppIdentity>()));
    for (const [field, what, consequence] of PER_NAMESPACE) {
      const key = JSON.stringify([app.namespace, field, mine[field]]);
      const other = seen.get(key);
      if (!other) {
        seen.set(key, app);
        continue;
      }
      issues.push({
        context: app.node.path,
        field: `podIdentity.${field}`,
        value: mine[field],
        problem: `is already ${what} in namespace ${app.namespace}${consequence} (${other.node.path})`,
        fix: "choose a distinct value",
      });
    }
  }
  return issues;
}

/** Throws every inconsistency between the props at once, before anything is created. */
function checkProps(
  self: Construct,
  props: AppIdentityProps,
  resolved: { cluster?: IAksCluster; tenantId?: string; subscriptionId?: string },
  mode: IdentityMode,
): void {
  const c = new Checker(self.node.path);
  const outside = "pass it, or create the AppIdentity in an AppIdentityStack";
  if (!resolved.cluster) c.required("cluster", undefined, `${outside} (AksCluster.fromClusterName / fromAgentPoolIdentity)`);
  c.required("tenantId", resolved.tenantId, outside);
  c.required("subscriptionId", resolved.subscriptionId, outside);
  c.required("namespace", props.namespace, "set the Kubernetes namespace of the app");
  if (!["pod-identity", "workload-identity", "both"].includes(mode)) {
    c.add(
      "identityMode",
      mode,
      "is invalid: one of pod-identity, workload-identity, both",
      'use "pod-identity" (the guide), "both" while migrating, then "workload-identity"',
    );
  } else {
    if (mode !== "workload-identity" && !props.podIdentity)
      c.required("podIdentity", undefined, `identityMode "${mode}" needs podIdentity { azureIdentityName, bindingName, selector }`);
    if (mode !== "pod-identity" && !props.workloadIdentity)
      c.required("workloadIdentity", undefined, `identityMode "${mode}" needs workloadIdentity { serviceAccountName }`);
  }
  const reader = props.workload ? (props.workload.reader ?? "sidecar") : undefined;
  checkReaderMode(c, mode, reader);
  c.throwIfAny();
}
