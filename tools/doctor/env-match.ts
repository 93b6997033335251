/**
 * `doctor --env`: compares what a finding's log lines say with what that environment's
 * config knows (agent-pool principal ID when set, node resource group, cluster and identity
 * subscriptions, identity resource IDs, vault names, namespaces, selectors, OIDC issuer).
 * A mismatch means the log comes from another cluster, or the config is stale.
 */
import type { AppTeamConfig, EnvironmentConfig, PlatformConfig } from "../../config/types";
import type { FindingValues } from "./hints";
import { parseArmId, parseServiceAccountSubject } from "./fields";
import type { FindingId } from "./rules";
import { serviceAccountSubject, userAssignedIdentityId, WORKLOAD_IDENTITY_AUDIENCE } from "../../constructs/facts";

/** One comparison of a log value with the config. */
export interface ConfigCheck {
  /** `match`: the log agrees with the config; `mismatch`: it does not; `unknown`: the config cannot tell. */
  readonly status: "match" | "mismatch" | "unknown";
  /** The config field compared, e.g. `cluster.agentPool.principalId`. */
  readonly field: string;
  readonly message: string;
}

/** The result of matching one finding against one environment. */
export interface EnvMatch {
  readonly env: string;
  /** The app team the finding's values point to, if any. */
  readonly team?: AppTeamConfig;
  readonly checks: readonly ConfigCheck[];
}

/** Identity resource ID of a team, as the constructs create it. */
export function identityResourceId(env: EnvironmentConfig, team: AppTeamConfig): string {
  return userAssignedIdentityId(env.appSubscriptionId, team.identity.resourceGroupName, team.identity.name);
}

const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Findings whose principal is the cluster's agent-pool (kubelet) identity. */
const AGENT_POOL_PRINCIPAL: ReadonlySet<FindingId> = new Set([
  "missing-managed-identity-operator",
  "malformed-identity-resource-id",
  "missing-node-resource-group-roles",
]);

function agentPoolOwner(platform: PlatformConfig, principal: string): EnvironmentConfig | undefined {
  return platform.environments.find((e) => e.cluster.agentPool?.principalId && eq(e.cluster.agentPool.principalId, principal));
}

function real(values: FindingValues, field: keyof FindingValues): string[] {
  return (values[field] ?? []).filter((v) => !v.startsWith("("));
}

/** What the comparisons share: the finding, one environment, the checks so far and the team they point to. */
interface MatchState {
  readonly id: FindingId;
  readonly values: FindingValues;
  readonly env: EnvironmentConfig;
  readonly platform: PlatformConfig;
  readonly checks: ConfigCheck[];
  /** The first team a log value pointed to. */
  team?: AppTeamConfig;
}

function setTeam(s: MatchState, t: AppTeamConfig | undefined): void {
  s.team ??= t;
}

/** The agent-pool (kubelet) identity. */
function checkAgentPool({ id, values, env, platform, checks }: MatchState): void {
  const pool = env.cluster.agentPool;
  if (!(AGENT_POOL_PRINCIPAL.has(id) || id === "principal-not-found")) return;
  for (const principal of real(values, "principalId")) {
    const field = "cluster.agentPool.principalId";
    if (pool?.principalId) {
      if (eq(pool.principalId, principal)) {
        checks.push({
          status: "match",
          field,
          message: `the client ${principal} is the agent-pool identity ${pool.identityName} of ${env.name}`,
        });
      } else if (AGENT_POOL_PRINCIPAL.has(id)) {
        const other = agentPoolOwner(platform, principal);
        checks.push({
          status: "mismatch",
          field,
          message: `the client ${principal} in the log is not the agent-pool identity configured for ${env.name} (${pool.principalId})${other ? `: it is ${other.name}'s (${other.cluster.agentPool?.identityName})` : ""}: a wrong cluster or a stale config`,
        });
      }
    } else if (AGENT_POOL_PRINCIPAL.has(id)) {
      const other = agentPoolOwner(platform, principal);
      checks.push(
        other && other.name !== env.name
          ? {
              status: "mismatch",
              field,
              message:
                `the client ${principal} in the log is not the agent-pool identity configured for ${env.name}: it is ` +
                `${other.name}'s agent pool (${other.cluster.agentPool?.identityName}): a wrong cluster or a stale config`,
            }
          : {
              status: "unknown",
              field,
              message:
                `${env.name} has no cluster.agentPool.principalId: cannot tell whether ${principal} is its agent pool ` +
                `(${pool?.identityName ?? "from the cluster lookup"})`,
            },
      );
    }
  }
}

