/**
 * The checks of `verify` (guide step 8), as pure functions over what kubectl (and az)
 * returned: no I/O here, so tests run them over recorded `kubectl get … -o json` documents.
 *
 * Per app team:
 * - pod identity (`identityMode` "pod-identity" or "both"): namespace; AzureIdentity with the
 *   expected type/resourceID/clientID; AzureIdentityBinding with the expected identity and
 *   selector; pods carrying `aadpodidbinding: <selector>`; an AzureAssignedIdentity in state
 *   Assigned for each of those pods;
 * - workload identity ("workload-identity" or "both"): the ServiceAccount with a client-id
 *   annotation; the workload's pods labelled `azure.workload.identity/use: "true"` and running
 *   as that ServiceAccount; the federated credential (through `az`, skipped without it);
 * - `--probe`: the reader test pod returns the secret.
 * Every failure carries the doctor hint for it.
 */
import type { AppTeamConfig, EnvironmentConfig, IdentityMode } from "../../config/types";
import { appStackName } from "../../config/stack-names";
import {
  AAD_POD_IDENTITY_GROUP,
  AadPodIdentityKinds,
  isGuid,
  POD_IDENTITY_LABEL,
  serviceAccountSubject,
  userAssignedIdentityId,
  WORKLOAD_IDENTITY_AUDIENCE as WI_AUDIENCE,
  WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION as WI_CLIENT_ID_ANNOTATION,
  WORKLOAD_IDENTITY_USE_LABEL as WI_USE_LABEL,
} from "../../constructs/facts";
import { explain, type FindingId, type FindingValues, type GuideStep, type ReportFinding } from "../doctor";
import type {
  AzureAssignedIdentity,
  AzureIdentity,
  AzureIdentityBinding,
  FederatedCredential,
  KubeList,
  Namespace,
  Pod,
  ServiceAccount,
} from "./k8s-types";

/** What a lookup returned. */
export type Fetched<T> =
  | { readonly state: "ok"; readonly value: T }
  | { readonly state: "not-found"; readonly message?: string }
  /** The resource type is unknown to the cluster (CRD not installed). */
  | { readonly state: "crd-missing"; readonly message: string }
  | { readonly state: "skipped"; readonly reason: string };

/** Result of `--probe`: the reader test pod asked for the secret. */
export type ProbeResult =
  | { readonly state: "ok"; readonly pod: string; readonly bytes: number }
  | { readonly state: "failed"; readonly pod: string; readonly message: string; readonly findings: readonly ReportFinding[] }
  | { readonly state: "skipped"; readonly reason: string };

/** Everything looked up for one team. Fields are absent when not looked up. */
export interface TeamSnapshot {
  readonly namespace: Fetched<Namespace>;
  readonly azureIdentities?: Fetched<KubeList<AzureIdentity>>;
  readonly bindings?: Fetched<KubeList<AzureIdentityBinding>>;
  /** From the team's namespace and `default` (where MIC writes them unless namespaced). */
  readonly assignedIdentities?: Fetched<KubeList<AzureAssignedIdentity>>;
  readonly pods?: Fetched<KubeList<Pod>>;
  readonly serviceAccount?: Fetched<ServiceAccount>;
  readonly federatedCredentials?: Fetched<readonly FederatedCredential[]>;
  readonly probe?: ProbeResult;
}

/** The MIC log, fed through doctor. */
export type MicLog =
  | { readonly state: "ok"; readonly pods: readonly string[]; readonly lines: number; readonly findings: readonly ReportFinding[] }
  | { readonly state: "skipped"; readonly reason: string };

/** Stable ids of the checklist items (for `--json`). */
export type CheckId =
  | "namespace"
  | "azure-identity"
  | "azure-identity-binding"
  | "pods-labelled"
  | "assigned-identity"
  | "service-account"
  | "workload-identity-pods"
  | "federated-credential"
  | "probe"
  | "mic-log";

/** How to fix a failed item: the doctor hint when there is a finding id for it. */
export interface Hint {
  readonly findingId?: FindingId;
  readonly guideStep?: GuideStep;
  readonly construct: string;
  readonly config: readonly string[];
  readonly text: string;
}

