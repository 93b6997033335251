import { Construct, type IConstruct } from "constructs";
import { Annotations, type ITerraformDependable, type TerraformProvider, TerraformStack } from "cdktf";
import { KeyVault as KeyVaultResource } from "@cdktf/provider-azurerm/lib/key-vault";
import { KeyVaultAccessPolicyA } from "@cdktf/provider-azurerm/lib/key-vault-access-policy";
import { DataAzurermKeyVault } from "@cdktf/provider-azurerm/lib/data-azurerm-key-vault";
import { Sleep } from "@cdktf/provider-time/lib/sleep";
import { timeProvider } from "./time-provider";
import { KeyVaultPrivateEndpoint, type KeyVaultPrivateEndpointProps } from "./key-vault-private-endpoint";
import { suppressPolicy } from "./policy";
import type { IPrincipal } from "./principal";
import { BuiltInRoleAssignment } from "./role-assignment";
import { BuiltInRoles, KEY_VAULT_SOFT_DELETE_RETENTION_DAYS } from "./facts";
import { VaultSecret, type VaultSecretProps } from "./key-vault-secret";
import { Checker, Rules, requireArgument, MISSING_PROP_FIXES as FIX } from "./validation";
import { ImportBlock } from "./import-block";

/** Secret permissions the guide's step 4 grants. */
export const SECRET_READ_PERMISSIONS: readonly string[] = ["Get", "List"];

/** Secret permissions of the principal running Terraform, which writes the values (access-policy vaults). */
export const SECRET_WRITE_PERMISSIONS: readonly string[] = ["Get", "List", "Set", "Delete", "Recover"];

/** A secret to create in a vault (see {@link VaultSecret}). */
export type SecretProps = Omit<VaultSecretProps, "keyVaultId" | "provider" | "preventDestroy" | "requires">;

/** A Key Vault, created here or imported. */
export interface IKeyVault extends IConstruct {
  readonly vaultName: string;
  /** ARM ID of the vault. */
  readonly vaultId: string;
  /** Subscription of the vault. */
  readonly subscriptionId: string;
  /** RBAC authorization instead of access policies. */
  readonly rbacAuthorization: boolean;
  /** Entra ID tenant of the vault (a created vault's own prop; an existing vault's, read by its lookup at plan time). */
  readonly tenantId: string;
  /** Names of the secrets the vault is known to hold. */
  readonly secretNames: readonly string[];
  /** The secrets added through {@link addSecret} (including those given as props). */
  readonly secrets: readonly VaultSecret[];
  /** Adds a secret (value never in Terraform files). */
  addSecret(secret: SecretProps): VaultSecret;
  /**
   * Guide step 4: lets `grantee` read secrets: an access policy with Get and List,
   * or *Key Vault Secrets User* on the vault when it uses RBAC authorization.
   * Returns the grant, for `depends_on`.
   */
  grantSecretRead(grantee: IPrincipal): ITerraformDependable;
}

/**
 * How pods and Terraform reach the vault's data plane, an explicit choice:
 * - `public`: the public endpoint, open to every network (what the guide does). Entra ID
 *   auth and the grants still apply; AKSID-KV-003 is suppressed with this reason.
 * - `firewall`: default action Deny, with `subnetIds` (the AKS node subnets, which need the
 *   `Microsoft.KeyVault` service endpoint) and `ipRules` (the deployer's egress CIDRs).
 * - `private-endpoint`: public network access off; a private endpoint in `privateEndpoint`
 *   (created here, or an existing one by ID).
 */
export type KeyVaultNetworkKind = "public" | "firewall" | "private-endpoint";

/** The private endpoint of a vault: created here, or an existing one by its ARM ID. */
export type KeyVaultPrivateEndpointChoice =
  | Omit<KeyVaultPrivateEndpointProps, "keyVaultId" | "vaultName" | "location" | "resourceGroupName" | "provider" | "tags">
  | { readonly existingId: string };