/** Node resource group and cluster subscription. */
function checkClusterPlacement({ values, env, checks }: MatchState): void {
  const pool = env.cluster.agentPool;
  for (const rg of real(values, "nodeResourceGroup")) {
    const field = "cluster.agentPool.nodeResourceGroupName";
    if (pool) {
      checks.push(
        eq(pool.nodeResourceGroupName, rg)
          ? { status: "match", field, message: `node resource group ${rg} is ${env.name}'s` }
          : {
              status: "mismatch",
              field,
              message: `node resource group ${rg} in the log is not ${env.name}'s (${pool.nodeResourceGroupName}): a wrong cluster or a stale config`,
            },
      );
    } else {
      checks.push({
        status: "unknown",
        field,
        message: `${env.name} takes its node resource group from the cluster lookup: cannot compare ${rg}`,
      });
    }
  }
  for (const sub of real(values, "clusterSubscriptionId")) {
    checks.push(
      eq(env.cluster.subscriptionId, sub)
        ? { status: "match", field: "cluster.subscriptionId", message: `cluster subscription ${sub} is ${env.name}'s` }
        : {
            status: "mismatch",
            field: "cluster.subscriptionId",
            message: `the cluster subscription ${sub} in the log is not ${env.name}'s (${env.cluster.subscriptionId})`,
          },
    );
  }
}

/** The app identity. */
function checkAppIdentity(s: MatchState): void {
  const { values, env, checks } = s;
  for (const idText of real(values, "identityResourceId")) {
    const t = env.teams.find((x) => eq(identityResourceId(env, x), idText));
    if (t) {
      setTeam(s, t);
      checks.push({
        status: "match",
        field: `teams[${t.name}].identity`,
        message: `identity ${t.identity.name} is team ${t.name}'s identity in ${env.name}`,
      });
    } else {
      const p = parseArmId(idText);
      const why =
        p && !eq(p.subscriptionId, env.appSubscriptionId)
          ? ` (its subscription ${p.subscriptionId} is not appSubscriptionId ${env.appSubscriptionId})`
          : "";
      checks.push({
        status: "mismatch",
        field: "teams[].identity",
        message: `identity ${idText} is not the identity of any team of ${env.name}${why}; configured: ${env.teams.map((x) => x.identity.name).join(", ") || "none"}`,
      });
    }
  }
}

/** The vault, and whether its access mode agrees with the config. */
function checkVault(s: MatchState): void {
  const { id, values, env, checks } = s;
  for (const vault of real(values, "vaultName")) {
    const t = env.teams.find((x) => eq(x.keyVault.name, vault));
    if (!t) {
      checks.push({
        status: "mismatch",
        field: "teams[].keyVault.name",
        message: `vault ${vault} is not a vault of ${env.name} (configured: ${env.teams.map((x) => x.keyVault.name).join(", ") || "none"})`,
      });
      continue;
    }
    setTeam(s, t);
    checks.push({ status: "match", field: `teams[${t.name}].keyVault.name`, message: `vault ${vault} is team ${t.name}'s` });
    const rbac = t.keyVault.rbacAuthorization === true;
    if (id === "missing-keyvault-rbac-role" && !rbac) {
      checks.push({
        status: "mismatch",
        field: `teams[${t.name}].keyVault.rbacAuthorization`,
        message:
          `the vault answers in RBAC mode, but the config grants through access policies (keyVault.rbacAuthorization ` +
          `is not true): set it to true`,
      });
    }
    if (id === "missing-keyvault-secret-permission" && rbac) {
      checks.push({
        status: "mismatch",
        field: `teams[${t.name}].keyVault.rbacAuthorization`,
        message:
          `the vault answers with access policies, but the config says keyVault.rbacAuthorization: true: the deployed ` +
          `vault and the config disagree`,
      });
    }
  }
}

