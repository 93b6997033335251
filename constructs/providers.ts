import type { Construct } from "constructs";
import type { TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";

/** Terraform ≥ 1.11: write-only attributes (`value_wo`) and ephemeral variables. */
export const REQUIRED_TERRAFORM = ">= 1.11.0";

/**
 * Sets `terraform.required_version` to {@link REQUIRED_TERRAFORM}: secret values go through
 * write-only attributes, which older Terraform would reject at plan time.
 * Rendered by `cdktf synth --hcl` too since patches/cdktf+0.21.0.patch (docs/exit.md).
 */
export function requireTerraformVersion(stack: TerraformStack): void {
  stack.addOverride("terraform.required_version", REQUIRED_TERRAFORM);
}

/** Options of {@link azurermProvider}. */
export interface AzurermProviderOptions {
  readonly subscriptionId: string;
  readonly tenantId: string;
  /**
   * Purge soft-deleted vaults and secrets when Terraform destroys them (they cannot be
   * recovered afterwards). Off, a destroyed vault stays recoverable for its retention days.
   * @default false
   */
  readonly purgeOnDestroy?: boolean;
  /** @default - the default provider */
  readonly alias?: string;
}

/**
 * An azurerm provider for one subscription, with the Key Vault data safety of
 * docs/guard-rails.md: soft-deleted vaults and secrets are recovered, never purged, unless
 * `purgeOnDestroy`. No credentials: `az login`, OIDC or a managed identity supply them at plan
 * time. Resource providers are not auto-registered (that needs subscription-wide rights the
 * deploy identity should not have).
 */
export function azurermProvider(scope: Construct, id: string, opts: AzurermProviderOptions): AzurermProvider {
  const purge = opts.purgeOnDestroy ?? false;
  return new AzurermProvider(scope, id, {
    alias: opts.alias,
    subscriptionId: opts.subscriptionId,
    tenantId: opts.tenantId,
    resourceProviderRegistrations: "none",
    storageUseAzuread: true,
    features: [
      {
        keyVault: [
          {
            purgeSoftDeleteOnDestroy: purge,
            purgeSoftDeletedSecretsOnDestroy: purge,
            recoverSoftDeletedKeyVaults: true,
            recoverSoftDeletedSecrets: true,
          },
        ],
      },
    ],
  });
}
