// Issue 3, guard rail 1: input validation. Every bad input below is a mutation of a deep copy of
// the real config (config/environments.ts), synthesized the way `npm run synth` does it
// (stacks/synthesize.ts) into a temp dir that holds a stale cdktf.out/. Each case asserts the
// exact message line (context, field, JSON value, rule, fix), that nothing was synthesized,
// and that neither cdktf.out/ nor a cdktf.out.tmp-* directory is left for `cdktf deploy`.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { TerraformStack } from "cdktf";
import { platform } from "../config/environments";
import type { PlatformConfig } from "../config/types";
import { ENVIRONMENTS_FIX } from "../config/schema";
import { Rules, type Rule } from "../constructs/validation";
import { POLICY_RULES } from "../constructs/policy";
import { KeyVault } from "../constructs/key-vault";
import { buildPlatform } from "../stacks/platform";
import { synthesize, type SynthResult } from "../stacks/synthesize";

// Pass-through mock, so two tests can make the build step itself fail (construct-level errors).
jest.mock("../stacks/platform", () => {
  const actual = jest.requireActual("../stacks/platform");
  return { ...actual, buildPlatform: jest.fn(actual.buildPlatform) };
});

const ROOT = path.resolve(__dirname, "..");

/** A deep, writable copy of a config type. */
type Draft<T> = T extends readonly (infer U)[] ? Draft<U>[] : T extends object ? { -readonly [K in keyof T]: Draft<T[K]> } : T;
type Config = Draft<PlatformConfig>;
type Env = Config["environments"][number];
type Team = Env["teams"][number];

const envOf = (c: Config, name: string): Env => c.environments.find((e) => e.name === name)!;
const teamOf = (c: Config, env: string, i = 0): Team => envOf(c, env).teams[i];
/** Removes a field that the types say is required (a "missing required field" input). */
const unset = (o: object, key: string): void => {
  delete (o as Record<string, unknown>)[key];
};
/** A second team in the same environment, with its own identity, vault and pod-identity names. */
function secondTeam(c: Config, env: string, name: string, overrides: (t: Team) => void = () => undefined): Team {
  const t: Team = structuredClone(teamOf(c, env));
  t.name = name;
  t.identity.name = `id-${name}`;
  t.keyVault.name = `kv-${name}-${env}`.slice(0, 24);
  t.podIdentity = { azureIdentityName: `${name}-identity`, bindingName: `${name}-binding`, selector: `bind-${name}` };
  overrides(t);
  envOf(c, env).teams.push(t);
  return t;
}

/** One bad input and the exact line it must produce. */
interface BadInput {
  /** What is wrong, in words. */
  readonly name: string;
  readonly mutate?: (c: Config) => void;
  readonly argv?: readonly string[];
  readonly vars?: NodeJS.ProcessEnv;
  /** `prod / team "poc"`, `dev-test`, `command line` or `config`. */
  readonly context: string;
  readonly field: string;
  /** The offending value; `undefined` for a missing field. */
  readonly value: unknown;
  /** The rule broken. */
  readonly problem: string;
  readonly fix: string;
}

/** Problem and fix of a value that breaks a naming/format rule. */
const breaks = (r: Pick<Rule, "requirement" | "fix">): Pick<BadInput, "problem" | "fix"> => ({
  problem: `is invalid: ${r.requirement}`,
  fix: r.fix,
});
const PROD = 'prod / team "poc"';
const DEV = 'dev-test / team "poc"';
const NS = "aad-pod-identity-poc";

