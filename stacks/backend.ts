import { AzurermBackend, LocalBackend, type TerraformStack } from "cdktf";
import type { BackendConfig, EnvironmentConfig } from "../config/types";

/** Environment variables that switch every stack to the azurerm backend (e.g. in CI). */
export const BACKEND_ENV = {
  storageAccount: "TFSTATE_STORAGE_ACCOUNT",
  resourceGroup: "TFSTATE_RESOURCE_GROUP",
  container: "TFSTATE_CONTAINER",
  subscriptionId: "TFSTATE_SUBSCRIPTION_ID",
  keyPrefix: "TFSTATE_KEY_PREFIX",
} as const;

/** The backend a stack uses: environment variables first, then the environment's config, then local state. */
export function resolveBackend(env: EnvironmentConfig, vars: NodeJS.ProcessEnv): BackendConfig {
  const account = vars[BACKEND_ENV.storageAccount];
  if (account) {
    return {
      kind: "azurerm",
      storageAccountName: account,
      resourceGroupName: vars[BACKEND_ENV.resourceGroup] || "",
      containerName: vars[BACKEND_ENV.container] || "tfstate",
      subscriptionId: vars[BACKEND_ENV.subscriptionId] || undefined,
      keyPrefix: vars[BACKEND_ENV.keyPrefix] || undefined,
    };
  }
  return env.backend ?? { kind: "local" };
}

/**
 * Configures state for one stack. Local state lives in the project root
 * (`terraform.<stack>.tfstate`), outside `cdktf.out/`, which every synth replaces. The
 * azurerm backend uses Entra ID auth (no access keys; OIDC when CI sets ARM_USE_OIDC=true),
 * and one key per stack.
 */
export function configureBackend(stack: TerraformStack, stackName: string, backend: BackendConfig): void {
  if (backend.kind === "local") {
    // Relative to cdktf.out/stacks/<stack>/, where terraform runs; no machine-specific paths.
    new LocalBackend(stack, { path: `../../../terraform.${stackName}.tfstate` });
    return;
  }
  new AzurermBackend(stack, {
    storageAccountName: backend.storageAccountName,
    containerName: backend.containerName,
    resourceGroupName: backend.resourceGroupName,
    subscriptionId: backend.subscriptionId,
    key: `${backend.keyPrefix ?? ""}${stackName}.tfstate`,
    useAzureadAuth: true,
  });
}