/** Network rules of a vault. */
export interface KeyVaultNetworkProps {
  /** See {@link KeyVaultNetworkKind}. @default - derived from `defaultAction` (Deny: firewall) */
  readonly kind?: KeyVaultNetworkKind;
  /** Required with `kind: "private-endpoint"`. @default - none */
  readonly privateEndpoint?: KeyVaultPrivateEndpointChoice;
  /** @default "Deny" (`"Allow"` with kind public) */
  readonly defaultAction?: "Allow" | "Deny";
  /** @default [] */
  readonly ipRules?: readonly string[];
  /** @default [] */
  readonly subnetIds?: readonly string[];
  /** Let trusted Azure services through. @default true */
  readonly bypassAzureServices?: boolean;
}

const NETWORK_FIX =
  'choose keyVault.network.kind: "public" (the guide\'s choice), ' +
  '"firewall" with subnetIds (AKS node subnets with the Microsoft.KeyVault service endpoint) ' +
  'and ipRules (the deployer\'s egress CIDRs), or "private-endpoint" with privateEndpoint';

/**
 * The one definition of "nothing can reach this vault" (used by the config validator and
 * the construct): a Deny firewall that allows no subnet and no IP, without a private
 * endpoint, answers 403 ForbiddenByFirewall to Terraform's secret write and to the pods.
 */
export function vaultNetworkProblem(
  network: KeyVaultNetworkProps | undefined,
): { field: string; value: unknown; problem: string; fix: string } | undefined {
  const n = network ?? {};
  const kind = n.kind ?? (n.defaultAction === "Allow" ? "public" : "firewall");
  if (kind === "public") {
    if (n.defaultAction === "Deny")
      return {
        field: "network.defaultAction",
        value: "Deny",
        problem: 'contradicts kind "public"',
        fix: 'drop defaultAction, or use kind "firewall"',
      };
    return undefined;
  }
  if (kind === "private-endpoint") {
    return n.privateEndpoint
      ? undefined
      : {
          field: "network.privateEndpoint",
          value: undefined,
          problem: 'is missing with kind "private-endpoint"',
          fix: "give { subnetId, privateDnsZoneId } to create one, or { existingId } of an existing private endpoint",
        };
  }
  if (n.defaultAction === "Allow")
    return {
      field: "network.defaultAction",
      value: "Allow",
      problem: 'contradicts kind "firewall"',
      fix: 'use kind "public" for an open vault',
    };
  if ((n.ipRules ?? []).length === 0 && (n.subnetIds ?? []).length === 0) {
    return {
      field: "network",
      value: n.kind ?? "(default: Deny firewall)",
      problem: "denies every network and allows none, so Terraform's secret write and the pods get 403 ForbiddenByFirewall",
      fix: NETWORK_FIX,
    };
  }
  return undefined;
}