const BAD_INPUTS: readonly BadInput[] = [
  // ---- Azure names ----
  {
    name: "Key Vault name with an underscore and '!' (the issue's example)",
    mutate: (c) => void (teamOf(c, "prod").keyVault.name = "kv_prod!"),
    context: PROD,
    field: "keyVault.name",
    value: "kv_prod!",
    ...breaks(Rules.keyVaultName),
  },
  {
    name: "Key Vault name of 2 characters",
    mutate: (c) => void (teamOf(c, "prod").keyVault.name = "kv"),
    context: PROD,
    field: "keyVault.name",
    value: "kv",
    ...breaks(Rules.keyVaultName),
  },
  {
    name: "Key Vault name of 25 characters",
    mutate: (c) => void (teamOf(c, "prod").keyVault.name = "kv-westus2-aks-prod-12345"),
    context: PROD,
    field: "keyVault.name",
    value: "kv-westus2-aks-prod-12345",
    ...breaks(Rules.keyVaultName),
  },
  {
    name: "Key Vault name starting with a digit",
    mutate: (c) => void (teamOf(c, "prod").keyVault.name = "1kv-westus2"),
    context: PROD,
    field: "keyVault.name",
    value: "1kv-westus2",
    ...breaks(Rules.keyVaultName),
  },
  {
    name: "Key Vault name ending with a hyphen",
    mutate: (c) => void (teamOf(c, "prod").keyVault.name = "kv-westus2-"),
    context: PROD,
    field: "keyVault.name",
    value: "kv-westus2-",
    ...breaks(Rules.keyVaultName),
  },
  {
    name: "Key Vault name with consecutive hyphens",
    mutate: (c) => void (teamOf(c, "dev-test").keyVault.name = "kv--westus2"),
    context: DEV,
    field: "keyVault.name",
    value: "kv--westus2",
    ...breaks(Rules.keyVaultName),
  },
  {
    name: "identity name of 2 characters",
    mutate: (c) => void (teamOf(c, "prod").identity.name = "id"),
    context: PROD,
    field: "identity.name",
    value: "id",
    ...breaks(Rules.identityName),
  },
  {
    name: "identity name starting with an underscore",
    mutate: (c) => void (teamOf(c, "prod").identity.name = "_aks-identity"),
    context: PROD,
    field: "identity.name",
    value: "_aks-identity",
    ...breaks(Rules.identityName),
  },
  {
    name: "identity name of 129 characters",
    mutate: (c) => void (teamOf(c, "prod").identity.name = "a".repeat(129)),
    context: PROD,
    field: "identity.name",
    value: "a".repeat(129),
    ...breaks(Rules.identityName),
  },
  {
    name: "identity name with a dot",
    mutate: (c) => void (teamOf(c, "dev-test").identity.name = "aks.identity"),
    context: DEV,
    field: "identity.name",
    value: "aks.identity",
    ...breaks(Rules.identityName),
  },
  {
    name: "agent-pool identity name with a space",
    mutate: (c) => void (envOf(c, "prod").cluster.agentPool!.identityName = "aks agentpool"),
    context: "prod",
    field: "cluster.agentPool.identityName",
    value: "aks agentpool",
    ...breaks(Rules.identityName),
  },
  {
    name: "resource group name with a trailing period",
    mutate: (c) => void (teamOf(c, "prod").identity.resourceGroupName = "rg-westus2-shared."),
    context: PROD,
    field: "identity.resourceGroupName",
    value: "rg-westus2-shared.",
    ...breaks(Rules.resourceGroupName),
  },
  {
    name: "resource group name of 91 characters",
    mutate: (c) => void (teamOf(c, "prod").keyVault.resourceGroupName = "r".repeat(91)),
    context: PROD,
    field: "keyVault.resourceGroupName",
    value: "r".repeat(91),
    ...breaks(Rules.resourceGroupName),
  },
  {
    name: "node resource group name with a slash",
    mutate: (c) => void (envOf(c, "dev-test").cluster.agentPool!.nodeResourceGroupName = "MC_rg/aks"),
    context: "dev-test",
    field: "cluster.agentPool.nodeResourceGroupName",
    value: "MC_rg/aks",
    ...breaks(Rules.resourceGroupName),
  },
  {
    name: "secret name with an underscore",
    mutate: (c) =>
      void teamOf(c, "prod").keyVault.secrets.push({
        name: "db_password",
        contentType: "text/plain",
        expirationDate: "2027-06-30T00:00:00Z",
      }),
    context: PROD,
    field: "keyVault.secrets[1].name",
    value: "db_password",
    ...breaks(Rules.secretName),
  },
  {
    name: "secret name of 128 characters",
    mutate: (c) =>
      void teamOf(c, "prod").keyVault.secrets.push({
        name: "s".repeat(128),
        contentType: "text/plain",
        expirationDate: "2027-06-30T00:00:00Z",
      }),
    context: PROD,
    field: "keyVault.secrets[1].name",
    value: "s".repeat(128),
    ...breaks(Rules.secretName),
  },
  {
    name: "location as a display name",
    mutate: (c) => void (envOf(c, "prod").location = "West US 2"),
    context: "prod",
    field: "location",
    value: "West US 2",
    ...breaks(Rules.location),
  },
  {
    name: "location in upper case",
    mutate: (c) => void (envOf(c, "dev-test").location = "WestUS2"),
    context: "dev-test",
    field: "location",
    value: "WestUS2",
    ...breaks(Rules.location),
  },
  // ---- GUIDs ----
  {
    name: "tenant ID that is a domain name",
    mutate: (c) => void (envOf(c, "prod").tenantId = "contoso.onmicrosoft.com"),
    context: "prod",
    field: "tenantId",
    value: "contoso.onmicrosoft.com",
    ...breaks(Rules.guid),
  },
  {
    name: "app subscription ID in braces",
    mutate: (c) => void (envOf(c, "prod").appSubscriptionId = "{99a3af26-911d-4bc5-8fcc-8f9de81e46c5}"),
    context: "prod",
    field: "appSubscriptionId",
    value: "{99a3af26-911d-4bc5-8fcc-8f9de81e46c5}",
    ...breaks(Rules.guid),
  },
  {
    name: "cluster subscription ID one digit short",
    mutate: (c) => void (envOf(c, "dev-test").cluster.subscriptionId = "7e242177-ef0b-431f-8c76-e40907843aa"),
    context: "dev-test",
    field: "cluster.subscriptionId",
    value: "7e242177-ef0b-431f-8c76-e40907843aa",
    ...breaks(Rules.guid),
  },
  {
    name: "agent-pool principal (object) ID without hyphens",
    mutate: (c) => void (envOf(c, "dev-test").cluster.agentPool!.principalId = "b9276f33e80c4f099cdf24c28c0feea4"),
    context: "dev-test",
    field: "cluster.agentPool.principalId",
    value: "b9276f33e80c4f099cdf24c28c0feea4",
    ...breaks(Rules.guid),
  },
  {
    name: "state backend subscription that is a name, not an ID",
    mutate: (c) =>
      void (envOf(c, "prod").backend = {
        kind: "azurerm",
        resourceGroupName: "rg-tfstate",
        storageAccountName: "sttfstateprod",
        containerName: "tfstate",
        subscriptionId: "prod-subscription",
      }),
    context: "prod",
    field: "backend.subscriptionId",
    value: "prod-subscription",
    ...breaks(Rules.guid),
  },
  // ---- Kubernetes ----
  {
    name: "namespace in upper case",
    mutate: (c) => void (teamOf(c, "prod").namespace = "AAD-Pod-Identity-POC"),
    context: PROD,
    field: "namespace",
    value: "AAD-Pod-Identity-POC",
    ...breaks(Rules.namespace),
  },
  {
    name: "namespace of 64 characters",
    mutate: (c) => void (teamOf(c, "prod").namespace = "n".repeat(64)),
    context: PROD,
    field: "namespace",
    value: "n".repeat(64),
    ...breaks(Rules.namespace),
  },
  {
    name: "namespace with dots (a subdomain, not a label)",
    mutate: (c) => void (teamOf(c, "dev-test").namespace = "aad.pod.identity"),
    context: DEV,
    field: "namespace",
    value: "aad.pod.identity",
    ...breaks(Rules.namespace),
  },
  {
    name: "binding name with underscores",
    mutate: (c) => void (teamOf(c, "prod").podIdentity!.bindingName = "aad_user_identity_binding"),
    context: PROD,
    field: "podIdentity.bindingName",
    value: "aad_user_identity_binding",
    ...breaks(Rules.objectName),
  },
  {
    name: "AzureIdentity name of 254 characters",
    mutate: (c) => void (teamOf(c, "prod").podIdentity!.azureIdentityName = "a".repeat(254)),
    context: PROD,
    field: "podIdentity.azureIdentityName",
    value: "a".repeat(254),
    ...breaks(Rules.objectName),
  },
  {
    name: "Deployment name starting with a hyphen",
    mutate: (c) => void (teamOf(c, "prod").workload!.name = "-reader-test"),
    context: PROD,
    field: "workload.name",
    value: "-reader-test",
    ...breaks(Rules.objectName),
  },
  {
    name: "Deployment name of 64 characters (valid object name, too long for its app label)",
    mutate: (c) => void (teamOf(c, "prod").workload!.name = "r".repeat(64)),
    context: PROD,
    field: "workload.name",
    value: "r".repeat(64),
    ...breaks(Rules.labelValue),
  },
  {
    name: "selector with spaces",
    mutate: (c) => void (teamOf(c, "prod").podIdentity!.selector = "bind user identity"),
    context: PROD,
    field: "podIdentity.selector",
    value: "bind user identity",
    ...breaks(Rules.labelValue),
  },
  {
    name: "selector of 64 characters",
    mutate: (c) => void (teamOf(c, "prod").podIdentity!.selector = "b".repeat(64)),
    context: PROD,
    field: "podIdentity.selector",
    value: "b".repeat(64),
    ...breaks(Rules.labelValue),
  },
  {
    name: "selector starting with a hyphen",
    mutate: (c) => void (teamOf(c, "dev-test").podIdentity!.selector = "-bind-user-identity"),
    context: DEV,
    field: "podIdentity.selector",
    value: "-bind-user-identity",
    ...breaks(Rules.labelValue),
  },
  {
    name: "ServiceAccount name in upper case with an underscore",
    mutate: (c) => {
      envOf(c, "dev-test").cluster.oidcIssuerUrl = "https://westus2.oic.prod-aks.azure.com/tenant/issuer/";
      Object.assign(teamOf(c, "dev-test"), {
        identityMode: "workload-identity",
        workloadIdentity: { serviceAccountName: "KeyVault_Reader" },
      });
    },
    context: DEV,
    field: "workloadIdentity.serviceAccountName",
    value: "KeyVault_Reader",
    ...breaks(Rules.objectName),
  },
  {
    name: "OIDC issuer over plain http",
    mutate: (c) => void (envOf(c, "dev-test").cluster.oidcIssuerUrl = "http://oidc.example/issuer"),
    context: "dev-test",
    field: "cluster.oidcIssuerUrl",
    value: "http://oidc.example/issuer",
    ...breaks(Rules.httpsUrl),
  },
  // ---- Cross-field ----
  {
    name: "two bindings with the same selector in one namespace",
    mutate: (c) => void secondTeam(c, "prod", "payments", (t) => void (t.podIdentity!.selector = "bind-user-identity-keyvault")),
    context: 'prod / team "payments"',
    field: "podIdentity.selector",
    value: "bind-user-identity-keyvault",
    problem: `is already a binding selector in namespace ${NS}: pods would match both bindings (team "poc")`,
    fix: "choose a distinct value",
  },
  {
    name: "two bindings with the same name in one namespace",
    mutate: (c) => void secondTeam(c, "prod", "payments", (t) => void (t.podIdentity!.bindingName = "aad-user-identity-binding")),
    context: 'prod / team "payments"',
    field: "podIdentity.bindingName",
    value: "aad-user-identity-binding",
    problem: `is already an AzureIdentityBinding name in namespace ${NS} (team "poc")`,
    fix: "choose a distinct value",
  },
  {
    name: "two AzureIdentities with the same name in one namespace",
    mutate: (c) => void secondTeam(c, "dev-test", "payments", (t) => void (t.podIdentity!.azureIdentityName = "aad-user-identity")),
    context: 'dev-test / team "payments"',
    field: "podIdentity.azureIdentityName",
    value: "aad-user-identity",
    problem: `is already an AzureIdentity name in namespace ${NS} (team "poc")`,
    fix: "choose a distinct value",
  },
  {
    name: "the same Key Vault name in two environments",
    mutate: (c) => void (teamOf(c, "prod").keyVault.name = "kv-westus2-aks"),
    context: PROD,
    field: "keyVault.name",
    value: "kv-westus2-aks",
    problem: `is also created by ${DEV}: Key Vault names are global, so two environments cannot both create it`,
    fix: 'give this environment its own vault name, e.g. "kv-westus2-aks-prod"',
  },
  {
    name: "the same Key Vault name for two teams of one environment",
    mutate: (c) => void secondTeam(c, "prod", "payments", (t) => void (t.keyVault.name = "kv-westus2-aks-prod")),
    context: 'prod / team "payments"',
    field: "keyVault.name",
    value: "kv-westus2-aks-prod",
    problem: 'is already a vault created by another team (team "poc")',
    fix: "choose a distinct value",
  },
  {
    name: "two environments that yield the same stack name",
    mutate: (c) => {
      // prod, per team, team "apps" -> prod-apps-apps; environment "prod-apps", shared -> prod-apps-apps.
      Object.assign(envOf(c, "prod"), { stackLayout: "per-team" });
      teamOf(c, "prod").name = "apps";
      const other: Env = structuredClone(envOf(c, "dev-test"));
      other.name = "prod-apps";
      other.teams[0].keyVault.name = "kv-westus2-aks-pa";
      c.environments.push(other);
    },
    context: "prod-apps",
    field: "stack name",
    value: "prod-apps-apps",
    problem: 'is also produced by prod / team "apps": two stacks with one name would share state',
    fix: "rename the environment or team so that every stack name is distinct",
  },
  {
    name: "two environments with the same name",
    mutate: (c) => {
      const copy: Env = structuredClone(envOf(c, "dev-test"));
      copy.teams[0].keyVault.name = "kv-westus2-aks-copy";
      c.environments.push(copy);
    },
    context: "dev-test",
    field: "name",
    value: "dev-test",
    problem: "is used by two environments",
    fix: "give each environment its own name",
  },
  {
    name: "two teams with the same name in one environment",
    mutate: (c) => void secondTeam(c, "prod", "poc"),
    context: PROD,
    field: "name",
    value: "poc",
    problem: "is used by two teams in this environment",
    fix: "give each team its own name",
  },
  {
    name: "a secret the workload reads that the vault does not hold",
    mutate: (c) => void (teamOf(c, "prod").workload!.secretName = "grafana-admin-password"),
    context: PROD,
    field: "workload.secretName",
    value: "grafana-admin-password",
    problem: 'is not a secret of vault "kv-westus2-aks-prod" (it holds: grafana-admin-username-poc)',
    fix: "add it to keyVault.secrets, or read a secret the vault holds",
  },
  {
    name: "the same secret listed twice",
    mutate: (c) => void teamOf(c, "dev-test").keyVault.secrets.push({ ...teamOf(c, "dev-test").keyVault.secrets[0] }),
    context: DEV,
    field: "keyVault.secrets[1].name",
    value: "grafana-admin-username-poc",
    problem: "is listed twice",
    fix: "remove the duplicate",
  },
  {
    name: "two teams creating the same identity",
    mutate: (c) => void secondTeam(c, "prod", "payments", (t) => void (t.identity.name = "aks-aad-user-identity-prod")),
    context: 'prod / team "payments"',
    field: "identity.name",
    value: "aks-aad-user-identity-prod",
    problem: 'is already an identity created by another team (set identity.existing: true to share it) (team "poc")',
    fix: "choose a distinct value",
  },
  {
    name: "two environments creating the same identity",
    mutate: (c) => void (teamOf(c, "prod").identity.name = "aks-aad-user-identity"),
    context: 'prod / team "poc"',
    field: "identity.name",
    value: "aks-aad-user-identity",
    problem:
      'is also created by dev-test / team "poc" in the same subscription and resource group; each environment\'s state would claim it',
    fix: 'give this environment its own identity, e.g. "aks-aad-user-identity-prod", or set identity.existing: true',
  },
  {
    name: "the sidecar reader with workload identity only",
    mutate: (c) => {
      envOf(c, "prod").cluster.oidcIssuerUrl = "https://westus2.oic.prod-aks.azure.com/tenant/issuer/";
      Object.assign(teamOf(c, "prod"), {
        identityMode: "workload-identity",
        workloadIdentity: { serviceAccountName: "az-keyvault-reader" },
      });
    },
    context: PROD,
    field: "workload.reader",
    value: "sidecar",
    problem: 'cannot work in identityMode "workload-identity": the az-keyvault-reader sidecar gets its token from NMI (pod identity)',
    fix: 'set workload.reader: "csi-driver" (Secrets Store CSI driver with the identity\'s clientID)',
  },
  {
    name: "the CSI reader with pod identity only",
    mutate: (c) => void (teamOf(c, "prod").workload!.reader = "csi-driver"),
    context: PROD,
    field: "workload.reader",
    value: "csi-driver",
    problem: "needs workload identity: the SecretProviderClass authenticates with the identity's clientID through a federated token",
    fix: 'set identityMode "both" or "workload-identity", or keep reader "sidecar"',
  },
  {
    name: "an unknown reader",
    mutate: (c) => void Object.assign(teamOf(c, "dev-test").workload!, { reader: "init-container" }),
    context: DEV,
    field: "workload.reader",
    value: "init-container",
    problem: 'is invalid: "sidecar" or "csi-driver"',
    fix: 'use "sidecar" with pod identity, "csi-driver" with workload identity',
  },
  {
    name: "workload identity without an OIDC issuer",
    mutate: (c) =>
      void Object.assign(teamOf(c, "prod"), { identityMode: "both", workloadIdentity: { serviceAccountName: "az-keyvault-reader" } }),
    context: PROD,
    field: "identityMode",
    value: "both",
    problem: "needs the cluster's OIDC issuer, but the cluster is neither looked up nor has cluster.oidcIssuerUrl",
    fix: "set cluster.lookup, or cluster.oidcIssuerUrl from `az aks show --query oidcIssuerProfile.issuerUrl`",
  },
  {
    name: "kubelogin access without a cluster lookup",
    mutate: (c) => void (envOf(c, "prod").cluster.kubernetes = { kind: "exec" }),
    context: "prod",
    field: "cluster.kubernetes.kind",
    value: "exec",
    problem: "needs the cluster's API server and CA, which only cluster.lookup gives",
    fix: 'set cluster.lookup, or use kind "kubeconfig"',
  },
  // ---- Command line ----
  {
    name: "an unknown --env",
    argv: ["--env", "nope"],
    context: "command line",
    field: "--env",
    value: "nope",
    problem: "is not an environment (known: dev-test, prod)",
    fix: "use one of --env dev-test, --env prod",
  },
  {
    name: "an unknown environment in AKS_ENV",
    vars: { AKS_ENV: "staging" },
    context: "environment",
    field: "AKS_ENV",
    value: "staging",
    problem: "is not an environment (known: dev-test, prod)",
    fix: "use one of AKS_ENV=dev-test,prod",
  },
  {
    name: "--env without a value",
    argv: ["--env"],
    context: "command line",
    field: "--env",
    value: undefined,
    problem: "has no value",
    fix: "write --env dev-test or --env prod",
  },
  {
    name: "an argument that is not an option",
    argv: ["prod"],
    context: "command line",
    field: "argument",
    value: "prod",
    problem: "is not understood",
    fix: "use --env <name> (repeatable), or no argument for every environment; --debug for stack traces of internal errors",
  },
  // ---- Missing required fields ----
  {
    name: "missing Key Vault name",
    mutate: (c) => unset(teamOf(c, "prod").keyVault, "name"),
    context: PROD,
    field: "keyVault.name",
    value: undefined,
    problem: "is missing",
    fix: "name the vault (3–24 characters, globally unique)",
  },
  {
    name: "empty tenant ID",
    mutate: (c) => void (envOf(c, "prod").tenantId = ""),
    context: "prod",
    field: "tenantId",
    value: undefined,
    problem: "is missing",
    fix: "set the Entra ID tenant (az account show --query tenantId)",
  },
  {
    name: "missing location",
    mutate: (c) => unset(envOf(c, "dev-test"), "location"),
    context: "dev-test",
    field: "location",
    value: undefined,
    problem: "is missing",
    fix: 'set the Azure region, e.g. "westus2"',
  },
  {
    name: "missing identity",
    mutate: (c) => unset(teamOf(c, "dev-test"), "identity"),
    context: DEV,
    field: "identity",
    value: undefined,
    problem: "is missing",
    fix: "set identity { name, resourceGroupName }",
  },
  {
    name: "missing podIdentity in pod-identity mode",
    mutate: (c) => unset(teamOf(c, "prod"), "podIdentity"),
    context: PROD,
    field: "podIdentity",
    value: undefined,
    problem: "is missing",
    fix: 'identityMode "pod-identity" needs podIdentity { azureIdentityName, bindingName, selector }',
  },
  {
    name: "missing Kubernetes access",
    mutate: (c) => unset(envOf(c, "prod").cluster, "kubernetes"),
    context: "prod",
    field: "cluster.kubernetes",
    value: undefined,
    problem: "is missing",
    fix: 'say how Terraform reaches the API server, e.g. { kind: "kubeconfig", configPath: "~/.kube/config" }',
  },
  {
    name: "missing dataProtection.preventDestroy in Prod",
    mutate: (c) => unset(envOf(c, "prod").dataProtection, "preventDestroy"),
    context: "prod",
    field: "dataProtection.preventDestroy",
    value: undefined,
    problem: "is missing",
    fix: "set it explicitly (Prod: true)",
  },
  {
    name: "a cluster with neither lookup nor agentPool",
    mutate: (c) => unset(envOf(c, "dev-test").cluster, "agentPool"),
    context: "dev-test",
    field: "cluster",
    value: undefined,
    problem: "has neither lookup nor agentPool",
    fix: "set cluster.lookup { name, resourceGroupName } or cluster.agentPool { identityName, nodeResourceGroupName } (the guide's table)",
  },
  {
    name: "no environments at all",
    mutate: (c) => void (c.environments = []),
    context: "config",
    field: "environments",
    value: [],
    problem: "is empty",
    fix: ENVIRONMENTS_FIX,
  },
  // ---- Other values ----
  {
    name: "soft-delete retention of 5 days",
    mutate: (c) => void (teamOf(c, "prod").keyVault.softDeleteRetentionDays = 5),
    context: PROD,
    field: "keyVault.softDeleteRetentionDays",
    value: 5,
    ...breaks(Rules.softDeleteRetentionDays),
  },
  {
    name: "firewall IP rule with an octet over 255",
    mutate: (c) => void (teamOf(c, "prod").keyVault.network = { ipRules: ["300.0.113.7"] }),
    context: PROD,
    field: "keyVault.network.ipRules[0]",
    value: "300.0.113.7",
    ...breaks(Rules.cidrOrIp),
  },
  {
    name: "secret expiry without a time",
    mutate: (c) => void (teamOf(c, "prod").keyVault.secrets[0].expirationDate = "2027-06-30"),
    context: PROD,
    field: "keyVault.secrets[0].expirationDate",
    value: "2027-06-30",
    ...breaks(Rules.rfc3339),
  },
  {
    name: "unknown secret source",
    mutate: (c) => void Object.assign(teamOf(c, "prod").keyVault.secrets[0], { source: "keyvault" }),
    context: PROD,
    field: "keyVault.secrets[0].source",
    value: "keyvault",
    problem: 'is invalid: "variable" or "external"',
    fix: 'use "variable" (TF_VAR_…, write-only) or "external" (set with az keyvault secret set)',
  },
  {
    name: "secret value version 0",
    mutate: (c) => void (teamOf(c, "prod").keyVault.secrets[0].valueVersion = 0),
    context: PROD,
    field: "keyVault.secrets[0].valueVersion",
    value: 0,
    ...breaks(Rules.secretValueVersion),
  },
  {
    name: "unknown identity mode",
    mutate: (c) => void Object.assign(teamOf(c, "prod"), { identityMode: "aad-pod-identity" }),
    context: PROD,
    field: "identityMode",
    value: "aad-pod-identity",
    problem: "is invalid: one of pod-identity, workload-identity, both",
    fix: 'use "pod-identity" (the guide), "both" while migrating, then "workload-identity"',
  },
  {
    name: "workload image tagged latest",
    mutate: (c) => void (teamOf(c, "prod").workload!.images = { reader: "busybox:latest" }),
    context: PROD,
    field: "workload.images.reader",
    value: "busybox:latest",
    problem: "is not pinned: it has no tag, or the tag is latest",
    fix: "pin a version tag or a digest (image@sha256:…)",
  },
  {
    name: "workload image without a tag behind a registry port",
    mutate: (c) => void (teamOf(c, "prod").workload!.images = { sidecar: "registry.example:5000/az-keyvault-reader" }),
    context: PROD,
    field: "workload.images.sidecar",
    value: "registry.example:5000/az-keyvault-reader",
    problem: "is not pinned: it has no tag, or the tag is latest",
    fix: "pin a version tag or a digest (image@sha256:…)",
  },
  {
    name: "negative replicas",
    mutate: (c) => void (teamOf(c, "prod").workload!.replicas = -1),
    context: PROD,
    field: "workload.replicas",
    value: -1,
    ...breaks(Rules.replicas),
  },
  {
    name: "suppression of a Checkov id instead of a rule id",
    mutate: (c) =>
      void (teamOf(c, "prod").suppressions = [{ ruleId: "CKV_AZURE_110", reason: "The vault is recreated nightly in a sandbox." }]),
    context: PROD,
    field: "suppressions[0].ruleId",
    value: "CKV_AZURE_110",
    problem: "is not a policy rule",
    fix: `use one of ${POLICY_RULES.map((r) => r.id).join(", ")}`,
  },
  {
    name: "suppression without a real reason",
    mutate: (c) => void (teamOf(c, "prod").suppressions = [{ ruleId: "AKSID-KV-005", reason: "ok" }]),
    context: PROD,
    field: "suppressions[0].reason",
    value: "ok",
    ...breaks(Rules.suppressionReason),
  },
  {
    name: "environment name in upper case",
    mutate: (c) => void (envOf(c, "prod").name = "Prod"),
    context: "Prod",
    field: "name",
    value: "Prod",
    ...breaks(Rules.environmentName),
  },
  {
    name: "team name in upper case",
    mutate: (c) => void (teamOf(c, "prod").name = "Payments"),
    context: 'prod / team "Payments"',
    field: "name",
    value: "Payments",
    ...breaks(Rules.teamName),
  },
  {
    name: "unknown stack layout",
    mutate: (c) => void Object.assign(envOf(c, "prod"), { stackLayout: "monorepo" }),
    context: "prod",
    field: "stackLayout",
    value: "monorepo",
    problem: 'is invalid: "shared" or "per-team"',
    fix: 'use "shared" (one apps stack) or "per-team"',
  },
  {
    name: "state storage account name with an underscore",
    mutate: (c) =>
      void (envOf(c, "prod").backend = {
        kind: "azurerm",
        resourceGroupName: "rg-tfstate",
        storageAccountName: "st_tfstate",
        containerName: "tfstate",
      }),
    context: "prod",
    field: "backend.storageAccountName",
    value: "st_tfstate",
    problem: "is invalid: 3–24 lower-case letters and digits",
    fix: "use the state storage account's name",
  },
];

