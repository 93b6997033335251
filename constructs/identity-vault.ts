import { Construct } from "constructs";
import type { ITerraformDependable, TerraformProvider } from "cdktf";
import { type IManagedIdentity, ManagedIdentity, type ManagedIdentityProps } from "./managed-identity";
import { type DeployerAccess, type IKeyVault, KeyVault, type KeyVaultProps, type SecretProps } from "./key-vault";
import { ImportBlock } from "./import-block";

/** The identity of an {@link IdentityVault}: the {@link ManagedIdentity} props it does not take from the IdentityVault. */
export interface IdentityVaultIdentityOptions extends Pick<ManagedIdentityProps, "name" | "resourceGroupName"> {
  /** Import the existing identity instead of creating it. @default false */
  readonly existing?: boolean;
}

/** The vault of an {@link IdentityVault}: the {@link KeyVault} props it does not take from the IdentityVault. */
export interface IdentityVaultKeyVaultOptions extends Pick<
  KeyVaultProps,
  "name" | "resourceGroupName" | "rbacAuthorization" | "softDeleteRetentionDays" | "purgeProtection" | "network"
> {
  /** Import the existing vault instead of creating it. @default false */
  readonly existing?: boolean;
  /** Secrets to create (`source: "variable"`) or that exist already (`source: "external"`). */
  readonly secrets: readonly SecretProps[];
}

/** Props of {@link IdentityVault}. */
export interface IdentityVaultProps {
  /** Region of new resources, lower-case. */
  readonly location: string;
  readonly tenantId: string;
  /** Subscription of the identity and vault. */
  readonly subscriptionId: string;
  /** The identity; `existing: true` imports it instead of creating it. */
  readonly identity: IdentityVaultIdentityOptions;
  /** The vault; `existing: true` imports it instead of creating it. */
  readonly keyVault: IdentityVaultKeyVaultOptions;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** `prevent_destroy` on identity, vault and secrets. @default false */
  readonly preventDestroy?: boolean;
  /** The applying identity's right to write the secret values. @default - granted outside these stacks */
  readonly deployerAccess?: DeployerAccess | false;
  /**
   * Import the identity and vault the guide created by hand (Terraform `import` blocks, IDs
   * derived from the names). Existing resources (`existing: true`) are only referenced.
   * @default false
   */
  readonly adopt?: boolean;
  /** @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

/**
 * Guide steps 1, 2 and 4 in one: the app's user-assigned identity, its Key Vault with
 * secrets, and the identity's read access to those secrets (access policy Get+List, or
 * *Key Vault Secrets User* on an RBAC vault). Either side can be an existing resource.
 */
export class IdentityVault extends Construct {
  public readonly identity: IManagedIdentity;
  public readonly keyVault: IKeyVault;
  /** The grant that lets the identity read secrets (step 4). */
  public readonly secretRead: ITerraformDependable;

  constructor(scope: Construct, id: string, props: IdentityVaultProps) {
    super(scope, id);
    const common = { subscriptionId: props.subscriptionId, provider: props.provider };
    if (props.identity.existing) {
      this.identity = ManagedIdentity.fromExisting(this, "Identity", { ...common, ...props.identity });
    } else {
      const created = new ManagedIdentity(this, "Identity", {
        ...common,
        name: props.identity.name,
        resourceGroupName: props.identity.resourceGroupName,
        location: props.location,
        tags: props.tags,
        preventDestroy: props.preventDestroy,
      });
      if (props.adopt) {
        const { name, resourceGroupName } = props.identity;
        ImportBlock.into(
          created.resource,
          `/subscriptions/${props.subscriptionId}/resourceGroups/${resourceGroupName}` +
            `/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
        );
      }
      this.identity = created;
    }

    const kv = props.keyVault;
    if (kv.existing) {
      const external = kv.secrets.filter((s) => s.source === "external").map((s) => s.name);
      this.keyVault = KeyVault.fromExisting(this, "KeyVault", {
        ...common,
        name: kv.name,
        resourceGroupName: kv.resourceGroupName,
        rbacAuthorization: kv.rbacAuthorization ?? false,
        existingSecretNames: external,
        // The environment's data protection applies to secrets created in an existing vault too.
        preventDestroy: props.preventDestroy,
        deployerAccess: props.deployerAccess,
      });
      for (const s of kv.secrets.filter((x) => x.source !== "external")) this.keyVault.addSecret(s);
    } else {
      this.keyVault = new KeyVault(this, "KeyVault", {
        ...common,
        name: kv.name,
        resourceGroupName: kv.resourceGroupName,
        location: props.location,
        tenantId: props.tenantId,
        rbacAuthorization: kv.rbacAuthorization,
        softDeleteRetentionDays: kv.softDeleteRetentionDays,
        purgeProtection: kv.purgeProtection,
        network: kv.network,
        secrets: kv.secrets,
        tags: props.tags,
        preventDestroy: props.preventDestroy,
        deployerAccess: props.deployerAccess,
        adopt: props.adopt,
      });
    }
    this.secretRead = this.keyVault.grantSecretRead(this.identity);
  }
}