/** One line of the checklist. `warn` and `skip` do not fail verify. */
export interface CheckItem {
  readonly id: CheckId;
  readonly team?: string;
  readonly title: string;
  readonly status: "pass" | "fail" | "skip" | "warn";
  readonly detail?: string;
  readonly hint?: Hint;
  /** Doctor findings (MIC log, probe pod logs) that explain this item. */
  readonly findings?: readonly { readonly id: FindingId; readonly count: number; readonly whatFailed: string; readonly fix: string }[];
}

/** The identity mode of a team, with its default. */
export function modeOf(team: AppTeamConfig): IdentityMode {
  return team.identityMode ?? "pod-identity";
}

export function usesPodIdentity(team: AppTeamConfig): boolean {
  return modeOf(team) !== "workload-identity";
}

export function usesWorkloadIdentity(team: AppTeamConfig): boolean {
  return modeOf(team) !== "pod-identity";
}

function hintFrom(id: FindingId, values: FindingValues, env: EnvironmentConfig, team: AppTeamConfig): Hint {
  const e = explain(id, values, { env, team });
  return {
    findingId: id,
    guideStep: e.guideStep,
    construct: e.fix.construct,
    config: e.fix.config,
    text: `${e.rootCause} Fix: ${e.fix.text}`,
  };
}

function summarise(findings: readonly ReportFinding[]): CheckItem["findings"] {
  return findings.map((f) => ({
    id: f.id,
    count: f.count,
    whatFailed: f.explanation.whatFailed,
    fix: `${f.explanation.fix.construct}: ${f.explanation.fix.text}`,
  }));
}

/** Live pods: not finished, not being deleted. */
function livePods(pods: KubeList<Pod>): Pod[] {
  return pods.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
}

/** Pods of the team's workload: label `app: <workload.name>` or a name from its Deployment. */
export function workloadPods(pods: readonly Pod[], workloadName: string): Pod[] {
  return pods.filter((p) => p.metadata.labels?.app === workloadName || (p.metadata.name ?? "").startsWith(`${workloadName}-`));
}

const MISCASED_IDENTITY_KEYS = ["ResourceID", "ResourceId", "resourceId", "ClientID", "ClientId", "clientId", "Type"];
const MISCASED_BINDING_KEYS = ["AzureIdentity", "azureidentity", "Selector"];

function fetchedSkip(team: AppTeamConfig, id: CheckId, title: string, f: Fetched<unknown> | undefined): CheckItem | undefined {
  if (!f) return { id, team: team.name, title, status: "skip", detail: "not looked up" };
  if (f.state === "skipped") return { id, team: team.name, title, status: "skip", detail: f.reason };
  return undefined;
}

function checkNamespace(env: EnvironmentConfig, team: AppTeamConfig, s: TeamSnapshot): CheckItem {
  const title = `namespace ${team.namespace} exists`;
  if (s.namespace.state === "ok")
    return {
      id: "namespace",
      team: team.name,
      title,
      status: "pass",
      detail: s.namespace.value.status?.phase ? `phase ${s.namespace.value.status.phase}` : undefined,
    };
  const skip = fetchedSkip(team, "namespace", title, s.namespace);
  if (skip) return skip;
  return {
    id: "namespace",
    team: team.name,
    title,
    status: "fail",
    detail: `namespace ${team.namespace} not found`,
    hint: {
      construct: `stack ${appStackName(env, team)} (createNamespace)`,
      config: [`teams[${team.name}].namespace`, `teams[${team.name}].createNamespace`],
      text:
        `Set createNamespace: true for team ${team.name} and deploy ${appStackName(env, team)}, or create namespace ` +
        `${team.namespace}; check that teams[${team.name}].namespace is right.`,
    },
  };
}

function crdMissingHint(env: EnvironmentConfig, team: AppTeamConfig, kind: string): Hint {
  return hintFrom("crd-not-installed", { kind: [kind], group: [AAD_POD_IDENTITY_GROUP] }, env, team);
}

