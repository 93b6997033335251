import { Checker, Rules, type ValidationIssue } from "../constructs/validation";
import { POLICY_RULES } from "../constructs/policy";
import { MAX_FEDERATED_CREDENTIALS_PER_IDENTITY, POD_IDENTITY_LABEL } from "../constructs/facts";
import type { AppTeamConfig, EnvironmentConfig, PlatformConfig } from "./types";
import { appStackName, clusterAdminStackName } from "./stack-names";
import { vaultNetworkProblem } from "../constructs/key-vault";
import { parseConfig } from "./schema";

const MODES = ["pod-identity", "workload-identity", "both"] as const;
const KUBE_KINDS = ["cluster-credentials", "kubeconfig", "exec"] as const;

/**
 * Reads the platform config: its shape and types first (config/schema.ts: null, wrong types,
 * unknown keys, Terraform syntax), then its values, and returns every problem found (not only
 * the first), each naming environment, team, field, value and fix. `selected` are environment
 * names asked for on the command line. `config` is set only when there is no problem: it is the
 * checked config with free text escaped for Terraform, the one to build the stacks from.
 */
export function readConfig(
  raw: unknown,
  selected?: readonly string[],
  selectedBy = "--env",
): { config?: PlatformConfig; issues: ValidationIssue[] } {
  const cli = selectionIssues(raw, selected, selectedBy);
  const parsed = parseConfig(raw);
  if (!parsed.config) return { issues: [...cli, ...parsed.issues] };
  const issues = [...cli, ...validateValues(parsed.config)];
  return issues.length ? { issues } : { config: parsed.config, issues };
}

/** Every problem of the config (see {@link readConfig}). */
export function validatePlatform(config: unknown, selected?: readonly string[], selectedBy = "--env"): ValidationIssue[] {
  return readConfig(config, selected, selectedBy).issues;
}