/** The line synthesize() prints for an issue (see formatIssue). */
function lineOf(c: Pick<BadInput, "context" | "field" | "value" | "problem" | "fix">): string {
  const shown = c.value === undefined ? "" : ` ${JSON.stringify(c.value)}`;
  return `  - ${c.context}: ${c.field}${shown} ${c.problem}. Fix: ${c.fix}.`;
}

/** A temp dir holding a stale cdktf.out/ from an earlier, successful synth. */
const madeDirs: string[] = [];
afterAll(() => madeDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function staleOutdir(): { dir: string; outdir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-rails."));
  madeDirs.push(dir);
  const outdir = path.join(dir, "cdktf.out");
  fs.mkdirSync(path.join(outdir, "stacks", "prod-apps"), { recursive: true });
  fs.writeFileSync(path.join(outdir, "stacks", "prod-apps", "cdk.tf.json"), '{"stale": true}');
  fs.writeFileSync(path.join(outdir, "manifest.json"), '{"stale": true}');
  return { dir, outdir };
}

/** THEN-part shared by every failed synth: nothing deployable is left behind. */
function expectNothingLeft(r: SynthResult, dir: string): void {
  expect(r.ok).toBe(false);
  expect(r.stacks).toEqual([]);
  expect(r.messages[r.messages.length - 1]).toBe("removed cdktf.out/ so no partial or stale output can be deployed");
  // Neither cdktf.out/ nor a cdktf.out.tmp-<pid>/ beside it.
  expect(fs.readdirSync(dir)).toEqual([]);
  for (const line of r.messages) expect(line).not.toMatch(/^\s+at /);
}

function synthMutated(
  mutate: ((c: Config) => void) | undefined,
  argv: readonly string[] = [],
  vars: NodeJS.ProcessEnv = {},
): { r: SynthResult; dir: string } {
  const config: Config = structuredClone(platform) as Config;
  mutate?.(config);
  const { dir, outdir } = staleOutdir();
  return { r: synthesize(config, argv, vars, outdir), dir };
}

afterEach(() => jest.mocked(buildPlatform).mockClear());

describe("GIVEN the real config with one bad input", () => {
  test(`there are at least 40 distinct bad inputs, each with its own name (${BAD_INPUTS.length})`, () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(BAD_INPUTS.map((c) => c.name)).size).toBe(BAD_INPUTS.length);
    expect(new Set(BAD_INPUTS.map(lineOf)).size).toBe(BAD_INPUTS.length);
  });

  test("every naming and format rule of the issue is exercised at least once", () => {
    const used = new Set(BAD_INPUTS.map((c) => c.problem));
    const required: (keyof typeof Rules)[] = [
      "keyVaultName",
      "identityName",
      "resourceGroupName",
      "secretName",
      "location",
      "guid",
      "namespace",
      "objectName",
      "labelValue",
    ];
    for (const r of required) expect(used).toContain(`is invalid: ${Rules[r].requirement}`);
  });

  test.each(BAD_INPUTS.map((c) => [c.name, c] as const))(
    "%s: WHEN synthesized THEN the line names context, field, value and fix, and no cdktf.out/ is left",
    (_, c) => {
      const { r, dir } = synthMutated(c.mutate, c.argv, c.vars);
      expect(r.messages).toContain(lineOf(c));
      expect(r.messages[0]).toMatch(/^\d+ problem\(s\) in the configuration; nothing was synthesized:$/);
      // Config errors stop before any construct is created.
      expect(buildPlatform).not.toHaveBeenCalled();
      expectNothingLeft(r, dir);
    },
  );

  test("the issue's example reads as the issue asks", () => {
    const { r } = synthMutated((c) => void (teamOf(c, "prod").keyVault.name = "kv_prod!"));
    expect(r.messages).toContain(
      '  - prod / team "poc": keyVault.name "kv_prod!" is invalid: 3–24 characters of letters, digits and hyphens, starting with a letter, ' +
        "ending with a letter or digit, no consecutive hyphens. Fix: pick a name such as kv-westus2-aks (Key Vault names are global: each environment needs its own).",
    );
  });
});