function checkAzureIdentity(env: EnvironmentConfig, team: AppTeamConfig, s: TeamSnapshot): CheckItem {
  const pi = team.podIdentity;
  const name = pi?.azureIdentityName ?? "<podIdentity.azureIdentityName>";
  const title = `AzureIdentity ${team.namespace}/${name} has type 0, the team's resourceID and a clientID`;
  const skip = fetchedSkip(team, "azure-identity", title, s.azureIdentities);
  if (skip) return skip;
  const f = s.azureIdentities as Exclude<Fetched<KubeList<AzureIdentity>>, { state: "skipped" }>;
  if (f.state === "crd-missing")
    return {
      id: "azure-identity",
      team: team.name,
      title,
      status: "fail",
      detail: f.message,
      hint: crdMissingHint(env, team, AadPodIdentityKinds.AzureIdentity.kind),
    };
  const items = f.state === "ok" ? f.value.items : [];
  const found = items.find((i) => i.metadata.name === name);
  const podIdHint = hintFrom("identity-not-assigned", { namespace: [team.namespace], state: ["CREATED"] }, env, team);
  if (!found) {
    const others = items.map((i) => i.metadata.name).filter(Boolean);
    return {
      id: "azure-identity",
      team: team.name,
      title,
      status: "fail",
      detail: `no AzureIdentity ${name} in ${team.namespace}${others.length ? ` (found: ${others.join(", ")})` : ""}`,
      hint: {
        ...podIdHint,
        construct: "PodIdentityBinding",
        config: [`teams[${team.name}].podIdentity.azureIdentityName`],
        text:
          `PodIdentityBinding (stack ${appStackName(env, team)}) creates AzureIdentity ${name}; deploy it, or fix ` +
          `podIdentity.azureIdentityName. ${podIdHint.text}`,
      },
    };
  }
  const spec = found.spec ?? {};
  const miscased = Object.keys(spec).filter((k) => MISCASED_IDENTITY_KEYS.includes(k));
  const expectedId = userAssignedIdentityId(env.appSubscriptionId, team.identity.resourceGroupName, team.identity.name);
  const problems = azureIdentitySpecProblems(spec, expectedId, miscased);
  if (problems.length === 0) {
    return {
      id: "azure-identity",
      team: team.name,
      title,
      status: "pass",
      detail: `resourceID ${spec.resourceID}, clientID ${spec.clientID}`,
    };
  }
  const pruned = problems.some((p) => p.startsWith("resourceID is empty") || p === "clientID is empty") || miscased.length > 0;
  return {
    id: "azure-identity",
    team: team.name,
    title,
    status: "fail",
    detail: problems.join("; "),
    hint: pruned
      ? hintFrom("pruned-crd-fields", { azureIdentity: [`${team.namespace}/${name}`], namespace: [team.namespace] }, env, team)
      : {
          guideStep: podIdHint.guideStep,
          construct: "PodIdentityBinding",
          config: [`teams[${team.name}].identity`, "appSubscriptionId"],
          text:
            `PodIdentityBinding writes resourceID ${expectedId} and the identity's clientID; the deployed AzureIdentity ` +
            `differs: redeploy ${appStackName(env, team)}, or fix teams[${team.name}].identity if the config is stale.`,
        },
  };
}

/** What is wrong with a deployed AzureIdentity's spec: resourceID (empty when pruned, or another identity's), clientID, type. */
function azureIdentitySpecProblems(spec: NonNullable<AzureIdentity["spec"]>, expectedId: string, miscased: readonly string[]): string[] {
  const problems: string[] = [];
  if (typeof spec.resourceID !== "string" || spec.resourceID === "")
    problems.push(
      `resourceID is empty${miscased.length ? ` (mis-cased ${miscased.join(", ")} present)` : " (pruned: was it written as ResourceID?)"}`,
    );
  else if (spec.resourceID.toLowerCase() !== expectedId.toLowerCase())
    problems.push(`resourceID is ${spec.resourceID}, expected ${expectedId}`);
  if (typeof spec.clientID !== "string" || spec.clientID === "") problems.push("clientID is empty");
  else if (!isGuid(spec.clientID)) problems.push(`clientID ${spec.clientID} is not a GUID`);
  if (spec.type !== 0) problems.push(`type is ${spec.type === undefined ? "missing" : spec.type}, expected 0 (user-assigned identity)`);
  return problems;
}