/** Tenant. */
function checkTenant({ values, env, checks }: MatchState): void {
  for (const tenant of real(values, "tenantId")) {
    checks.push(
      eq(env.tenantId, tenant)
        ? { status: "match", field: "tenantId", message: `tenant ${tenant} is ${env.name}'s` }
        : { status: "mismatch", field: "tenantId", message: `tenant ${tenant} in the log is not ${env.name}'s (${env.tenantId})` },
    );
  }
}

/** Workload identity: the ServiceAccount subject. */
function checkSubject(s: MatchState): void {
  const { values, env, checks } = s;
  for (const subject of real(values, "subject")) {
    const sa = parseServiceAccountSubject(subject);
    if (!sa) {
      checks.push({
        status: "mismatch",
        field: "teams[].workloadIdentity",
        message: `subject ${subject} is not of the form system:serviceaccount:<namespace>:<name>`,
      });
      continue;
    }
    const wiTeams = env.teams.filter((x) => x.workloadIdentity);
    const exact = wiTeams.find((x) => x.namespace === sa.namespace && x.workloadIdentity?.serviceAccountName === sa.name);
    if (exact) {
      setTeam(s, exact);
      checks.push({
        status: "match",
        field: `teams[${exact.name}].workloadIdentity.serviceAccountName`,
        message: `subject ${subject} is team ${exact.name}'s ServiceAccount: the federated credential's subject or issuer is what differs`,
      });
      continue;
    }
    const near =
      env.teams.find((x) => eq(x.namespace, sa.namespace)) ??
      wiTeams.find((x) => eq(x.workloadIdentity?.serviceAccountName ?? "", sa.name));
    setTeam(s, near);
    const expected = near?.workloadIdentity ? serviceAccountSubject(near.namespace, near.workloadIdentity.serviceAccountName) : undefined;
    checks.push({
      status: "mismatch",
      field: near ? `teams[${near.name}].workloadIdentity.serviceAccountName` : "teams[].workloadIdentity",
      message: expected
        ? `the pod presented subject ${subject}, but ${env.name} configures ${expected}: the pod runs as another ` +
          `ServiceAccount or namespace (names are case-sensitive)`
        : `no team of ${env.name} configures workload identity for ${subject}`,
    });
  }
}

/** Workload identity: the token's issuer and audience. */
function checkIssuerAndAudience({ values, env, checks }: MatchState): void {
  for (const issuer of real(values, "issuer")) {
    const want = env.cluster.oidcIssuerUrl;
    if (!want) {
      checks.push({
        status: "unknown",
        field: "cluster.oidcIssuerUrl",
        message: `${env.name} has no cluster.oidcIssuerUrl${env.cluster.lookup ? " (the issuer comes from the cluster lookup at plan time)" : ""}: cannot compare ${issuer}`,
      });
    } else {
      const norm = (s: string): string => s.replace(/\/+$/, "");
      checks.push(
        norm(want) === norm(issuer)
          ? { status: "match", field: "cluster.oidcIssuerUrl", message: `issuer ${issuer} is ${env.name}'s OIDC issuer` }
          : {
              status: "mismatch",
              field: "cluster.oidcIssuerUrl",
              message: `issuer ${issuer} in the log is not ${env.name}'s OIDC issuer (${want}): a token from another cluster, or a stale config`,
            },
      );
    }
  }
  for (const audience of real(values, "audience")) {
    if (audience !== WORKLOAD_IDENTITY_AUDIENCE) {
      checks.push({
        status: "mismatch",
        field: "WorkloadIdentityFederation audience",
        message: `audience ${audience} is not ${WORKLOAD_IDENTITY_AUDIENCE}`,
      });
    }
  }
}