/** Props of {@link KeyVault}. */
export interface KeyVaultProps {
  /** Globally unique, 3–24 characters. */
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly tenantId: string;
  readonly subscriptionId: string;
  /** @default false (access policies, as in the guide) */
  readonly rbacAuthorization?: boolean;
  /** 7–90. @default 90 */
  readonly softDeleteRetentionDays?: number;
  /** Cannot be turned off once on. @default true */
  readonly purgeProtection?: boolean;
  /**
   * Must let Terraform and the pods through (see {@link vaultNetworkProblem}).
   * @default { defaultAction: "Deny", bypassAzureServices: true }: an error unless IPs or subnets are allowed
   */
  readonly network?: KeyVaultNetworkProps;
  /** @default [] */
  readonly secrets?: readonly SecretProps[];
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** `lifecycle.prevent_destroy` on the vault and its secrets. @default false */
  readonly preventDestroy?: boolean;
  /** See {@link DeployerAccess}. @default - no grant: the secret writer's access is granted outside this construct */
  readonly deployerAccess?: DeployerAccess | false;
  /** Import the existing vault into state (Terraform `import` block, ID derived from the names). @default false */
  readonly adopt?: boolean;
  /** @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

/**
 * The identity that applies the plan writes the values of the secrets it manages, so it
 * gets secret Get, List, Set, Delete and Recover (access-policy vaults) or *Key Vault Secrets
 * Officer* (RBAC vaults) on this vault only, created the first time a secret with
 * `source: "variable"` is added. The principal is given, never taken from
 * `azurerm_client_config`: a saved plan keeps the plan identity's values, and people taking
 * turns would flip the ForceNew `object_id`.
 */
export interface DeployerAccess {
  /** The identity that applies (e.g. the deploy workflow's service principal). */
  readonly principal: IPrincipal;
  /** Also Purge, needed when the provider purges soft-deleted secrets on destroy. @default false */
  readonly purge?: boolean;
  /**
   * RBAC vaults: how long to wait between the *Key Vault Secrets Officer* assignment and the
   * first secret write (`time_sleep`), because Azure answers `ForbiddenByRbac` until the
   * assignment has propagated (the Azure Verified Module for Key Vault waits the same way).
   * @default "120s"
   */
  readonly rbacPropagationWait?: string;
}

/** Default wait for RBAC propagation before the first secret write. */
export const DEFAULT_RBAC_PROPAGATION_WAIT = "120s";

/** Props of {@link KeyVault.fromExisting}. */
export interface ExistingKeyVaultProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly subscriptionId: string;
  /** Whether the vault uses RBAC authorization (decides how grants are made). */
  readonly rbacAuthorization: boolean;
  /** Secrets it already holds (set out of band). @default [] */
  readonly existingSecretNames?: readonly string[];
  /** `lifecycle.prevent_destroy` on the secrets created in it (the environment's data protection). @default false */
  readonly preventDestroy?: boolean;
  /** See {@link DeployerAccess}. @default - no grant: granted outside this construct */
  readonly deployerAccess?: DeployerAccess | false;
  /** @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

abstract class KeyVaultBase extends Construct implements IKeyVault {
  public abstract readonly vaultName: string;
  public abstract readonly vaultId: string;
  public abstract readonly subscriptionId: string;
  public abstract readonly rbacAuthorization: boolean;
  public abstract readonly tenantId: string;
  protected abstract readonly provider?: TerraformProvider;
  protected abstract readonly preventDestroy: boolean;
  protected abstract readonly deployerAccess: DeployerAccess | false;
  private readonly names: string[] = [];
  private deployerGrant?: ITerraformDependable;
  private readonly added: VaultSecret[] = [];

  public get secretNames(): readonly string[] {
    return this.names;
  }

  public get secrets(): readonly VaultSecret[] {
    return this.added;
  }

  protected recordSecretName(name: string): void {
    this.names.push(name);
  }

  public addSecret(secret: SecretProps): VaultSecret {
    const writesValue = (secret.source ?? "variable") === "variable";
    const deployer = writesValue ? this.grantDeployerSecretWrite() : undefined;
    const created = new VaultSecret(this, `Secret-${secret.name}`, {
      requires: deployer ? [deployer] : [],
      ...secret,
      // Unique per vault and secret, so two teams in one stack never share a variable.
      // After the spread: `variableName: undefined` must not undo the default.
      variableName: secret.variableName ?? `secret_${this.vaultName}_${secret.name}`.replace(/[^A-Za-z0-9_]/g, "_"),
      keyVaultId: this.vaultId,
      provider: this.provider,
      preventDestroy: this.preventDestroy,
    });
    this.names.push(secret.name);
    this.added.push(created);
    return created;
  }

  /** The identity that applies may write secret values (see {@link DeployerAccess}); created once. */
  private grantDeployerSecretWrite(): ITerraformDependable | undefined {
    const access = this.deployerAccess;
    if (access === false) return undefined;
    if (this.deployerGrant) return this.deployerGrant;
    const principal = access.principal;
    if (this.rbacAuthorization) {
      const assignment = new BuiltInRoleAssignment(this, "SecretsWriteDeployer", {
        role: BuiltInRoles.KeyVaultSecretsOfficer,
        principal,
        scope: this.vaultId,
        scopeSubscriptionId: this.subscriptionId,
        description: `Terraform writes the secret values of ${this.vaultName}`,
        provider: this.provider,
      }).resource;
      // Azure answers ForbiddenByRbac until the assignment has propagated: wait before the first write.
      this.deployerGrant = new Sleep(this, "SecretsWriteDeployerPropagation", {
        createDuration: access.rbacPropagationWait ?? DEFAULT_RBAC_PROPAGATION_WAIT,
        triggers: { role_assignment_id: assignment.id },
        dependsOn: [assignment],
        provider: timeProvider(TerraformStack.of(this)),
      });
    } else {
      this.deployerGrant = new KeyVaultAccessPolicyA(this, "SecretsWriteDeployer", {
        keyVaultId: this.vaultId,
        tenantId: principal.tenantId,
        objectId: principal.principalId,
        secretPermissions: [...SECRET_WRITE_PERMISSIONS, ...(access.purge ? ["Purge"] : [])],
        provider: this.provider,
      });
    }
    return this.deployerGrant;
  }

