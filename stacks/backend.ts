import { AzurermBackend, LocalBackend, type TerraformStack } from "cdktf";
import type { BackendConfig, EnvironmentConfig } from "../config/types";
import { Checker, Rules, type Rule, type ValidationIssue } from "../constructs/validation";

/** Environment variables that switch every stack to the azurerm backend (e.g. in CI). */
export const BACKEND_ENV = {
  storageAccount: "TFSTATE_STORAGE_ACCOUNT",
  resourceGroup: "TFSTATE_RESOURCE_GROUP",
  container: "TFSTATE_CONTAINER",
  subscriptionId: "TFSTATE_SUBSCRIPTION_ID",
  keyPrefix: "TFSTATE_KEY_PREFIX",
} as const;

/**
 * Checks the `TFSTATE_*` variables the way config is checked, before anything is written: an
 * empty variable counts as unset; the storage account and container must be names Azure can
 * have, the account needs its resource group, and the other variables mean nothing without the
 * account.
 */
export function validateBackendEnv(vars: NodeJS.ProcessEnv): ValidationIssue[] {
  const c = new Checker("environment");
  const get = (name: string): string | undefined => (vars[name] === "" ? undefined : vars[name]);
  const account = get(BACKEND_ENV.storageAccount);
  if (account === undefined) {
    for (const name of [BACKEND_ENV.resourceGroup, BACKEND_ENV.container, BACKEND_ENV.subscriptionId, BACKEND_ENV.keyPrefix]) {
      const v = get(name);
      if (v !== undefined)
        c.add(
          name,
          v,
          `is set but ${BACKEND_ENV.storageAccount} is not, so it would be ignored`,
          `set ${BACKEND_ENV.storageAccount} to the state storage account too, or unset ${name}`,
        );
    }
    return [...c.issues];
  }
  const unsafe = (name: string, v: string | undefined): boolean => {
    if (v === undefined || !/[$%]\{/.test(v)) return false;
    c.add(name, v, 'contains "${" or "%{", which Terraform would evaluate', "use the plain name");
    return true;
  };
  const check = (name: string, v: string | undefined, r: Rule) => !unsafe(name, v) && c.check(name, v, r);
  check(BACKEND_ENV.storageAccount, account, Rules.storageAccountName);
  const group = get(BACKEND_ENV.resourceGroup);
  if (group === undefined)
    c.add(
      BACKEND_ENV.resourceGroup,
      undefined,
      `is missing: ${BACKEND_ENV.storageAccount} is set, and the azurerm backend needs the account's resource group`,
      `set ${BACKEND_ENV.resourceGroup} to the resource group of storage account "${account}"`,
    );
  else check(BACKEND_ENV.resourceGroup, group, Rules.resourceGroupName);
  check(BACKEND_ENV.container, get(BACKEND_ENV.container), Rules.storageContainerName);
  check(BACKEND_ENV.subscriptionId, get(BACKEND_ENV.subscriptionId), Rules.guid);
  const prefix = get(BACKEND_ENV.keyPrefix);
  if (!unsafe(BACKEND_ENV.keyPrefix, prefix) && prefix !== undefined && (prefix.length > 900 || /[\\\s]|^\//.test(prefix))) {
    c.add(
      BACKEND_ENV.keyPrefix,
      prefix,
      "is invalid: a blob name prefix without spaces or backslashes, not starting with /",
      'use e.g. "aks-app-identity/"',
    );
  }
  return [...c.issues];
}

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