/** Namespace, binding, AzureIdentity (aad-pod-identity). */
function checkPodIdentityObjects(s: MatchState): void {
  const { id, values, env, checks } = s;
  const namespaces = new Set([...real(values, "namespace"), ...real(values, "pod").map((p) => p.split("/")[0])]);
  if (id !== "federated-credential-mismatch") {
    for (const ns of namespaces) {
      const t = env.teams.find((x) => x.namespace === ns);
      if (t) {
        setTeam(s, t);
        checks.push({ status: "match", field: `teams[${t.name}].namespace`, message: `namespace ${ns} is team ${t.name}'s` });
      } else {
        checks.push({
          status: "mismatch",
          field: "teams[].namespace",
          message: `namespace ${ns} is not the namespace of any team of ${env.name}`,
        });
      }
    }
  }
  for (const b of real(values, "binding")) {
    const [ns, name] = b.split("/");
    const t = env.teams.find((x) => x.namespace === ns);
    if (t?.podIdentity) {
      checks.push(
        t.podIdentity.bindingName === name
          ? { status: "match", field: `teams[${t.name}].podIdentity.bindingName`, message: `binding ${b} is team ${t.name}'s` }
          : {
              status: "mismatch",
              field: `teams[${t.name}].podIdentity.bindingName`,
              message: `binding ${b} is not the configured ${ns}/${t.podIdentity.bindingName}`,
            },
      );
    }
  }
  for (const a of real(values, "azureIdentity")) {
    const [ns, name] = a.split("/");
    const t = env.teams.find((x) => x.namespace === ns);
    if (t?.podIdentity) {
      setTeam(s, t);
      checks.push(
        t.podIdentity.azureIdentityName === name
          ? { status: "match", field: `teams[${t.name}].podIdentity.azureIdentityName`, message: `AzureIdentity ${a} is team ${t.name}'s` }
          : {
              status: "mismatch",
              field: `teams[${t.name}].podIdentity.azureIdentityName`,
              message: `AzureIdentity ${a} is not the configured ${ns}/${t.podIdentity.azureIdentityName}`,
            },
      );
    }
  }
}

/** The matched team's identity mode against the mechanism the finding shows; a principal no config knows. */
function checkTeamMode({ id, values, env, checks, team }: MatchState): void {
  if (
    team &&
    (id === "identity-not-assigned" || id === "clientid-not-bound" || id === "pruned-crd-fields") &&
    (team.identityMode ?? "pod-identity") === "workload-identity"
  ) {
    checks.push({
      status: "mismatch",
      field: `teams[${team.name}].identityMode`,
      message: `team ${team.name} is configured for workload identity only, yet its pods go through aad-pod-identity`,
    });
  }
  if (id === "federated-credential-mismatch" && team && (team.identityMode ?? "pod-identity") === "pod-identity") {
    checks.push({
      status: "mismatch",
      field: `teams[${team.name}].identityMode`,
      message: `team ${team.name} is configured for pod identity only, yet its pods use workload identity`,
    });
  }
  if (id === "principal-not-found" && !team) {
    const p = real(values, "principalId")[0];
    if (p && !checks.some((c) => c.status === "match")) {
      checks.push({
        status: "unknown",
        field: "teams[].identity",
        message: `principal ${p} is not known to ${env.name}'s config (identity principal IDs are created at apply time)`,
      });
    }
  }
}

/** The comparisons, in report order; the team checks come last as they use the team the others found. */
const COMPARISONS: readonly ((s: MatchState) => void)[] = [
  checkAgentPool,
  checkClusterPlacement,
  checkAppIdentity,
  checkVault,
  checkTenant,
  checkSubject,
  checkIssuerAndAudience,
  checkPodIdentityObjects,
  checkTeamMode,
];

/** Compares a finding's values with one environment's config. */
export function matchEnvironment(id: FindingId, values: FindingValues, env: EnvironmentConfig, platform: PlatformConfig): EnvMatch {
  const state: MatchState = { id, values, env, platform, checks: [] };
  for (const compare of COMPARISONS) compare(state);
  return { env: env.name, team: state.team, checks: state.checks };
}
