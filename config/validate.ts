import { Checker, checkReaderMode, Rules, type ValidationIssue } from "../constructs/validation";
import { POLICY_RULES, policyRuleIdFix } from "../constructs/policy";
import { KEY_VAULT_NAME_LENGTH, MAX_FEDERATED_CREDENTIALS_PER_IDENTITY } from "../constructs/facts";
import type { AppTeamConfig, EnvironmentConfig, IdentityMode, PlatformConfig } from "./types";
import { appStackName, clusterAdminStackName } from "./stack-names";
import { vaultNetworkProblem } from "../constructs/key-vault";
import { ENVIRONMENTS_FIX, parseConfig } from "./schema";

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

/**
 * The value rules, on a config whose shape and types are right: config/schema.ts has already
 * reported missing and empty fields, wrong types and values outside an enum.
 */
function validateValues(config: PlatformConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const envs = config.environments;
  const global = new Checker("config");
  if (envs.length === 0) global.add("environments", [], "is empty", ENVIRONMENTS_FIX);

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
          fix: `give this environment its own vault name, e.g. "${vaultNameFor(kv.name, env.name)}"`,
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
  const c = new Checker(env.name);
  c.check("name", env.name, Rules.environmentName);
  c.check("location", env.location, Rules.location);
  c.check("tenantId", env.tenantId, Rules.guid);
  c.check("appSubscriptionId", env.appSubscriptionId, Rules.guid);
  validateCluster(env, c);
  validateBackend(env, c);
  c.check("secretWriter.objectId", env.secretWriter?.objectId, Rules.guid);

  const issues: ValidationIssue[] = [...c.issues];
  const clashes = new TeamClashes();
  for (const team of env.teams) {
    const t = new Checker(`${env.name} / team "${team.name}"`);
    validateTeam(env, team, t);
    clashes.check(team, t);
    issues.push(...t.issues);
  }
  return issues;
}

/**
 * What must be unique among one environment's teams, checked team by team in config order (the
 * second user of a value is reported): team names, the pod-identity objects per namespace, the
 * vaults and identities a team creates, and federated credentials per identity (Azure's limit).
 */
class TeamClashes {
  private readonly names = new Map<string, number>();
  private readonly binding = new Map<string, string>();
  private readonly selector = new Map<string, string>();
  private readonly azureIdentity = new Map<string, string>();
  private readonly vault = new Map<string, string>();
  private readonly identity = new Map<string, string>();
  private readonly federations = new Map<string, number>();

  public check(team: AppTeamConfig, t: Checker): void {
    this.names.set(team.name, (this.names.get(team.name) ?? 0) + 1);
    if (this.names.get(team.name) === 2)
      t.add("name", team.name, "is used by two teams in this environment", "give each team its own name");
    const mode = team.identityMode ?? "pod-identity";
    if (team.podIdentity && mode !== "workload-identity") this.checkPodIdentity(team, team.podIdentity, t);
    if (team.keyVault && !team.keyVault.existing) {
      const vault = team.keyVault.name;
      unique(t, this.vault, vault?.toLowerCase(), "keyVault.name", vault, team.name, "a vault created by another team");
    }
    if (!team.identity) return;
    const key = `${team.identity.resourceGroupName}/${team.identity.name}`.toLowerCase();
    if (!team.identity.existing) {
      const what = "an identity created by another team (set identity.existing: true to share it)";
      unique(t, this.identity, key, "identity.name", team.identity.name, team.name, what);
    }
    if (mode === "pod-identity") return;
    const n = (this.federations.get(key) ?? 0) + 1;
    this.federations.set(key, n);
    if (n === MAX_FEDERATED_CREDENTIALS_PER_IDENTITY + 1) {
      t.add(
        "identity.name",
        team.identity.name,
        `would get more than ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} federated credentials (Azure's limit per identity)`,
        "give some of the teams their own identity",
      );
    }
  }