describe("GIVEN several bad inputs at once", () => {
  test("WHEN synthesized THEN every one is reported in the same run", () => {
    const { r, dir } = synthMutated(
      (c) => {
        teamOf(c, "dev-test").keyVault.name = "kv_dev!";
        envOf(c, "prod").tenantId = "not-a-guid";
        teamOf(c, "prod").namespace = "POC";
        teamOf(c, "prod").workload!.secretName = "grafana-admin-password";
      },
      ["--env", "staging"],
    );
    const expected = [
      lineOf({
        context: "command line",
        field: "--env",
        value: "staging",
        problem: "is not an environment (known: dev-test, prod)",
        fix: "use one of --env dev-test, --env prod",
      }),
      lineOf({ context: DEV, field: "keyVault.name", value: "kv_dev!", ...breaks(Rules.keyVaultName) }),
      lineOf({ context: "prod", field: "tenantId", value: "not-a-guid", ...breaks(Rules.guid) }),
      lineOf({ context: PROD, field: "namespace", value: "POC", ...breaks(Rules.namespace) }),
      lineOf({
        context: PROD,
        field: "workload.secretName",
        value: "grafana-admin-password",
        problem: 'is not a secret of vault "kv-westus2-aks-prod" (it holds: grafana-admin-username-poc)',
        fix: "add it to keyVault.secrets, or read a secret the vault holds",
      }),
    ];
    expect(r.messages).toEqual([
      "5 problem(s) in the configuration; nothing was synthesized:",
      ...expected,
      "removed cdktf.out/ so no partial or stale output can be deployed",
    ]);
    expectNothingLeft(r, dir);
  });
});

