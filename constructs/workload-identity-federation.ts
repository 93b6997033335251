import { Construct } from "constructs";
import { Annotations, dependable, type ITerraformDependable, type TerraformProvider, Token } from "cdktf";
import {
  FederatedIdentityCredential,
  type FederatedIdentityCredentialConfig,
} from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import type { IAksCluster } from "./aks-cluster";
import type { IManagedIdentity } from "./managed-identity";
import type { IPodIdentitySource } from "./principal";
import { Checker, Rules, requireProps, MISSING_PROP_FIXES as FIX } from "./validation";
import {
  MAX_FEDERATED_CREDENTIALS_PER_IDENTITY,
  serviceAccountSubject,
  WORKLOAD_IDENTITY_AUDIENCE,
  WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION,
  WORKLOAD_IDENTITY_TENANT_ID_ANNOTATION,
  WORKLOAD_IDENTITY_USE_LABEL,
} from "./facts";

/** Props of {@link WorkloadIdentityFederation}. */
export interface WorkloadIdentityFederationProps {
  /** The app identity the pods act as. */
  readonly identity: IManagedIdentity;
  /** The cluster whose OIDC issuer signs the ServiceAccount tokens. */
  readonly cluster: IAksCluster;
  /** Namespace of the ServiceAccount (and of the pods). */
  readonly namespace: string;
  /** ServiceAccount the pods run as. */
  readonly serviceAccountName: string;
  /** Create the ServiceAccount. @default true */
  readonly createServiceAccount?: boolean;
  /** Things that must exist first, e.g. the namespace. @default [] */
  readonly requires?: readonly ITerraformDependable[];
  /** @default - the stack's default azurerm provider */
  readonly azureProvider?: TerraformProvider;
  /** @default - the stack's default kubernetes provider */
  readonly kubernetesProvider?: TerraformProvider;
}

/**
 * Microsoft Entra Workload ID, the successor of aad-pod-identity: a federated identity
 * credential on the app identity (issuer = the cluster's OIDC issuer, subject
 * `system:serviceaccount:<namespace>:<serviceaccount>`, audience `api://AzureADTokenExchange`)
 * and the ServiceAccount annotated with the identity's client ID. Pods take
 * {@link podLabels} and {@link serviceAccountName} from here.
 *
 * Key Vault grants are unchanged: the same identity keeps them.
 */
export class WorkloadIdentityFederation extends Construct implements IPodIdentitySource {
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly podLabels: Readonly<Record<string, string>>;
  /** `system:serviceaccount:<namespace>:<serviceaccount>` */
  public readonly subject: string;
  public readonly credential: FederatedIdentityCredential;
  public readonly serviceAccount?: ServiceAccountV1;

  constructor(scope: Construct, id: string, props: WorkloadIdentityFederationProps) {
    requireProps(scope, id, props, { identity: FIX.identity, cluster: FIX.cluster });
    super(scope, id);
    validateProps(this.node.path, props);

    if (props.cluster.oidcIssuerEnabled === false) {
      Annotations.of(this).addWarning(
        `Cluster ${props.cluster.node.id} has its OIDC issuer off: ` +
          `tokens for ${props.serviceAccountName} cannot be federated. ` +
          `Enable oidc_issuer_enabled and workload_identity_enabled on the cluster.`,
      );
    }

    this.namespace = props.namespace;
    this.serviceAccountName = props.serviceAccountName;
    this.subject = serviceAccountSubject(props.namespace, props.serviceAccountName);
    this.podLabels = { [WORKLOAD_IDENTITY_USE_LABEL]: "true" };

    // The credential lives under the identity, so the per-identity limit can be counted there.
    this.credential = new FederatedIdentityCredential(props.identity, `Federation-${props.namespace}-${props.serviceAccountName}`, {
      // Azure allows 3–120 letters, digits, '-' and '_'; ServiceAccount names may contain dots.
      name: `${props.namespace}-${props.serviceAccountName}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 120),
      resourceGroupName: props.identity.resourceGroupName,
      parentId: props.identity.identityId,
      issuer: props.cluster.oidcIssuerUrl!,
      subject: this.subject,
      audience: [WORKLOAD_IDENTITY_AUDIENCE],
      provider: props.azureProvider,
      lifecycle: oidcIssuerPrecondition(props.cluster.oidcIssuerEnabled, this.subject),
    });

    if (props.createServiceAccount ?? true) {
      this.serviceAccount = new ServiceAccountV1(this, "ServiceAccount", {
        metadata: {
          name: props.serviceAccountName,
          namespace: props.namespace,
          annotations: {
            [WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION]: props.identity.clientId,
            // The identity carries its tenant: no second source of truth in the props.
            [WORKLOAD_IDENTITY_TENANT_ID_ANNOTATION]: props.identity.tenantId,
          },
          labels: { [WORKLOAD_IDENTITY_USE_LABEL]: "true" },
        },
        dependsOn: [...(props.requires ?? [])],
        provider: props.kubernetesProvider,
      });
    }
  }

  public get dependables(): readonly ITerraformDependable[] {
    return this.serviceAccount ? [this.credential, this.serviceAccount] : [this.credential];
  }

  /** Makes the ServiceAccount wait for `deps` too (e.g. the namespace); keeps what it already waits for. */
  public addDependency(...deps: ITerraformDependable[]): void {
    const sa = this.serviceAccount;
    if (sa) sa.dependsOn = [...(sa.dependsOn ?? []), ...deps.map(dependable)];
  }
}

/** Every problem with the props, thrown together. */
function validateProps(path: string, props: WorkloadIdentityFederationProps): void {
  const check = new Checker(path);
  check.check("namespace", props.namespace, Rules.namespace);
  check.check("serviceAccountName", props.serviceAccountName, Rules.objectName);
  const issuer = props.cluster.oidcIssuerUrl;
  if (issuer === undefined) {
    check.add(
      "cluster.oidcIssuerUrl",
      undefined,
      "is unknown: workload identity needs the cluster's OIDC issuer",
      "look the cluster up by name (cluster.lookup), or set cluster.oidcIssuerUrl from `az aks show --query oidcIssuerProfile.issuerUrl`",
    );
  } else {
    check.check("cluster.oidcIssuerUrl", issuer, Rules.httpsUrl);
  }
  const existing = props.identity.node.children.filter((c) => c instanceof FederatedIdentityCredential).length;
  if (existing >= MAX_FEDERATED_CREDENTIALS_PER_IDENTITY) {
    check.add(
      "identity",
      props.identity.name,
      `already has ${existing} federated credentials; Azure allows at most ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} per identity`,
      "give the extra workloads their own identity",
    );
  }
  check.throwIfAny();
}

/**
 * When the cluster's OIDC issuer setting is known only at plan time (a looked-up cluster), a
 * precondition on the credential stops the apply with the fix instead of a silent failure.
 */
function oidcIssuerPrecondition(
  enabled: IAksCluster["oidcIssuerEnabled"],
  subject: string,
): FederatedIdentityCredentialConfig["lifecycle"] {
  return typeof enabled === "string" && Token.isUnresolved(enabled)
    ? {
        precondition: [
          {
            condition: enabled,
            errorMessage:
              `The cluster's OIDC issuer is off, so workload identity for ${subject} cannot work. ` +
              `Enable oidc_issuer_enabled and workload_identity_enabled on the AKS cluster first ` +
              `(az aks update --enable-oidc-issuer --enable-workload-identity).`,
          },
        ],
      }
    : undefined;
}
