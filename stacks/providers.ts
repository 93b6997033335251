import type { Construct } from "constructs";
import type { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { azurermProvider as provider } from "../constructs/providers";
import type { EnvironmentConfig } from "../config/types";

/**
 * An azurerm provider for one subscription of the environment, with its data safety
 * (`dataProtection.purgeOnDestroy`); see constructs/providers.ts.
 */
export function azurermProvider(
  scope: Construct,
  id: string,
  env: EnvironmentConfig,
  opts: { readonly subscriptionId: string; readonly alias?: string },
): AzurermProvider {
  return provider(scope, id, { ...opts, tenantId: env.tenantId, purgeOnDestroy: env.dataProtection.purgeOnDestroy });
}