function checkBinding(env: EnvironmentConfig, team: AppTeamConfig, s: TeamSnapshot): CheckItem {
  const pi = team.podIdentity;
  const name = pi?.bindingName ?? "<podIdentity.bindingName>";
  const title = `AzureIdentityBinding ${team.namespace}/${name} binds ${pi?.azureIdentityName ?? "?"} to selector ${pi?.selector ?? "?"}`;
  const skip = fetchedSkip(team, "azure-identity-binding", title, s.bindings);
  if (skip) return skip;
  const f = s.bindings as Exclude<Fetched<KubeList<AzureIdentityBinding>>, { state: "skipped" }>;
  if (f.state === "crd-missing")
    return {
      id: "azure-identity-binding",
      team: team.name,
      title,
      status: "fail",
      detail: f.message,
      hint: crdMissingHint(env, team, AadPodIdentityKinds.AzureIdentityBinding.kind),
    };
  const items = f.state === "ok" ? f.value.items : [];
  const found = items.find((i) => i.metadata.name === name);
  const hint = hintFrom("identity-not-assigned", { namespace: [team.namespace], state: ["CREATED"] }, env, team);
  if (!found) {
    const others = items.map((i) => `${i.metadata.name} (selector ${i.spec?.selector ?? "none"})`);
    return {
      id: "azure-identity-binding",
      team: team.name,
      title,
      status: "fail",
      detail: `no AzureIdentityBinding ${name} in ${team.namespace}${others.length ? `; found: ${others.join(", ")}` : ""}`,
      hint,
    };
  }
  const spec = found.spec ?? {};
  const problems: string[] = [];
  if (spec.azureIdentity !== pi?.azureIdentityName)
    problems.push(`azureIdentity is ${spec.azureIdentity ? `"${spec.azureIdentity}"` : "empty"}, expected "${pi?.azureIdentityName}"`);
  if (spec.selector !== pi?.selector)
    problems.push(`selector is ${spec.selector ? `"${spec.selector}"` : "empty"}, expected "${pi?.selector}"`);
  const miscased = Object.keys(spec).filter((k) => MISCASED_BINDING_KEYS.includes(k));
  if (problems.length === 0) return { id: "azure-identity-binding", team: team.name, title, status: "pass" };
  return {
    id: "azure-identity-binding",
    team: team.name,
    title,
    status: "fail",
    detail: problems.join("; ") + (miscased.length ? ` (mis-cased ${miscased.join(", ")} present)` : ""),
    hint:
      miscased.length || !spec.azureIdentity || !spec.selector
        ? hintFrom("pruned-crd-fields", { azureIdentity: [`${team.namespace}/${pi?.azureIdentityName}`] }, env, team)
        : hint,
  };
}

function checkPodsLabelled(env: EnvironmentConfig, team: AppTeamConfig, s: TeamSnapshot): { item: CheckItem; bound: Pod[] } {
  const selector = team.podIdentity?.selector ?? "<podIdentity.selector>";
  const title = `pods labelled ${POD_IDENTITY_LABEL}=${selector} run in ${team.namespace}`;
  const skip = fetchedSkip(team, "pods-labelled", title, s.pods);
  if (skip) return { item: skip, bound: [] };
  const pods = s.pods?.state === "ok" ? livePods(s.pods.value) : [];
  const bound = pods.filter((p) => p.metadata.labels?.[POD_IDENTITY_LABEL] === selector);
  const workload = team.workload ? workloadPods(pods, team.workload.name) : [];
  const unlabelled = workload.filter((p) => p.metadata.labels?.[POD_IDENTITY_LABEL] !== selector);
  const describe = (p: Pod): string => `${p.metadata.name} (${POD_IDENTITY_LABEL}=${p.metadata.labels?.[POD_IDENTITY_LABEL] ?? "none"})`;
  const hint = hintFrom(
    "identity-not-assigned",
    { namespace: [team.namespace], state: ["CREATED"], pod: unlabelled.map((p) => `${team.namespace}/${p.metadata.name}`) },
    env,
    team,
  );
  if (bound.length === 0) {
    return {
      bound,
      item: {
        id: "pods-labelled",
        team: team.name,
        title,
        status: "fail",
        detail: workload.length
          ? `no pod carries the selector; pods of ${team.workload?.name}: ${workload.map(describe).join(", ")}`
          : `no pod carries the selector${team.workload ? ` and no pod of ${team.workload.name} runs` : ""}`,
        hint,
      },
    };
  }
  if (unlabelled.length > 0) {
    return {
      bound,
      item: {
        id: "pods-labelled",
        team: team.name,
        title,
        status: "fail",
        detail: `pods of ${team.workload?.name} without the selector: ${unlabelled.map(describe).join(", ")}`,
        hint,
      },
    };
  }
  return {
    bound,
    item: { id: "pods-labelled", team: team.name, title, status: "pass", detail: bound.map((p) => p.metadata.name).join(", ") },
  };
}

