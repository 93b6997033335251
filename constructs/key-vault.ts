import { Construct, type IConstruct } from "constructs";
import { type ITerraformDependable, type TerraformProvider, TerraformStack } from "cdktf";
import { KeyVault as KeyVaultResource } from "@cdktf/provider-azurerm/lib/key-vault";
import { KeyVaultAccessPolicyA } from "@cdktf/provider-azurerm/lib/key-vault-access-policy";
import { DataAzurermKeyVault } from "@cdktf/provider-azurerm/lib/data-azurerm-key-vault";
import { DataAzurermClientConfig } from "@cdktf/provider-azurerm/lib/data-azurerm-client-config";
import type { IPrincipal } from "./principal";
import { BuiltInRoleAssignment } from "./role-assignment";
import { BuiltInRoles } from "./facts";
import { VaultSecret, type VaultSecretProps } from "./key-vault-secret";
import { Checker, Rules, requireArgument, MISSING_PROP_FIXES as FIX } from "./validation";

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

/** Network rules of a vault. */
export interface KeyVaultNetworkProps {
  /** @default "Deny" */
  readonly defaultAction?: "Allow" | "Deny";
  /** @default [] */
  readonly ipRules?: readonly string[];
  /** @default [] */
  readonly subnetIds?: readonly string[];
  /** Let trusted Azure services through. @default true */
  readonly bypassAzureServices?: boolean;
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
  /** @default { defaultAction: "Deny", bypassAzureServices: true } */
  readonly network?: KeyVaultNetworkProps;
  /** @default [] */
  readonly secrets?: readonly SecretProps[];
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** `lifecycle.prevent_destroy` on the vault and its secrets. @default false */
  readonly preventDestroy?: boolean;
  /** See {@link DeployerAccess}. @default { purge: false } */
  readonly deployerAccess?: DeployerAccess | false;
  /** @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

/**
 * The principal running Terraform (`azurerm_client_config`) writes the values of the secrets
 * it manages, so it gets secret Get, List, Set, Delete and Recover (access-policy vaults) or
 * *Key Vault Secrets Officer* (RBAC vaults) on this vault only, created the first time a
 * secret with `source: "variable"` is added. `false` when that access is granted elsewhere.
 */
export interface DeployerAccess {
  /** Also Purge, needed when the provider purges soft-deleted secrets on destroy. @default false */
  readonly purge?: boolean;
}

/** Props of {@link KeyVault.fromExisting}. */
export interface ExistingKeyVaultProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly subscriptionId: string;
  /** Whether the vault uses RBAC authorization (decides how grants are made). */
  readonly rbacAuthorization: boolean;
  /** Secrets it already holds (set out of band). @default [] */
  readonly existingSecretNames?: readonly string[];
  /** See {@link DeployerAccess}. @default { purge: false } */
  readonly deployerAccess?: DeployerAccess | false;
  /** @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

abstract class KeyVaultBase extends Construct implements IKeyVault {
  public abstract readonly vaultName: string;
  public abstract readonly vaultId: string;
  public abstract readonly subscriptionId: string;
  public abstract readonly rbacAuthorization: boolean;
  protected abstract readonly tenantId: string;
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

  /** The principal running Terraform may write secret values (see {@link DeployerAccess}); created once. */
  private grantDeployerSecretWrite(): ITerraformDependable | undefined {
    if (this.deployerAccess === false) return undefined;
    if (this.deployerGrant) return this.deployerGrant;
    // One lookup of "who runs Terraform" per stack and provider, shared by every vault.
    const stack = TerraformStack.of(this);
    const lookupId = `DeployerClientConfig${this.provider ? `-${this.provider.node.id}` : ""}`;
    const client =
      (stack.node.tryFindChild(lookupId) as DataAzurermClientConfig | undefined) ??
      new DataAzurermClientConfig(stack, lookupId, { provider: this.provider });
    if (this.rbacAuthorization) {
      this.deployerGrant = new BuiltInRoleAssignment(this, "SecretsWriteDeployer", {
        role: BuiltInRoles.KeyVaultSecretsOfficer,
        principal: { principalId: client.objectId, tenantId: client.tenantId, grantScope: this },
        scope: this.vaultId,
        scopeSubscriptionId: this.subscriptionId,
        description: `Terraform writes the secret values of ${this.vaultName}`,
        provider: this.provider,
      }).resource;
    } else {
      this.deployerGrant = new KeyVaultAccessPolicyA(this, "SecretsWriteDeployer", {
        keyVaultId: this.vaultId,
        tenantId: client.tenantId,
        objectId: client.objectId,
        secretPermissions: [...SECRET_WRITE_PERMISSIONS, ...(this.deployerAccess.purge ? ["Purge"] : [])],
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
  protected readonly tenantId: string;
  protected readonly provider?: TerraformProvider;
  protected readonly preventDestroy: boolean;
  protected readonly deployerAccess: DeployerAccess | false;

  constructor(scope: Construct, id: string, props: KeyVaultProps) {
    super(scope, id);
    const check = new Checker(this.node.path);
    check.check("name", props.name, Rules.keyVaultName);
    check.check("resourceGroupName", props.resourceGroupName, Rules.resourceGroupName);
    check.check("location", props.location, Rules.location);
    check.check("tenantId", props.tenantId, Rules.guid);
    check.check("subscriptionId", props.subscriptionId, Rules.guid);
    const retention = props.softDeleteRetentionDays ?? 90;
    if (!Number.isInteger(retention) || retention < 7 || retention > 90) {
      check.add("softDeleteRetentionDays", retention, "is invalid: a whole number of days from 7 to 90", "use 90 (the maximum) unless a policy says otherwise");
    }
    (props.network?.ipRules ?? []).forEach((ip, i) => check.check(`network.ipRules[${i}]`, ip, Rules.cidrOrIp));
    check.throwIfAny();

    this.vaultName = props.name;
    this.subscriptionId = props.subscriptionId;
    this.rbacAuthorization = props.rbacAuthorization ?? false;
    this.tenantId = props.tenantId;
    this.provider = props.provider;
    this.preventDestroy = props.preventDestroy ?? false;
    this.deployerAccess = props.deployerAccess ?? {};
    const network = props.network ?? {};
    this.resource = new KeyVaultResource(this, "Resource", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tenantId: props.tenantId,
      skuName: "standard",
      rbacAuthorizationEnabled: this.rbacAuthorization,
      softDeleteRetentionDays: retention,
      purgeProtectionEnabled: props.purgeProtection ?? true,
      networkAcls: {
        defaultAction: network.defaultAction ?? "Deny",
        bypass: network.bypassAzureServices === false ? "None" : "AzureServices",
        ipRules: [...(network.ipRules ?? [])],
        virtualNetworkSubnetIds: [...(network.subnetIds ?? [])],
      },
      tags: props.tags ? { ...props.tags } : undefined,
      provider: props.provider,
      lifecycle: this.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.vaultId = this.resource.id;
    for (const secret of props.secrets ?? []) this.addSecret(secret);
  }
}

class ExistingKeyVault extends KeyVaultBase {
  public readonly vaultName: string;
  public readonly vaultId: string;
  public readonly subscriptionId: string;
  public readonly rbacAuthorization: boolean;
  protected readonly tenantId: string;
  protected readonly provider?: TerraformProvider;
  protected readonly preventDestroy = false;
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
    this.deployerAccess = props.deployerAccess ?? {};
    for (const name of props.existingSecretNames ?? []) this.recordSecretName(name);
  }
}
