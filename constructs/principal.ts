import type { IConstruct } from "constructs";

/**
 * Something that can be granted a role: a managed identity, or the kubelet
 * (agent-pool) identity of a cluster. Principals are always typed, so role
 * assignments set `principal_type` and skip the Entra ID replication check.
 */
export interface IPrincipal {
  /** Object (principal) ID in Entra ID; a token until deploy time. */
  readonly principalId: string;
  /**
   * Entra ID principal type. Managed identities are `ServicePrincipal`.
   * @default - not set: Azure infers it (Terraform's own principal may be a user or a service principal)
   */
  readonly principalType?: "ServicePrincipal" | "User" | "Group";
  /** Tenant of the principal. */
  readonly tenantId: string;
  /** The construct that owns the principal; grants are created under it and named after it. */
  readonly grantScope: IConstruct;
}

/**
 * What a workload must carry to get an Azure token from an identity mechanism:
 * a pod-identity binding (label `aadpodidbinding`) or workload identity
 * (label `azure.workload.identity/use` and a ServiceAccount).
 */
export interface IPodIdentitySource {
  /** Namespace the pods must run in. */
  readonly namespace: string;
  /** Labels the pod template must carry. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** ServiceAccount the pods must run as, if the mechanism needs one. */
  readonly serviceAccountName?: string;
  /** What the workload must wait for (grants, CRs, ServiceAccount). */
  readonly dependables: readonly import("cdktf").ITerraformDependable[];
}