function relevantMicFindings(mic: MicLog | undefined, team: AppTeamConfig): readonly ReportFinding[] {
  if (!mic || mic.state !== "ok") return [];
  return mic.findings.filter((f) => {
    const ns = f.values.namespace ?? [];
    const ids = (f.values.identityName ?? []).map((x) => x.toLowerCase());
    // Node-level failures (no namespace in the line) concern every team on the cluster.
    return ns.length === 0 || ns.includes(team.namespace) || ids.includes(team.identity.name.toLowerCase());
  });
}

function checkAssigned(
  env: EnvironmentConfig,
  team: AppTeamConfig,
  s: TeamSnapshot,
  bound: readonly Pod[],
  mic: MicLog | undefined,
): CheckItem[] {
  const titleFor = (pod: string): string => `AzureAssignedIdentity for pod ${team.namespace}/${pod} is Assigned`;
  if (bound.length === 0) {
    return [
      { id: "assigned-identity", team: team.name, title: titleFor("<labelled pods>"), status: "skip", detail: "no labelled pod to check" },
    ];
  }
  const skip = fetchedSkip(team, "assigned-identity", titleFor("*"), s.assignedIdentities);
  if (skip) return [skip];
  const f = s.assignedIdentities as Exclude<Fetched<KubeList<AzureAssignedIdentity>>, { state: "skipped" }>;
  if (f.state === "crd-missing")
    return [
      {
        id: "assigned-identity",
        team: team.name,
        title: titleFor("*"),
        status: "fail",
        detail: f.message,
        hint: crdMissingHint(env, team, AadPodIdentityKinds.AzureAssignedIdentity.kind),
      },
    ];
  const all = f.state === "ok" ? f.value.items : [];
  const mics = relevantMicFindings(mic, team);
  return bound.map((pod) => assignedItem(env, team, pod, all, mics, titleFor(pod.metadata.name ?? "?")));
}

/** One labelled pod: pass when MIC assigned the team's identity to it, else what MIC did instead. */
function assignedItem(
  env: EnvironmentConfig,
  team: AppTeamConfig,
  pod: Pod,
  all: readonly AzureAssignedIdentity[],
  mics: readonly ReportFinding[],
  title: string,
): CheckItem {
  const name = team.podIdentity?.azureIdentityName;
  const podName = pod.metadata.name ?? "?";
  const mine = all.filter((a) => a.spec?.pod === podName && a.spec?.podNamespace === team.namespace);
  const forIdentity = mine.filter((a) => !name || a.spec?.azureIdentityRef?.metadata?.name === name);
  const assigned = forIdentity.find((a) => a.status?.status === "Assigned");
  const item = { id: "assigned-identity", team: team.name, title } as const;
  if (assigned) {
    return {
      ...item,
      status: "pass",
      detail: `${assigned.metadata.namespace}/${assigned.metadata.name} on node ${assigned.spec?.nodename ?? "?"}`,
    };
  }
  const values: FindingValues = { pod: [`${team.namespace}/${podName}`], namespace: [team.namespace] };
  if (forIdentity.length > 0) {
    const states = forIdentity.map((a) => a.status?.status ?? "no status").join(", ");
    return {
      ...item,
      status: "fail",
      detail:
        `AzureAssignedIdentity ${forIdentity[0].metadata.namespace}/${forIdentity[0].metadata.name} is ${states}, ` +
        `not Assigned: MIC matched the pod but could not assign the identity to node ${forIdentity[0].spec?.nodename ?? "?"}`,
      hint: hintFrom("identity-not-assigned", { ...values, state: ["ASSIGNED"] }, env, team),
      findings: summarise(mics),
    };
  }
  const other = mine.map((a) => a.spec?.azureIdentityRef?.metadata?.name).filter(Boolean);
  return {
    ...item,
    status: "fail",
    detail: other.length
      ? `only AzureAssignedIdentities for other identities (${other.join(", ")})`
      : "no AzureAssignedIdentity for this pod: MIC has not matched it to a binding",
    hint: hintFrom("identity-not-assigned", { ...values, state: ["CREATED"] }, env, team),
    findings: summarise(mics),
  };
}