  public grantSecretRead(grantee: IPrincipal): ITerraformDependable {
    requireArgument(this, "grantSecretRead", "grantee", grantee, FIX.principal);
    const id = `SecretsRead${grantee.grantScope.node.id}`;
    if (this.rbacAuthorization) {
      return new BuiltInRoleAssignment(this, id, {
        role: BuiltInRoles.KeyVaultSecretsUser,
        principal: grantee,
        scope: this.vaultId,
        scopeSubscriptionId: this.subscriptionId,
        description: `Read secrets of ${this.vaultName} (guide step 4, RBAC mode)`,
        provider: this.provider,
      }).resource;
    }
    return new KeyVaultAccessPolicyA(this, id, {
      keyVaultId: this.vaultId,
      tenantId: this.tenantId,
      objectId: grantee.principalId,
      secretPermissions: [...SECRET_READ_PERMISSIONS],
      provider: this.provider,
    });
  }
}

/**
 * Guide step 2: a Key Vault with its secrets, safe by default: purge protection on,
 * 90 days soft delete, firewall default `Deny`, and secret values that never reach
 * Terraform's files (see {@link VaultSecret}).
 */
export class KeyVault extends KeyVaultBase {
  /** Imports an existing vault (data source; read at plan time). */
  public static fromExisting(scope: Construct, id: string, props: ExistingKeyVaultProps): IKeyVault {
    return new ExistingKeyVault(scope, id, props);
  }

  public readonly vaultName: string;
  public readonly vaultId: string;
  public readonly subscriptionId: string;
  public readonly rbacAuthorization: boolean;
  /** The azurerm_key_vault. */
  public readonly resource: KeyVaultResource;
  public readonly tenantId: string;
  protected readonly provider?: TerraformProvider;
  protected readonly preventDestroy: boolean;
  protected readonly deployerAccess: DeployerAccess | false;