  /** AzureIdentityBinding name, selector and AzureIdentity name: one of each per namespace. */
  private checkPodIdentity(team: AppTeamConfig, p: NonNullable<AppTeamConfig["podIdentity"]>, t: Checker): void {
    const ns = team.namespace;
    const within = `in namespace ${ns}`;
    unique(
      t,
      this.binding,
      `${ns}/${p.bindingName}`,
      "podIdentity.bindingName",
      p.bindingName,
      team.name,
      `an AzureIdentityBinding name ${within}`,
    );
    const clash = `a binding selector ${within}: pods would match both bindings`;
    unique(t, this.selector, `${ns}/${p.selector}`, "podIdentity.selector", p.selector, team.name, clash);
    const name = p.azureIdentityName;
    unique(t, this.azureIdentity, `${ns}/${name}`, "podIdentity.azureIdentityName", name, team.name, `an AzureIdentity name ${within}`);
  }
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
  c.check("cluster.subscriptionId", cl.subscriptionId, Rules.guid);
  if (!cl.lookup && !cl.agentPool) {
    c.add(
      "cluster",
      undefined,
      "has neither lookup nor agentPool",
      "set cluster.lookup { name, resourceGroupName } or cluster.agentPool { identityName, nodeResourceGroupName } (the guide's table)",
    );
  }
  c.check("cluster.lookup.resourceGroupName", cl.lookup?.resourceGroupName, Rules.resourceGroupName);
  if (cl.agentPool) {
    c.check("cluster.agentPool.identityName", cl.agentPool.identityName, Rules.identityName);
    c.check("cluster.agentPool.nodeResourceGroupName", cl.agentPool.nodeResourceGroupName, Rules.resourceGroupName);
    c.check("cluster.agentPool.principalId", cl.agentPool.principalId, Rules.guid);
  }
  c.check("cluster.oidcIssuerUrl", cl.oidcIssuerUrl, Rules.httpsUrl);
  const k = cl.kubernetes;
  if (k.kind !== "kubeconfig" && !cl.lookup) {
    c.add(
      "cluster.kubernetes.kind",
      k.kind,
      "needs the cluster's API server and CA, which only cluster.lookup gives",
      'set cluster.lookup, or use kind "kubeconfig"',
    );
  }
}

function validateBackend(env: EnvironmentConfig, c: Checker): void {
  const b = env.backend;
  if (!b || b.kind === "local") return;
  c.check("backend.storageAccountName", b.storageAccountName, Rules.storageAccountName);
  c.check("backend.resourceGroupName", b.resourceGroupName, Rules.resourceGroupName);
  c.check("backend.containerName", b.containerName, Rules.storageContainerName);
  c.check("backend.subscriptionId", b.subscriptionId, Rules.guid);
}

function validateTeam(env: EnvironmentConfig, team: AppTeamConfig, c: Checker): void {
  c.check("name", team.name, Rules.teamName);
  c.check("namespace", team.namespace, Rules.namespace);
  c.check("identity.name", team.identity.name, Rules.identityName);
  c.check("identity.resourceGroupName", team.identity.resourceGroupName, Rules.resourceGroupName);
  const secretNames = validateKeyVault(team, c);
  const mode = team.identityMode ?? "pod-identity";
  validateIdentityMode(env, team, mode, c);
  if (team.workload) validateWorkload(team.workload, team.keyVault.name, secretNames, mode, c);
  (team.suppressions ?? []).forEach((s, i) => {
    if (!POLICY_RULES.some((r) => r.id === s.ruleId))
      c.add(`suppressions[${i}].ruleId`, s.ruleId, "is not a policy rule", policyRuleIdFix());
    c.check(`suppressions[${i}].reason`, s.reason, Rules.suppressionReason);
  });
}