function wiHint(env: EnvironmentConfig, team: AppTeamConfig, text: string): Hint {
  return {
    guideStep: { step: null, title: "workload identity: ServiceAccount, pod label and federated credential" },
    construct: "WorkloadIdentityFederation",
    config: [`teams[${team.name}].workloadIdentity.serviceAccountName`, `teams[${team.name}].namespace`],
    text:
      `${text} WorkloadIdentityFederation (stack ${appStackName(env, team)}) creates the ServiceAccount ${team.workloadIdentity?.serviceAccountName ?? "<workloadIdentity.serviceAccountName>"} ` +
      `with annotation ${WI_CLIENT_ID_ANNOTATION} and the federated credential.`,
  };
}

function checkServiceAccount(env: EnvironmentConfig, team: AppTeamConfig, s: TeamSnapshot): CheckItem {
  const sa = team.workloadIdentity?.serviceAccountName ?? "<workloadIdentity.serviceAccountName>";
  const title = `ServiceAccount ${team.namespace}/${sa} has annotation ${WI_CLIENT_ID_ANNOTATION}`;
  if (!team.workloadIdentity) {
    return {
      id: "service-account",
      team: team.name,
      title,
      status: "fail",
      detail: `identityMode is ${modeOf(team)} but workloadIdentity is not configured`,
      hint: wiHint(env, team, "Add workloadIdentity { serviceAccountName } to the team."),
    };
  }
  const skip = fetchedSkip(team, "service-account", title, s.serviceAccount);
  if (skip) return skip;
  if (s.serviceAccount?.state !== "ok") {
    return {
      id: "service-account",
      team: team.name,
      title,
      status: "fail",
      detail: `ServiceAccount ${sa} not found in ${team.namespace}`,
      hint: wiHint(env, team, "Deploy the team's apps stack."),
    };
  }
  const clientId = s.serviceAccount.value.metadata.annotations?.[WI_CLIENT_ID_ANNOTATION];
  if (!clientId || !isGuid(clientId)) {
    return {
      id: "service-account",
      team: team.name,
      title,
      status: "fail",
      detail: clientId
        ? `annotation ${WI_CLIENT_ID_ANNOTATION} is "${clientId}", not a GUID`
        : `annotation ${WI_CLIENT_ID_ANNOTATION} is missing`,
      hint: wiHint(env, team, "The ServiceAccount must carry the identity's client ID."),
    };
  }
  // In "both" mode the AzureIdentity holds the same identity's client ID.
  const azId =
    s.azureIdentities?.state === "ok"
      ? s.azureIdentities.value.items.find((i) => i.metadata.name === team.podIdentity?.azureIdentityName)
      : undefined;
  const other = azId?.spec?.clientID;
  if (typeof other === "string" && isGuid(other) && other.toLowerCase() !== clientId.toLowerCase()) {
    return {
      id: "service-account",
      team: team.name,
      title,
      status: "fail",
      detail: `client-id ${clientId} differs from AzureIdentity ${azId?.metadata.name}'s clientID ${other}: two different identities`,
      hint: wiHint(env, team, "Both must name the team's identity."),
    };
  }
  return { id: "service-account", team: team.name, title, status: "pass", detail: `client-id ${clientId}` };
}

