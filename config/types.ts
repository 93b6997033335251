/**
 * The typed configuration of the platform: one object per environment (Dev/Test, Prod),
 * each with its cluster and a list of app teams. `config/environments.ts` holds the
 * values; `config/validate.ts` checks them before any construct is created.
 *
 * Differences between environments are values here, never `if (env === "prod")`
 * branches in constructs or stacks.
 */

/** How Terraform reaches the Kubernetes API of the cluster (one definition, shared with the construct). */
export type { KubernetesAccess } from "../constructs/aks-cluster";
import type { ClusterReference, DataProtectionProps } from "../constructs/app-identity-stack";
import type {
  AppIdentityProps,
  IdentityMode,
  PodIdentityOptions,
  ReaderWorkloadOptions,
  WorkloadIdentityOptions,
} from "../constructs/app-identity";
import type { PolicySuppressionEntry } from "../constructs/policy";
import type { IdentityVaultIdentityOptions, IdentityVaultKeyVaultOptions } from "../constructs/identity-vault";
import type { DeployerAccess, KeyVaultNetworkProps, SecretProps } from "../constructs/key-vault";
import type { IPrincipal } from "../constructs/principal";

/** The AKS cluster of an environment and its kubelet (agent-pool) identity (the same shape AppIdentityStack takes). */
export type ClusterConfig = ClusterReference;

/**
 * Network rules of a Key Vault: the construct's own props. `kind` is the explicit choice of how
 * Terraform and the pods reach the vault (see `KeyVaultNetworkKind` in constructs/key-vault.ts):
 * `public` (the guide's public endpoint), `firewall` (Deny + `subnetIds` of the AKS node subnets
 * with the `Microsoft.KeyVault` service endpoint + `ipRules` with the deployer's egress CIDRs), or
 * `private-endpoint` (`privateEndpoint`). A Deny firewall that allows nothing, without a private
 * endpoint, is an error.
 */
export type KeyVaultNetworkConfig = KeyVaultNetworkProps;

/**
 * A Key Vault secret: the construct's props without `variableName` (the stacks derive it).
 * Its value never enters `cdk.tf.json` or Terraform state:
 * - `source: "variable"` writes it through the write-only `value_wo`, fed by a sensitive,
 *   ephemeral Terraform variable (`TF_VAR_<variableName>` at plan and apply);
 * - `source: "external"` means the secret is set out of band (`az keyvault secret set`);
 *   Terraform only records that the workload reads it.
 */
export type SecretConfig = Omit<SecretProps, "variableName">;

/** The Key Vault of an app team: the IdentityVault's vault props, plus the secret writer's RBAC wait. */
export interface KeyVaultConfig extends Omit<IdentityVaultKeyVaultOptions, "secrets">, Pick<DeployerAccess, "rbacPropagationWait"> {
  /** Secrets the vault holds. */
  readonly secrets: readonly SecretConfig[];
}

/** The user-assigned managed identity of an app team (the IdentityVault's identity props). */
export type IdentityConfig = IdentityVaultIdentityOptions;

/** aad-pod-identity objects (guide step 5): the construct's own props. */
export type PodIdentityConfig = PodIdentityOptions;
/** Entra Workload ID settings: the construct's own props. */
export type WorkloadIdentityConfig = WorkloadIdentityOptions;
/** The guide's Key Vault reader test Deployment (guide step 6): the construct's own props. */
export type WorkloadConfig = ReaderWorkloadOptions;
export type { IdentityMode };

/**
 * One app team: the props of its AppIdentity (namespace, identity, vault, binding, workload) as
 * config, plus its name. The stacks add cluster, tenant, subscription, location and tags.
 */
export interface AppTeamConfig extends Pick<
  AppIdentityProps,
  "namespace" | "createNamespace" | "identityMode" | "podIdentity" | "workloadIdentity" | "workload" | "suppressions" | "adopt"
> {
  /** Short team id: lower-case letters, digits, hyphens. Used in construct ids and stack names. */
  readonly name: string;
  readonly identity: IdentityConfig;
  readonly keyVault: KeyVaultConfig;
}

/** A policy rule switched off for one team's resources, with the reason. */
export type PolicySuppression = PolicySuppressionEntry;

/** Remote state. */
export type BackendConfig =
  | { readonly kind: "local" }
  | {
      readonly kind: "azurerm";
      readonly subscriptionId?: string;
      readonly resourceGroupName: string;
      readonly storageAccountName: string;
      readonly containerName: string;
      /** Key prefix; each stack gets `<prefix><stack>.tfstate`. @default "" */
      readonly keyPrefix?: string;
    };

/** Data safety settings: every flag required here (a forgotten preventDestroy must not mean "unprotected"). */
export type DataProtectionConfig = Required<DataProtectionProps>;

/**
 * The identity that applies the plan and writes the secret values (the deploy workflow's
 * service principal, or the admin running `npm run deploy`). It gets secret Get, List, Set,
 * Delete, Recover on each vault (Key Vault Secrets Officer on RBAC vaults).
 */
export interface SecretWriterConfig {
  /** Object ID (Entra ID) of that identity: `az ad sp show --id <client id> --query id -o tsv`. */
  readonly objectId: string;
  /** @default "ServicePrincipal" */
  readonly principalType?: IPrincipal["principalType"];
}

/** One environment: a cluster and the app teams on it. */
export interface EnvironmentConfig {
  /** Stack name prefix, e.g. `dev-test`, `prod`. */
  readonly name: string;
  /** Azure region of the app resources, lower-case, e.g. `westus2`. */
  readonly location: string;
  readonly tenantId: string;
  /** Subscription of the app identities and vaults (may differ from the cluster's). */
  readonly appSubscriptionId: string;
  readonly cluster: ClusterConfig;
  readonly teams: readonly AppTeamConfig[];
  readonly dataProtection: DataProtectionConfig;
  /**
   * Who writes the secret values (never the identity that happens to run the plan).
   * @default - the grant lives outside these stacks (a warning lists the vaults that need it)
   */
  readonly secretWriter?: SecretWriterConfig;
  /**
   * `shared`: one `<env>-apps` stack for all teams. `per-team`: one `<env>-apps-<team>` stack each.
   * @default "shared"
   */
  readonly stackLayout?: "shared" | "per-team";
  /** @default { kind: "local" } */
  readonly backend?: BackendConfig;
  /** Tags on every Azure resource. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The whole platform. */
export interface PlatformConfig {
  readonly environments: readonly EnvironmentConfig[];
}
