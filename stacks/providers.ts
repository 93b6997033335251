import type { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import type { EnvironmentConfig } from "../config/types";

/** Options of {@link azurermProvider}. */
export interface AzurermProviderOptions {
  readonly subscriptionId: string;
  /** @default - the default provider */
  readonly alias?: string;
}

/**
 * An azurerm provider for one subscription. Key Vault data safety comes from the
 * environment: soft-deleted vaults and secrets are recovered, never purged, unless the
 * environment says `purgeOnDestroy`. No credentials: `az login`, OIDC or a managed identity
 * supply them at plan time. Resource providers are not auto-registered (that needs
 * subscription-wide rights the deploy identity should not have).
 */
export function azurermProvider(scope: Construct, id: string, env: EnvironmentConfig, opts: AzurermProviderOptions): AzurermProvider {
  const purge = env.dataProtection.purgeOnDestroy;
  return new AzurermProvider(scope, id, {
    alias: opts.alias,
    subscriptionId: opts.subscriptionId,
    tenantId: env.tenantId,
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