function checkWorkloadIdentityPods(env: EnvironmentConfig, team: AppTeamConfig, s: TeamSnapshot): CheckItem {
  const sa = team.workloadIdentity?.serviceAccountName ?? "<workloadIdentity.serviceAccountName>";
  const title = team.workload
    ? `pods of ${team.workload.name} carry ${WI_USE_LABEL}: "true" and run as ${sa}`
    : `pods running as ${sa} carry ${WI_USE_LABEL}: "true"`;
  const skip = fetchedSkip(team, "workload-identity-pods", title, s.pods);
  if (skip) return skip;
  const pods = s.pods?.state === "ok" ? livePods(s.pods.value) : [];
  const subjects = team.workload ? workloadPods(pods, team.workload.name) : pods.filter((p) => p.spec?.serviceAccountName === sa);
  if (subjects.length === 0) {
    return team.workload
      ? {
          id: "workload-identity-pods",
          team: team.name,
          title,
          status: "fail",
          detail: `no pod of ${team.workload.name} runs in ${team.namespace}`,
          hint: wiHint(env, team, `Deploy the workload ${team.workload.name} (KeyVaultReaderWorkload).`),
        }
      : { id: "workload-identity-pods", team: team.name, title, status: "skip", detail: `no workload configured and no pod runs as ${sa}` };
  }
  const bad = subjects
    .map((p) => {
      const why: string[] = [];
      if (p.metadata.labels?.[WI_USE_LABEL] !== "true") why.push(`label ${WI_USE_LABEL}=${p.metadata.labels?.[WI_USE_LABEL] ?? "none"}`);
      if ((p.spec?.serviceAccountName ?? "default") !== sa) why.push(`ServiceAccount ${p.spec?.serviceAccountName ?? "default"}`);
      return why.length ? `${p.metadata.name} (${why.join(", ")})` : undefined;
    })
    .filter((x): x is string => x !== undefined);
  if (bad.length === 0)
    return {
      id: "workload-identity-pods",
      team: team.name,
      title,
      status: "pass",
      detail: subjects.map((p) => p.metadata.name).join(", "),
    };
  return {
    id: "workload-identity-pods",
    team: team.name,
    title,
    status: "fail",
    detail: bad.join("; "),
    hint: {
      ...wiHint(env, team, ""),
      construct: "KeyVaultReaderWorkload / WorkloadIdentityFederation",
      text:
        `The pod template needs label ${WI_USE_LABEL}: "true" (the webhook injects the token only then) and serviceAccountName ` +
        `${sa}; KeyVaultReaderWorkload sets both from the team's workloadIdentity (stack ${appStackName(env, team)}).`,
    },
  };
}

function checkFederatedCredential(env: EnvironmentConfig, team: AppTeamConfig, s: TeamSnapshot): CheckItem {
  const sa = team.workloadIdentity?.serviceAccountName ?? "<serviceAccountName>";
  const subject = serviceAccountSubject(team.namespace, sa);
  const title = `federated credential on identity ${team.identity.name} for ${subject}`;
  const skip = fetchedSkip(team, "federated-credential", title, s.federatedCredentials);
  if (skip) return skip;
  const creds = s.federatedCredentials?.state === "ok" ? s.federatedCredentials.value : [];
  const issuer = env.cluster.oidcIssuerUrl;
  const norm = (u: string | undefined): string => (u ?? "").replace(/\/+$/, "");
  const bySubject = creds.filter((c) => c.subject === subject);
  const good = bySubject.find((c) => (c.audiences ?? []).includes(WI_AUDIENCE) && (!issuer || norm(c.issuer) === norm(issuer)));
  if (good) {
    return {
      id: "federated-credential",
      team: team.name,
      title,
      status: "pass",
      detail: `${good.name}: issuer ${good.issuer}${issuer ? "" : " (not compared: config has no cluster.oidcIssuerUrl)"}`,
    };
  }
  const found = creds.map((c) => `${c.name} (subject ${c.subject}, issuer ${c.issuer}, audiences ${(c.audiences ?? []).join(" ")})`);
  const values: FindingValues = { subject: [subject], errorCode: [bySubject.length ? "AADSTS700211" : "AADSTS700213"] };
  if (issuer) values.issuer = [issuer];
  return {
    id: "federated-credential",
    team: team.name,
    title,
    status: "fail",
    detail: bySubject.length
      ? `credential for the subject has issuer/audience ${bySubject.map((c) => `${c.issuer} / ${(c.audiences ?? []).join(" ")}`).join("; ")}, expected ${issuer ?? "the cluster's issuer"} / ${WI_AUDIENCE}`
      : `no credential with subject ${subject}${found.length ? `; found: ${found.join("; ")}` : " (none at all)"}`,
    hint: hintFrom("federated-credential-mismatch", values, env, team),
  };
}