/** The team's vault: names, retention, network reachability, adoption, secrets; returns the secret names. */
function validateKeyVault(team: AppTeamConfig, c: Checker): Set<string> {
  const kv = team.keyVault;
  const secretNames = new Set<string>();
  c.check("keyVault.name", kv.name, Rules.keyVaultName);
  c.check("keyVault.resourceGroupName", kv.resourceGroupName, Rules.resourceGroupName);
  c.check("keyVault.softDeleteRetentionDays", kv.softDeleteRetentionDays, Rules.softDeleteRetentionDays);
  (kv.network?.ipRules ?? []).forEach((ip, i) => c.check(`keyVault.network.ipRules[${i}]`, ip, Rules.cidrOrIp));
  if (!kv.existing) {
    const unreachable = vaultNetworkProblem(kv.network);
    if (unreachable) c.add(`keyVault.${unreachable.field}`, unreachable.value, unreachable.problem, unreachable.fix);
  }
  if (team.adopt && !kv.existing && typeof kv.purgeProtection !== "boolean") {
    c.add(
      "keyVault.purgeProtection",
      kv.purgeProtection,
      "is not set on a vault to adopt: the default (true) would switch purge protection on, irreversibly",
      "set it to the vault's current value: az keyvault show -n <vault> --query properties.enablePurgeProtection",
    );
  }
  kv.secrets.forEach((s, i) => {
    const f = `keyVault.secrets[${i}]`;
    c.check(`${f}.name`, s.name, Rules.secretName);
    c.check(`${f}.expirationDate`, s.expirationDate, Rules.rfc3339);
    c.check(`${f}.valueVersion`, s.valueVersion, Rules.secretValueVersion);
    if (secretNames.has(s.name)) c.add(`${f}.name`, s.name, "is listed twice", "remove the duplicate");
    secretNames.add(s.name);
  });
  return secretNames;
}

/** What the identity mode needs: podIdentity names, workloadIdentity's service account, the cluster's OIDC issuer. */
function validateIdentityMode(env: EnvironmentConfig, team: AppTeamConfig, mode: IdentityMode, c: Checker): void {
  if (mode !== "workload-identity") {
    const p = team.podIdentity;
    if (!p) c.required("podIdentity", undefined, `identityMode "${mode}" needs podIdentity { azureIdentityName, bindingName, selector }`);
    else {
      c.check("podIdentity.azureIdentityName", p.azureIdentityName, Rules.objectName);
      c.check("podIdentity.bindingName", p.bindingName, Rules.objectName);
      c.check("podIdentity.selector", p.selector, Rules.labelValue);
    }
  }
  if (mode === "pod-identity") return;
  const w = team.workloadIdentity;
  if (!w) c.required("workloadIdentity", undefined, `identityMode "${mode}" needs workloadIdentity { serviceAccountName }`);
  else c.check("workloadIdentity.serviceAccountName", w.serviceAccountName, Rules.objectName);
  if (!env.cluster.lookup && !env.cluster.oidcIssuerUrl) {
    c.add(
      "identityMode",
      mode,
      "needs the cluster's OIDC issuer, but the cluster is neither looked up nor has cluster.oidcIssuerUrl",
      "set cluster.lookup, or cluster.oidcIssuerUrl from `az aks show --query oidcIssuerProfile.issuerUrl`",
    );
  }
}

/** The reader test: its name, a secret the vault holds, the reader for the mode, replicas, pinned images. */
function validateWorkload(
  w: NonNullable<AppTeamConfig["workload"]>,
  vaultName: string,
  secretNames: ReadonlySet<string>,
  mode: IdentityMode,
  c: Checker,
): void {
  // The name is also the pod label value app=<name>, so it must be a label value too.
  if (c.check("workload.name", w.name, Rules.objectName)) c.check("workload.name", w.name, Rules.labelValue);
  if (!secretNames.has(w.secretName)) {
    c.add(
      "workload.secretName",
      w.secretName,
      `is not a secret of vault "${vaultName}" (it holds: ${[...secretNames].join(", ") || "none"})`,
      "add it to keyVault.secrets, or read a secret the vault holds",
    );
  }
  checkReaderMode(c, mode, w.reader ?? "sidecar");
  c.check("workload.replicas", w.replicas, Rules.replicas);
  for (const [k, img] of Object.entries(w.images ?? {})) {
    if (img !== undefined && !Rules.pinnedImage.test(img)) {
      c.add(`workload.images.${k}`, img, "is not pinned: it has no tag, or the tag is latest", Rules.pinnedImage.fix);
    }
  }
}

/** `<name>-<env>`, the name shortened so the whole fits Key Vault's length limit. */
function vaultNameFor(name: string, env: string): string {
  return `${name.slice(0, KEY_VAULT_NAME_LENGTH.max - env.length - 1)}-${env}`;
}