/** `--env` / `AKS_ENV` names that are not environments of the config (read defensively: the config may be malformed). */
function selectionIssues(raw: unknown, selected: readonly string[] | undefined, selectedBy: string): ValidationIssue[] {
  const envs = (raw as { environments?: unknown } | null)?.environments;
  const known = Array.isArray(envs)
    ? envs.map((e) => (e as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === "string")
    : [];
  const cli = new Checker(selectedBy === "--env" ? "command line" : "environment");
  for (const name of selected ?? []) {
    if (!known.includes(name)) {
      const fix = selectedBy === "--env" ? known.map((k) => `--env ${k}`).join(", ") : `${selectedBy}=${known.join(",")}`;
      cli.add(selectedBy, name, `is not an environment (known: ${known.join(", ")})`, `use one of ${fix}`);
    }
  }
  return [...cli.issues];
}

/** The value rules, on a config whose shape and types are right. */
function validateValues(config: PlatformConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const envs = config.environments;
  const global = new Checker("config");
  if (envs.length === 0) global.add("environments", [], "is empty", "add the Dev/Test and Prod environments in config/environments.ts");

  const stackOwners = new Map<string, string>();
  const vaultOwners = new Map<string, string>();
  const identityOwners = new Map<string, string>();
  const envNames = new Set<string>();
  for (const env of envs) {
    issues.push(...validateEnvironment(env));
    if (env.name && envNames.has(env.name)) {
      issues.push({
        context: env.name,
        field: "name",
        value: env.name,
        problem: "is used by two environments",
        fix: "give each environment its own name",
      });
    }
    envNames.add(env.name);
    for (const [stack, owner] of safeStackNames(env)) {
      const other = stackOwners.get(stack);
      if (other) {
        issues.push({
          context: owner,
          field: "stack name",
          value: stack,
          problem: `is also produced by ${other}: two stacks with one name would share state`,
          fix: "rename the environment or team so that every stack name is distinct",
        });
      } else stackOwners.set(stack, owner);
    }
    for (const team of env.teams ?? []) {
      const id = team.identity;
      if (id && !id.existing && id.name) {
        // Each environment's stack has its own state: two of them creating one identity would clash.
        const key = `${env.appSubscriptionId}/${id.resourceGroupName}/${id.name}`.toLowerCase();
        const where = `${env.name} / team "${team.name}"`;
        const other = identityOwners.get(key);
        if (other && !other.startsWith(`${env.name} /`)) {
          issues.push({
            context: where,
            field: "identity.name",
            value: id.name,
            problem: `is also created by ${other} in the same subscription and resource group; each environment's state would claim it`,
            fix: `give this environment its own identity, e.g. "${id.name}-${env.name}", or set identity.existing: true`,
          });
        } else if (!other) identityOwners.set(key, where);
      }
      const kv = team.keyVault;
      if (!kv || kv.existing || !kv.name) continue;
      const key = kv.name.toLowerCase();
      const where = `${env.name} / team "${team.name}"`;
      const other = vaultOwners.get(key);
      if (other && !other.startsWith(`${env.name} /`)) {
        issues.push({
          context: where,
          field: "keyVault.name",
          value: kv.name,
          problem: `is also created by ${other}: Key Vault names are global, so two environments cannot both create it`,
          fix: `give this environment its own vault name, e.g. "${kv.name.slice(0, 24 - env.name.length - 1)}-${env.name}"`,
        });
      } else if (!other) vaultOwners.set(key, where);
    }
  }
  return [...global.issues, ...issues];
}

/** Every stack name of an environment, with who produces it (`prod`, or `prod / team "x"` in the per-team layout). */
function safeStackNames(env: EnvironmentConfig): [string, string][] {
  const teams: readonly AppTeamConfig[] = Array.isArray(env.teams) ? env.teams : [];
  const owners: [string, string][] = [[clusterAdminStackName(env), env.name]];
  if (env.stackLayout === "per-team")
    owners.push(...teams.map((t): [string, string] => [appStackName(env, t), `${env.name} / team "${t.name}"`]));
  else if (teams.length) owners.push([appStackName(env), env.name]);
  return owners;
}

function validateEnvironment(env: EnvironmentConfig): ValidationIssue[] {
  const c = new Checker(env.name || "(unnamed environment)");
  if (c.required("name", env.name, 'name the environment, e.g. "dev-test"')) c.check("name", env.name, Rules.environmentName);
  if (c.required("location", env.location, 'set the Azure region, e.g. "westus2"')) c.check("location", env.location, Rules.location);
  if (c.required("tenantId", env.tenantId, "set the Entra ID tenant (az account show --query tenantId)"))
    c.check("tenantId", env.tenantId, Rules.guid);
  if (c.required("appSubscriptionId", env.appSubscriptionId, "set the subscription of the app identities and vaults")) {
    c.check("appSubscriptionId", env.appSubscriptionId, Rules.guid);
  }
  if (!env.dataProtection) {
    c.required("dataProtection", undefined, "set { preventDestroy, purgeOnDestroy, requirePurgeProtection } (Prod: true, false, true)");
  } else {
    // Required, not defaulted: a forgotten preventDestroy must not silently mean "unprotected".
    for (const [flag, prod] of [
      ["preventDestroy", true],
      ["purgeOnDestroy", false],
      ["requirePurgeProtection", true],
    ] as const) {
      const v = env.dataProtection[flag];
      if (typeof v !== "boolean") c.add(`dataProtection.${flag}`, v, "is missing or not true/false", `set it explicitly (Prod: ${prod})`);
    }
  }
  if (env.stackLayout !== undefined && env.stackLayout !== "shared" && env.stackLayout !== "per-team") {
    c.add("stackLayout", env.stackLayout, 'is invalid: "shared" or "per-team"', 'use "shared" (one apps stack) or "per-team"');
  }
  validateCluster(env, c);
  validateBackend(env, c);
  if (env.secretWriter !== undefined) {
    if (
      c.required(
        "secretWriter.objectId",
        env.secretWriter.objectId,
        "set the object ID of the identity that applies (az ad sp show --id <client id> --query id -o tsv)",
      )
    ) {
      c.check("secretWriter.objectId", env.secretWriter.objectId, Rules.guid);
    }
    const t = env.secretWriter.principalType;
    if (t !== undefined && t !== "ServicePrincipal" && t !== "User" && t !== "Group") {
      c.add(
        "secretWriter.principalType",
        t,
        'is invalid: "ServicePrincipal", "User" or "Group"',
        'use "ServicePrincipal" for a workflow identity',
      );
    }
  }

  const teams = env.teams ?? [];
  if (!Array.isArray(env.teams)) c.required("teams", undefined, "list the app teams (an empty list is allowed)");
  const issues: ValidationIssue[] = [...c.issues];
  const seen = {
    team: new Map<string, number>(),
    binding: new Map<string, string>(),
    selector: new Map<string, string>(),
    azureIdentity: new Map<string, string>(),
    vault: new Map<string, string>(),
    identity: new Map<string, string>(),
  };
  const federations = new Map<string, number>();
  for (const team of teams) {
    const t = new Checker(`${env.name} / team "${team.name ?? "(unnamed)"}"`);
    validateTeam(env, team, t);
    seen.team.set(team.name, (seen.team.get(team.name) ?? 0) + 1);
    if (seen.team.get(team.name) === 2) t.add("name", team.name, "is used by two teams in this environment", "give each team its own name");
    const ns = team.namespace;
    const mode = team.identityMode ?? "pod-identity";
    if (team.podIdentity && mode !== "workload-identity") {
      unique(
        t,
        seen.binding,
        `${ns}/${team.podIdentity.bindingName}`,
        "podIdentity.bindingName",
        team.podIdentity.bindingName,
        team.name,
        `an AzureIdentityBinding name in namespace ${ns}`,
      );
      unique(
        t,
        seen.selector,
        `${ns}/${team.podIdentity.selector}`,
        "podIdentity.selector",
        team.podIdentity.selector,
        team.name,
        `a binding selector in namespace ${ns}: pods would match both bindings`,
      );
      unique(
        t,
        seen.azureIdentity,
        `${ns}/${team.podIdentity.azureIdentityName}`,
        "podIdentity.azureIdentityName",
        team.podIdentity.azureIdentityName,
        team.name,
        `an AzureIdentity name in namespace ${ns}`,
      );
    }
    if (team.keyVault && !team.keyVault.existing) {
      unique(
        t,
        seen.vault,
        team.keyVault.name?.toLowerCase(),
        "keyVault.name",
        team.keyVault.name,
        team.name,
        "a vault created by another team",
      );
    }
    if (team.identity && !team.identity.existing) {
      const key = `${team.identity.resourceGroupName}/${team.identity.name}`.toLowerCase();
      unique(
        t,
        seen.identity,
        key,
        "identity.name",
        team.identity.name,
        team.name,
        "an identity created by another team (set identity.existing: true to share it)",
      );
    }
    if (team.identity && mode !== "pod-identity") {
      const key = `${team.identity.resourceGroupName}/${team.identity.name}`.toLowerCase();
      const n = (federations.get(key) ?? 0) + 1;
      federations.set(key, n);
      if (n === MAX_FEDERATED_CREDENTIALS_PER_IDENTITY + 1) {
        t.add(
          "identity.name",
          team.identity.name,
          `would get more than ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} federated credentials (Azure's limit per identity)`,
          "give some of the teams their own identity",
        );
      }
    }
    issues.push(...t.issues);
  }
  return issues;
}

function unique(
  c: Checker,
  seen: Map<string, string>,
  key: string | undefined,
  field: string,
  value: unknown,
  team: string,
  what: string,
): void {
  if (key === undefined) return;
  const other = seen.get(key);
  if (other !== undefined && other !== team) c.add(field, value, `is already ${what} (team "${other}")`, "choose a distinct value");
  else seen.set(key, team);
}

function validateCluster(env: EnvironmentConfig, c: Checker): void {
  const cl = env.cluster;
  if (!cl) {
    c.required("cluster", undefined, "describe the AKS cluster: subscriptionId, lookup or agentPool, kubernetes");
    return;
  }
  if (c.required("cluster.subscriptionId", cl.subscriptionId, "set the subscription of the cluster"))
    c.check("cluster.subscriptionId", cl.subscriptionId, Rules.guid);
  if (!cl.lookup && !cl.agentPool) {
    c.add(
      "cluster",
      undefined,
      "has neither lookup nor agentPool",
      "set cluster.lookup { name, resourceGroupName } or cluster.agentPool { identityName, nodeResourceGroupName } (the guide's table)",
    );
  }
  if (cl.lookup) {
    c.required("cluster.lookup.name", cl.lookup.name, "set the AKS cluster name");
    if (c.required("cluster.lookup.resourceGroupName", cl.lookup.resourceGroupName, "set the cluster's resource group")) {
      c.check("cluster.lookup.resourceGroupName", cl.lookup.resourceGroupName, Rules.resourceGroupName);
    }
  }
  if (cl.agentPool) {
    if (
      c.required(
        "cluster.agentPool.identityName",
        cl.agentPool.identityName,
        "set the agent-pool identity name, e.g. aks-xcEwmVSi-agentpool",
      )
    ) {
      c.check("cluster.agentPool.identityName", cl.agentPool.identityName, Rules.identityName);
    }
    if (c.required("cluster.agentPool.nodeResourceGroupName", cl.agentPool.nodeResourceGroupName, "set the node resource group (MC_…)")) {
      c.check("cluster.agentPool.nodeResourceGroupName", cl.agentPool.nodeResourceGroupName, Rules.resourceGroupName);
    }
    c.check("cluster.agentPool.principalId", cl.agentPool.principalId, Rules.guid);
  }
  c.check("cluster.oidcIssuerUrl", cl.oidcIssuerUrl, Rules.httpsUrl);
  const k = cl.kubernetes;
  if (!k) {
    c.required(
      "cluster.kubernetes",
      undefined,
      'say how Terraform reaches the API server, e.g. { kind: "kubeconfig", configPath: "~/.kube/config" }',
    );
  } else if (!KUBE_KINDS.includes(k.kind)) {
    c.add(
      "cluster.kubernetes.kind",
      k.kind,
      `is invalid: one of ${KUBE_KINDS.join(", ")}`,
      'use "kubeconfig" for a kubeconfig context, "exec" for kubelogin',
    );
  } else if (k.kind !== "kubeconfig" && !cl.lookup) {
    c.add(
      "cluster.kubernetes.kind",
      k.kind,
      "needs the cluster's API server and CA, which only cluster.lookup gives",
      'set cluster.lookup, or use kind "kubeconfig"',
    );
  } else if (k.kind === "kubeconfig") {
    c.required("cluster.kubernetes.configPath", k.configPath, "set the kubeconfig path, e.g. ~/.kube/config");
  }
}

function validateBackend(env: EnvironmentConfig, c: Checker): void {
  const b = env.backend;
  if (!b || b.kind === "local") return;
  if (b.kind !== "azurerm") {
    c.add(
      "backend.kind",
      (b as { kind: unknown }).kind,
      'is invalid: "local" or "azurerm"',
      'use "azurerm" for shared state, "local" offline',
    );
    return;
  }
  if (c.required("backend.storageAccountName", b.storageAccountName, "set the state storage account's name")) {
    c.check("backend.storageAccountName", b.storageAccountName, Rules.storageAccountName);
  }
  if (c.required("backend.resourceGroupName", b.resourceGroupName, "set the state storage account's resource group")) {
    c.check("backend.resourceGroupName", b.resourceGroupName, Rules.resourceGroupName);
  }
  if (c.required("backend.containerName", b.containerName, 'set the blob container, e.g. "tfstate"'))
    c.check("backend.containerName", b.containerName, Rules.storageContainerName);
  c.check("backend.subscriptionId", b.subscriptionId, Rules.guid);
}

function validateTeam(env: EnvironmentConfig, team: AppTeamConfig, c: Checker): void {
  if (c.required("name", team.name, 'name the team, e.g. "payments"')) c.check("name", team.name, Rules.teamName);
  if (c.required("namespace", team.namespace, "set the Kubernetes namespace of the app"))
    c.check("namespace", team.namespace, Rules.namespace);

  if (!team.identity) c.required("identity", undefined, "set identity { name, resourceGroupName }");
  else {
    if (c.required("identity.name", team.identity.name, "name the managed identity"))
      c.check("identity.name", team.identity.name, Rules.identityName);
    if (c.required("identity.resourceGroupName", team.identity.resourceGroupName, "set the identity's resource group")) {
      c.check("identity.resourceGroupName", team.identity.resourceGroupName, Rules.resourceGroupName);
    }
  }

  const kv = team.keyVault;
  const secretNames = new Set<string>();
  if (!kv) c.required("keyVault", undefined, "set keyVault { name, resourceGroupName, secrets }");
  else {
    if (c.required("keyVault.name", kv.name, "name the vault (3–24 characters, globally unique)"))
      c.check("keyVault.name", kv.name, Rules.keyVaultName);
    if (c.required("keyVault.resourceGroupName", kv.resourceGroupName, "set the vault's resource group")) {
      c.check("keyVault.resourceGroupName", kv.resourceGroupName, Rules.resourceGroupName);
    }
    const days = kv.softDeleteRetentionDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 7 || days > 90)) {
      c.add("keyVault.softDeleteRetentionDays", days, "is invalid: a whole number of days from 7 to 90", "use 90");
    }
    if (kv.network?.defaultAction !== undefined && kv.network.defaultAction !== "Deny" && kv.network.defaultAction !== "Allow") {
      c.add(
        "keyVault.network.defaultAction",
        kv.network.defaultAction,
        'is invalid: "Deny" or "Allow"',
        'use "Deny" and list allowed networks',
      );
    }
    (kv.network?.ipRules ?? []).forEach((ip, i) => c.check(`keyVault.network.ipRules[${i}]`, ip, Rules.cidrOrIp));
    const kinds = ["public", "firewall", "private-endpoint"];
    if (kv.network?.kind !== undefined && !kinds.includes(kv.network.kind)) {
      c.add(
        "keyVault.network.kind",
        kv.network.kind,
        `is invalid: one of ${kinds.join(", ")}`,
        'use "public" (the guide), "firewall" or "private-endpoint"',
      );
    } else if (!kv.existing) {
      const unreachable = vaultNetworkProblem(kv.network);
      if (unreachable) c.add(`keyVault.${unreachable.field}`, unreachable.value, unreachable.problem, unreachable.fix);
    }
    if (kv.rbacPropagationWait !== undefined && !/^\d+(\.\d+)?(s|m|h)$/.test(kv.rbacPropagationWait)) {
      c.add("keyVault.rbacPropagationWait", kv.rbacPropagationWait, 'is invalid: a Go duration such as "120s" or "3m"', 'use "120s"');
    }
    if (team.adopt && !kv.existing && typeof kv.purgeProtection !== "boolean") {
      c.add(
        "keyVault.purgeProtection",
        kv.purgeProtection,
        "is not set on a vault to adopt: the default (true) would switch purge protection on, irreversibly",
        "set it to the vault's current value: az keyvault show -n <vault> --query properties.enablePurgeProtection",
      );
    }
    if (!Array.isArray(kv.secrets)) c.required("keyVault.secrets", undefined, "list the vault's secrets (may be empty)");
    (kv.secrets ?? []).forEach((s, i) => {
      const f = `keyVault.secrets[${i}]`;
      if (c.required(`${f}.name`, s.name, "name the secret")) c.check(`${f}.name`, s.name, Rules.secretName);
      c.check(`${f}.expirationDate`, s.expirationDate, Rules.rfc3339);
      if (s.source !== undefined && s.source !== "variable" && s.source !== "external") {
        c.add(
          `${f}.source`,
          s.source,
          'is invalid: "variable" or "external"',
          'use "variable" (TF_VAR_…, write-only) or "external" (set with az keyvault secret set)',
        );
      }
      if (s.valueVersion !== undefined && (!Number.isInteger(s.valueVersion) || s.valueVersion < 1)) {
        c.add(`${f}.valueVersion`, s.valueVersion, "is invalid: a whole number ≥ 1", "start at 1 and bump it by one to rewrite the value");
      }
      if (s.name && secretNames.has(s.name)) c.add(`${f}.name`, s.name, "is listed twice", "remove the duplicate");
      if (s.name) secretNames.add(s.name);
    });
  }

  const mode = team.identityMode ?? "pod-identity";
  if (!MODES.includes(mode)) {
    c.add(
      "identityMode",
      mode,
      `is invalid: one of ${MODES.join(", ")}`,
      'use "pod-identity" (the guide), "both" while migrating, then "workload-identity"',
    );
    return;
  }
  if (mode !== "workload-identity") {
    const p = team.podIdentity;
    if (!p) c.required("podIdentity", undefined, `identityMode "${mode}" needs podIdentity { azureIdentityName, bindingName, selector }`);
    else {
      if (c.required("podIdentity.azureIdentityName", p.azureIdentityName, "name the AzureIdentity"))
        c.check("podIdentity.azureIdentityName", p.azureIdentityName, Rules.objectName);
      if (c.required("podIdentity.bindingName", p.bindingName, "name the AzureIdentityBinding"))
        c.check("podIdentity.bindingName", p.bindingName, Rules.objectName);
      if (c.required("podIdentity.selector", p.selector, `set the selector pods carry as label ${POD_IDENTITY_LABEL}`))
        c.check("podIdentity.selector", p.selector, Rules.labelValue);
    }
  }
  if (mode !== "pod-identity") {
    const w = team.workloadIdentity;
    if (!w) c.required("workloadIdentity", undefined, `identityMode "${mode}" needs workloadIdentity { serviceAccountName }`);
    else if (c.required("workloadIdentity.serviceAccountName", w.serviceAccountName, "name the ServiceAccount the pods run as")) {
      c.check("workloadIdentity.serviceAccountName", w.serviceAccountName, Rules.objectName);
    }
    if (env.cluster && !env.cluster.lookup && !env.cluster.oidcIssuerUrl) {
      c.add(
        "identityMode",
        mode,
        "needs the cluster's OIDC issuer, but the cluster is neither looked up nor has cluster.oidcIssuerUrl",
        "set cluster.lookup, or cluster.oidcIssuerUrl from `az aks show --query oidcIssuerProfile.issuerUrl`",
      );
    }
  }

  const w = team.workload;
  if (w) {
    // The name is also the pod label value app=<name>, so it must be a label value too (≤ 63).
    if (c.required("workload.name", w.name, "name the Deployment") && c.check("workload.name", w.name, Rules.objectName))
      c.check("workload.name", w.name, Rules.labelValue);
    if (c.required("workload.secretName", w.secretName, "name the secret the test reads") && kv && !secretNames.has(w.secretName)) {
      c.add(
        "workload.secretName",
        w.secretName,
        `is not a secret of vault "${kv.name}" (it holds: ${[...secretNames].join(", ") || "none"})`,
        "add it to keyVault.secrets, or read a secret the vault holds",
      );
    }
    const reader = w.reader ?? "sidecar";
    if (reader !== "sidecar" && reader !== "csi-driver") {
      c.add(
        "workload.reader",
        w.reader,
        'is invalid: "sidecar" or "csi-driver"',
        'use "sidecar" with pod identity, "csi-driver" with workload identity',
      );
    } else if (reader === "sidecar" && mode === "workload-identity") {
      c.add(
        "workload.reader",
        reader,
        'cannot work in identityMode "workload-identity": the az-keyvault-reader sidecar gets its token from NMI (pod identity)',
        'set workload.reader: "csi-driver" (Secrets Store CSI driver with the identity\'s clientID)',
      );
    } else if (reader === "csi-driver" && mode === "pod-identity") {
      c.add(
        "workload.reader",
        reader,
        "needs workload identity: the SecretProviderClass authenticates with the identity's clientID through a federated token",
        'set identityMode "both" or "workload-identity", or keep reader "sidecar"',
      );
    }
    if (w.replicas !== undefined && (!Number.isInteger(w.replicas) || w.replicas < 0))
      c.add("workload.replicas", w.replicas, "is invalid: a whole number ≥ 0", "use 1");
    for (const [k, img] of Object.entries(w.images ?? {})) {
      if (img !== undefined && (!img || /:latest$/.test(img) || !/[:@]/.test(img.split("/").pop() ?? ""))) {
        c.add(
          `workload.images.${k}`,
          img,
          "is not pinned: it has no tag, or the tag is latest",
          "pin a version tag or a digest (image@sha256:…)",
        );
      }
    }
  }

  (team.suppressions ?? []).forEach((s, i) => {
    if (!POLICY_RULES.some((r) => r.id === s.ruleId))
      c.add(`suppressions[${i}].ruleId`, s.ruleId, "is not a policy rule", `use one of ${POLICY_RULES.map((r) => r.id).join(", ")}`);
    if (!s.reason || s.reason.trim().length < 10)
      c.add(`suppressions[${i}].reason`, s.reason, "is missing or too short", "say in a sentence why the risk is accepted");
  });
}