function checkProbe(env: EnvironmentConfig, team: AppTeamConfig, s: TeamSnapshot): CheckItem | undefined {
  if (!s.probe) return undefined;
  const secret = team.workload?.secretName ?? "<workload.secretName>";
  const title = `reader test pod returns secret ${secret} from ${team.keyVault.name}`;
  const p = s.probe;
  if (p.state === "skipped") return { id: "probe", team: team.name, title, status: "skip", detail: p.reason };
  if (p.state === "ok")
    return { id: "probe", team: team.name, title, status: "pass", detail: `pod ${p.pod} returned ${p.bytes} bytes (value not shown)` };
  const first = p.findings[0];
  return {
    id: "probe",
    team: team.name,
    title,
    status: "fail",
    detail: `pod ${p.pod}: ${p.message}`,
    hint: first
      ? {
          findingId: first.id,
          guideStep: first.explanation.guideStep,
          construct: first.explanation.fix.construct,
          config: first.explanation.fix.config,
          text: `${first.explanation.rootCause} Fix: ${first.explanation.fix.text}`,
        }
      : hintFrom(
          team.keyVault.rbacAuthorization ? "missing-keyvault-rbac-role" : "missing-keyvault-secret-permission",
          { vaultName: [team.keyVault.name] },
          env,
          team,
        ),
    findings: summarise(p.findings),
  };
}

/** All checks of one team. */
export function checkTeam(env: EnvironmentConfig, team: AppTeamConfig, s: TeamSnapshot, mic?: MicLog): CheckItem[] {
  const items: CheckItem[] = [checkNamespace(env, team, s)];
  if (s.namespace.state !== "ok") return items;
  if (usesPodIdentity(team)) {
    items.push(checkAzureIdentity(env, team, s), checkBinding(env, team, s));
    const { item, bound } = checkPodsLabelled(env, team, s);
    items.push(item, ...checkAssigned(env, team, s, bound, mic));
  }
  if (usesWorkloadIdentity(team)) {
    items.push(checkServiceAccount(env, team, s), checkWorkloadIdentityPods(env, team, s), checkFederatedCredential(env, team, s));
  }
  const probe = checkProbe(env, team, s);
  if (probe) items.push(probe);
  return items;
}

const POD_IDENTITY_CHECKS: ReadonlySet<CheckId> = new Set([
  "azure-identity",
  "azure-identity-binding",
  "pods-labelled",
  "assigned-identity",
]);

/** The environment-wide MIC log item (only when some team uses pod identity). */
export function checkMicLog(mic: MicLog, teamItems: readonly CheckItem[]): CheckItem {
  const title = "MIC log through doctor";
  if (mic.state === "skipped") return { id: "mic-log", title, status: "skip", detail: mic.reason };
  const where = `${mic.pods.join(", ")}, last ${mic.lines} lines`;
  if (mic.findings.length === 0) return { id: "mic-log", title, status: "pass", detail: `no known failure (${where})` };
  const podIdentityFailed = teamItems.some((i) => POD_IDENTITY_CHECKS.has(i.id) && i.status === "fail");
  const assignedPassed = teamItems.some((i) => i.id === "assigned-identity" && i.status === "pass");
  const first = mic.findings[0];
  const note = podIdentityFailed
    ? ""
    : assignedPassed
      ? "; every checked pod is Assigned, so these may be history"
      : "; no pod-identity check failed";
  return {
    id: "mic-log",
    title,
    // Old errors in a log are history once the pods are Assigned: a warning then, not a failure.
    status: podIdentityFailed ? "fail" : "warn",
    detail: `${mic.findings.length} finding(s) (${where}): ${mic.findings.map((f) => `${f.id} ×${f.count}`).join(", ")}${note}`,
    hint: {
      findingId: first.id,
      guideStep: first.explanation.guideStep,
      construct: first.explanation.fix.construct,
      config: first.explanation.fix.config,
      text: `${first.explanation.rootCause} Fix: ${first.explanation.fix.text}`,
    },
    findings: summarise(mic.findings),
  };
}

/** True when any item failed. */
export function anyFailed(items: readonly CheckItem[]): boolean {
  return items.some((i) => i.status === "fail");
}