/** A config that passes validation but breaks a policy rule: caught while building, still nothing written. */
interface PolicyBreach {
  readonly name: string;
  readonly mutate: (c: Config) => void;
  readonly stack: string;
  readonly ruleId: string;
  /** Attribute and value as the message states them. */
  readonly finding: string;
  /** The rule's requirement (the fix). */
  readonly required: string;
}

const requirementOf = (id: string): string => POLICY_RULES.find((r) => r.id === id)!.requirement;
const POLICY_BREACHES: readonly PolicyBreach[] = [
  {
    name: "a Prod vault without purge protection (suppression-free team)",
    mutate: (c) => void (teamOf(c, "prod").keyVault.purgeProtection = false),
    stack: "prod-apps",
    ruleId: "AKSID-KV-001",
    finding: "purge_protection_enabled is not true: a deleted vault and its secrets can be purged at once",
    required: requirementOf("AKSID-KV-001"),
  },
  {
    name: "a vault firewall that allows every network",
    mutate: (c) => void (teamOf(c, "dev-test").keyVault.network = { defaultAction: "Allow" }),
    stack: "dev-test-apps",
    ruleId: "AKSID-KV-003",
    finding: 'network_acls.default_action is "Allow", not "Deny": the vault is open to every network',
    required: requirementOf("AKSID-KV-003"),
  },
  {
    name: "a secret without an expiry",
    mutate: (c) => unset(teamOf(c, "prod").keyVault.secrets[0], "expirationDate"),
    stack: "prod-apps",
    ruleId: "AKSID-SEC-002",
    finding: "expiration_date is not set",
    required: requirementOf("AKSID-SEC-002"),
  },
  {
    name: "a secret with an empty content type",
    mutate: (c) => void (teamOf(c, "prod").keyVault.secrets[0].contentType = ""),
    stack: "prod-apps",
    ruleId: "AKSID-SEC-001",
    finding: "content_type is not set",
    required: requirementOf("AKSID-SEC-001"),
  },
];

