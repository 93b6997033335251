/**
 * The parts of Kubernetes objects `verify` reads, as `kubectl get … -o json` returns them.
 * The aad-pod-identity kinds follow the v1 CRD schema (group aadpodidentity.k8s.io, chart
 * 4.1.18 / v1.8.17): every field optional, since the schema has no `required` and the API
 * server prunes unknown (e.g. mis-cased) fields.
 */

export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
  readonly ownerReferences?: readonly { readonly kind?: string; readonly name?: string }[];
}

/** A `…List` document. */
export interface KubeList<T> {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly items: readonly T[];
}

export interface Namespace {
  readonly metadata: ObjectMeta;
  readonly status?: { readonly phase?: string };
}

/** `AzureIdentity.spec` (type 0 = user-assigned MSI, 1 = service principal, 2 = SP certificate). */
export interface AzureIdentitySpec {
  readonly type?: number;
  readonly resourceID?: string;
  readonly clientID?: string;
  readonly clientPassword?: { readonly name?: string; readonly namespace?: string };
  readonly tenantID?: string;
  readonly auxiliaryTenantIDs?: readonly string[] | null;
  readonly adResourceID?: string;
  readonly adEndpoint?: string;
  readonly replicas?: number | null;
  /** Present only when the CRD is not structural: mis-cased keys that a v1 CRD would prune. */
  readonly [key: string]: unknown;
}

export interface AzureIdentity {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly spec?: AzureIdentitySpec;
  readonly status?: { readonly availableReplicas?: number };
}

export interface AzureIdentityBindingSpec {
  readonly azureIdentity?: string;
  readonly selector?: string;
  readonly weight?: number;
  readonly [key: string]: unknown;
}

export interface AzureIdentityBinding {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly spec?: AzureIdentityBindingSpec;
}

/** Written by MIC: which identity is assigned to which pod. */
export interface AzureAssignedIdentity {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly spec?: {
    readonly azureIdentityRef?: AzureIdentity;
    readonly azureBindingRef?: AzureIdentityBinding;
    readonly pod?: string;
    readonly podNamespace?: string;
    readonly nodename?: string;
    readonly replicas?: number | null;
  };
  /** `status.status`: `Created`, `Assigned` or `Unassigned`. */
  readonly status?: { readonly availableReplicas?: number; readonly status?: string };
}

export interface Container {
  readonly name: string;
  readonly image?: string;
}

export interface Pod {
  readonly metadata: ObjectMeta;
  readonly spec?: {
    readonly serviceAccountName?: string;
    readonly nodeName?: string;
    readonly containers?: readonly Container[];
  };
  readonly status?: { readonly phase?: string };
}

export interface ServiceAccount {
  readonly metadata: ObjectMeta;
}

/** One item of `az identity federated-credential list -o json`. */
export interface FederatedCredential {
  readonly name?: string;
  readonly issuer?: string;
  readonly subject?: string;
  readonly audiences?: readonly string[];
}