  constructor(scope: Construct, id: string, props: KeyVaultProps) {
    super(scope, id);
    const retention = props.softDeleteRetentionDays ?? KEY_VAULT_SOFT_DELETE_RETENTION_DAYS.default;
    checkKeyVaultProps(this.node.path, props, retention);

    this.vaultName = props.name;
    this.subscriptionId = props.subscriptionId;
    this.rbacAuthorization = props.rbacAuthorization ?? false;
    this.tenantId = props.tenantId;
    this.provider = props.provider;
    this.preventDestroy = props.preventDestroy ?? false;
    this.deployerAccess = props.deployerAccess ?? false;
    const network = props.network ?? {};
    const kind = network.kind ?? (network.defaultAction === "Allow" ? "public" : "firewall");
    this.resource = new KeyVaultResource(this, "Resource", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tenantId: props.tenantId,
      skuName: "standard",
      rbacAuthorizationEnabled: this.rbacAuthorization,
      softDeleteRetentionDays: retention,
      purgeProtectionEnabled: props.purgeProtection ?? true,
      // Private endpoint: the public endpoint is off, so the Deny firewall needs no allow-list.
      publicNetworkAccessEnabled: kind !== "private-endpoint",
      networkAcls: {
        defaultAction: kind === "public" ? "Allow" : "Deny",
        bypass: network.bypassAzureServices === false ? "None" : "AzureServices",
        ipRules: [...(network.ipRules ?? [])],
        virtualNetworkSubnetIds: [...(network.subnetIds ?? [])],
      },
      tags: props.tags ? { ...props.tags } : undefined,
      provider: props.provider,
      lifecycle: this.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.vaultId = this.resource.id;
    if (props.adopt) this.adopt(props);
    this.wireNetwork(props, kind);
    for (const secret of props.secrets ?? []) this.addSecret(secret);
  }

  /** Imports the vault the guide made by hand; warns when the apply would switch purge protection on for good. */
  private adopt(props: KeyVaultProps): void {
    ImportBlock.into(
      this.resource,
      `/subscriptions/${props.subscriptionId}/resourceGroups/${props.resourceGroupName}` +
        `/providers/Microsoft.KeyVault/vaults/${props.name}`,
    );
    if (props.purgeProtection ?? true) {
      Annotations.of(this).addWarning(
        `adopting vault ${props.name} with purge_protection_enabled = true: ` +
          `if the vault has it off today (az keyvault show --query properties.enablePurgeProtection), ` +
          `this apply switches it on, and it can never be switched off. ` +
          `Set keyVault.purgeProtection to the vault's current value unless that is what you want.`,
      );
    }
  }

  /** The documented public choice (a suppression with its reason) or the private endpoint. */
  private wireNetwork(props: KeyVaultProps, kind: KeyVaultNetworkKind): void {
    const network = props.network ?? {};
    // Only an explicit `kind: "public"` is the documented choice; a bare `defaultAction: "Allow"` stays an AKSID-KV-003 error.
    if (network.kind === "public") {
      suppressPolicy(
        this.resource,
        "AKSID-KV-003",
        `network kind "public" chosen in config for ${props.name}: the guide's public endpoint; Entra ID auth and the grants still apply`,
      );
    }
    if (kind === "private-endpoint" && network.privateEndpoint && !("existingId" in network.privateEndpoint)) {
      new KeyVaultPrivateEndpoint(this, "PrivateEndpoint", {
        ...network.privateEndpoint,
        keyVaultId: this.vaultId,
        vaultName: props.name,
        location: props.location,
        resourceGroupName: props.resourceGroupName,
        tags: props.tags,
        provider: props.provider,
      });
    }
  }
}

/** The props' values and the network choice's contradictions; throws every problem at once. */
function checkKeyVaultProps(path: string, props: KeyVaultProps, retention: number): void {
  const check = new Checker(path);
  check.check("name", props.name, Rules.keyVaultName);
  check.check("resourceGroupName", props.resourceGroupName, Rules.resourceGroupName);
  check.check("location", props.location, Rules.location);
  check.check("tenantId", props.tenantId, Rules.guid);
  check.check("subscriptionId", props.subscriptionId, Rules.guid);
  check.check("softDeleteRetentionDays", retention, Rules.softDeleteRetentionDays);
  (props.network?.ipRules ?? []).forEach((ip, i) => check.check(`network.ipRules[${i}]`, ip, Rules.cidrOrIp));
  // A Deny firewall that allows nothing is reported by the config validator and by policy
  // rule AKSID-KV-006 (an error at synth); contradictions in the choice are caught here.
  const unreachable = vaultNetworkProblem(props.network);
  if (unreachable && unreachable.field !== "network") check.add(unreachable.field, unreachable.value, unreachable.problem, unreachable.fix);
  check.throwIfAny();
}

class ExistingKeyVault extends KeyVaultBase {
  public readonly vaultName: string;
  public readonly vaultId: string;
  public readonly subscriptionId: string;
  public readonly rbacAuthorization: boolean;
  public readonly tenantId: string;
  protected readonly provider?: TerraformProvider;
  protected readonly preventDestroy: boolean;
  protected readonly deployerAccess: DeployerAccess | false;

  constructor(scope: Construct, id: string, props: ExistingKeyVaultProps) {
    super(scope, id);
    const check = new Checker(this.node.path);
    check.check("name", props.name, Rules.keyVaultName);
    check.check("resourceGroupName", props.resourceGroupName, Rules.resourceGroupName);
    check.check("subscriptionId", props.subscriptionId, Rules.guid);
    check.throwIfAny();
    const data = new DataAzurermKeyVault(this, "Lookup", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      provider: props.provider,
    });
    this.vaultName = props.name;
    this.vaultId = data.id;
    this.subscriptionId = props.subscriptionId;
    this.rbacAuthorization = props.rbacAuthorization;
    this.tenantId = data.tenantId;
    this.provider = props.provider;
    this.preventDestroy = props.preventDestroy ?? false;
    this.deployerAccess = props.deployerAccess ?? false;
    for (const name of props.existingSecretNames ?? []) this.recordSecretName(name);
  }
}