describe("GIVEN a config that passes validation but breaks the security policy", () => {
  test.each(POLICY_BREACHES.map((c) => [c.name, c] as const))(
    "%s: WHEN synthesized THEN the violation is named and no cdktf.out/ is left",
    (_, c) => {
      const { r, dir } = synthMutated(c.mutate);
      expect(r.messages[0]).toBe("1 security policy violation(s); nothing was synthesized:");
      const line = r.messages.find((m) => m.includes(`[${c.ruleId}`));
      expect(line).toBeDefined();
      expect(line).toMatch(new RegExp(`^  - ${c.stack}: \\[${c.ruleId}[^\\]]*\\] azurerm_key_vault(_secret)?\\.Team-poc_\\S+: `));
      expect(line).toContain(`: ${c.finding}. Required: ${c.required}.`);
      expectNothingLeft(r, dir);
    },
  );
});

describe("GIVEN a construct that rejects its props while the stacks are built", () => {
  test("WHEN synthesized THEN every construct issue is reported with its path, and no cdktf.out/ is left", () => {
    jest.mocked(buildPlatform).mockImplementationOnce((app) => {
      const stack = new TerraformStack(app, "prod-apps");
      new KeyVault(stack, "KeyVault", {
        name: "kv_prod!",
        resourceGroupName: "rg-westus2-shared.",
        location: "westus2",
        tenantId: "2e319086-9a26-46a3-865f-615bed576786",
        subscriptionId: "99a3af26-911d-4bc5-8fcc-8f9de81e46c5",
        softDeleteRetentionDays: 120,
      });
      return [];
    });
    const { r, dir } = synthMutated(undefined);
    expect(r.messages.slice(0, 4)).toEqual([
      "3 problem(s) in construct props; nothing was synthesized:",
      lineOf({ context: "prod-apps/KeyVault", field: "name", value: "kv_prod!", ...breaks(Rules.keyVaultName) }),
      lineOf({
        context: "prod-apps/KeyVault",
        field: "resourceGroupName",
        value: "rg-westus2-shared.",
        ...breaks(Rules.resourceGroupName),
      }),
      lineOf({
        context: "prod-apps/KeyVault",
        field: "softDeleteRetentionDays",
        value: 120,
        ...breaks(Rules.softDeleteRetentionDays),
      }),
    ]);
    expectNothingLeft(r, dir);
  });

  test("WHEN building fails for another reason THEN the message has no stack trace and no cdktf.out/ is left", () => {
    jest.mocked(buildPlatform).mockImplementationOnce(() => {
      throw new Error("kubeconfig context aks-prod-container-westus2 not found");
    });
    const { r, dir } = synthMutated(undefined);
    expect(r.messages[0]).toBe(
      "internal error: kubeconfig context aks-prod-container-westus2 not found — this is a bug in aks-app-identity, not in your configuration; " +
        "please report it with the output of `npm run synth -- --debug` (or AKS_DEBUG=1)",
    );
    expectNothingLeft(r, dir);
  });
});

describe("GIVEN the real process (node tools/run.js synth)", () => {
  // Started when the file is collected, so the process runs while the in-process tests above do.
  const { dir, outdir } = staleOutdir();
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  delete env.AKS_ENV;
  const finished = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["tools/run.js", "synth", "--env", "nope"],
      { cwd: ROOT, env, encoding: "utf8", timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = (err as (Error & { code?: unknown }) | null)?.code;
        resolve({ status: err ? (typeof code === "number" ? code : null) : 0, stdout, stderr });
      },
    );
  });

  test("WHEN --env names no environment THEN it exits 1, says why on stderr without a stack trace, and leaves no outdir", async () => {
    const p = await finished;
    expect(p.status).toBe(1);
    expect(p.stderr).toContain(
      '  - command line: --env "nope" is not an environment (known: dev-test, prod). Fix: use one of --env dev-test, --env prod.',
    );
    expect(p.stderr).not.toMatch(/^\s+at /m);
    expect(p.stdout).toBe("");
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
