/**
 * Looks up, with the real kubectl (and az), everything `checks.ts` needs for one
 * environment: per team the namespace, the aad-pod-identity CRs, pods, ServiceAccount and
 * federated credentials; optionally the `--probe`; and the MIC log, fed through doctor.
 */
import type { AppTeamConfig, EnvironmentConfig, PlatformConfig } from "../../config/types";
import {
  AAD_POD_IDENTITY_GROUP,
  AadPodIdentityKinds,
  POD_IDENTITY_LABEL,
  SECRETS_MOUNT_PATH,
  sidecarSecretUrl,
} from "../../constructs/facts";
import { Analyzer, buildReport, type ReportFinding } from "../doctor";
import {
  usesPodIdentity,
  usesWorkloadIdentity,
  workloadPods,
  type Fetched,
  type MicLog,
  type ProbeResult,
  type TeamSnapshot,
} from "./checks";
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
import { azJson, classifyKubectlError, type Kubectl } from "./kubectl";

/**
 * The probe command run in the reader container: it prints only the secret's size, so the
 * value never leaves the pod. It reads where KeyVaultReaderWorkload puts the secret (both take
 * the place from constructs/facts.ts): the guide's `az-keyvault-reader` sidecar serves it on
 * 127.0.0.1 (pod identity), the Secrets Store CSI driver mounts it (workload identity).
 */
export function probeCommand(secret: string, viaSidecar: boolean): string[] {
  return viaSidecar
    ? ["sh", "-c", `v=$(wget -qO- ${sidecarSecretUrl(secret)}) && printf %s "$v" | wc -c`]
    : ["sh", "-c", `wc -c < ${SECRETS_MOUNT_PATH}/${secret}`];
}

/** `<plural>.<group>` of an aad-pod-identity kind, as `kubectl get` takes it. */
function crd(kind: keyof typeof AadPodIdentityKinds): string {
  return `${AadPodIdentityKinds[kind].plural}.${AAD_POD_IDENTITY_GROUP}`;
}

/** Label selectors MIC pods carry: Helm chart 4.x, then the older manifests. */
export const MIC_SELECTORS = ["app.kubernetes.io/component=mic", "component=mic"] as const;

export interface GatherOptions {
  readonly probe: boolean;
  /** MIC log lines to read per pod. @default 5000 */
  readonly micTail?: number;
  /** @default "az" */
  readonly az?: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The whole platform, so doctor can say which other environment a principal in the MIC log belongs to.
   * @default - only `env`
   */
  readonly platform?: PlatformConfig;
}

/** What gather found. */
export interface Gathered {
  readonly context?: string;
  readonly teams: ReadonlyMap<string, TeamSnapshot>;
  readonly mic?: MicLog;
}

function mergeLists<T extends { metadata: { namespace?: string; name?: string } }>(
  a: Fetched<KubeList<T>>,
  b: Fetched<KubeList<T>>,
): Fetched<KubeList<T>> {
  if (a.state === "crd-missing") return a;
  if (b.state === "crd-missing") return b;
  const items = new Map<string, T>();
  for (const f of [a, b]) if (f.state === "ok") for (const i of f.value.items) items.set(`${i.metadata.namespace}/${i.metadata.name}`, i);
  return { state: "ok", value: { items: [...items.values()] } };
}

function doctorFindings(
  text: string,
  source: string,
  env: EnvironmentConfig,
  platform: PlatformConfig,
): { lines: number; findings: readonly ReportFinding[] } {
  const a = new Analyzer();
  a.text(text, source);
  return { lines: a.stats.lines, findings: buildReport(a.findings(), a.stats, env, platform).findings };
}

async function probe(
  kubectl: Kubectl,
  env: EnvironmentConfig,
  platform: PlatformConfig,
  team: AppTeamConfig,
  pods: Fetched<KubeList<Pod>>,
): Promise<ProbeResult> {
  if (!team.workload) return { state: "skipped", reason: "no workload configured for the team" };
  if (pods.state !== "ok") return { state: "skipped", reason: "pods could not be listed" };
  const candidates = usesPodIdentity(team)
    ? pods.value.items.filter((p) => p.metadata.labels?.[POD_IDENTITY_LABEL] === team.podIdentity?.selector)
    : workloadPods(pods.value.items, team.workload.name);
  const pod = candidates.find((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp);
  if (!pod?.metadata.name) return { state: "skipped", reason: `no running pod of ${team.workload.name} to probe` };
  const containers = pod.spec?.containers ?? [];
  const viaSidecar = containers.some((c) => /az-keyvault-reader/.test(c.name) || /az-keyvault-reader/.test(c.image ?? ""));
  const container =
    containers.find((c) => c.name === "busybox") ?? containers.find((c) => !/sidecar|az-keyvault-reader/.test(c.name)) ?? containers[0];
  const where = viaSidecar ? sidecarSecretUrl(team.workload.secretName) : `${SECRETS_MOUNT_PATH}/${team.workload.secretName}`;
  const r = await kubectl.run(
    [
      "exec",
      "-n",
      team.namespace,
      pod.metadata.name,
      ...(container ? ["-c", container.name] : []),
      "--",
      ...probeCommand(team.workload.secretName, viaSidecar),
    ],
    false,
  );
  const podRef = `${team.namespace}/${pod.metadata.name}`;
  const bytes = Number.parseInt(r.stdout.trim(), 10);
  if (r.code === 0 && bytes > 0) return { state: "ok", pod: podRef, bytes };
  if (r.code !== 0 && classifyKubectlError(r.stderr) === "rbac-denied") throw kubectl.fatal(`exec into ${podRef} (--probe)`, r);
  const message =
    r.code === 0
      ? `${where} is empty`
      : `reading ${where} failed: ${(r.stderr.split("\n").find((l) => l.trim()) ?? `exit ${r.code}`).trim()}`;
  // Why: the pod's own output (reader sidecar, app) through doctor.
  const logs = await kubectl.run(["logs", "-n", team.namespace, pod.metadata.name, "--all-containers", "--tail=500"]);
  const findings = logs.code === 0 ? doctorFindings(logs.stdout, `logs ${podRef}`, env, platform).findings : [];
  return { state: "failed", pod: podRef, message, findings };
}

async function gatherTeam(kubectl: Kubectl, env: EnvironmentConfig, team: AppTeamConfig, options: GatherOptions): Promise<TeamSnapshot> {
  const ns = team.namespace;
  const namespace = await kubectl.getJson<Namespace>(["namespace", ns], `namespace ${ns}`);
  if (namespace.state !== "ok") return { namespace };
  const pi = usesPodIdentity(team);
  const wi = usesWorkloadIdentity(team);
  const [pods, azureIdentities, bindings, aaiTeam, aaiDefault, serviceAccount, federatedCredentials] = await Promise.all([
    kubectl.getJson<KubeList<Pod>>(["pods", "-n", ns], `pods in ${ns}`),
    pi ? kubectl.getJson<KubeList<AzureIdentity>>([crd("AzureIdentity"), "-n", ns], `AzureIdentities in ${ns}`) : undefined,
    pi
      ? kubectl.getJson<KubeList<AzureIdentityBinding>>([crd("AzureIdentityBinding"), "-n", ns], `AzureIdentityBindings in ${ns}`)
      : undefined,
    pi
      ? kubectl.getJson<KubeList<AzureAssignedIdentity>>([crd("AzureAssignedIdentity"), "-n", ns], `AzureAssignedIdentities in ${ns}`)
      : undefined,
    // MIC writes AzureAssignedIdentities to "default" unless the identity is namespaced.
    pi && ns !== "default"
      ? kubectl.getJson<KubeList<AzureAssignedIdentity>>(
          [crd("AzureAssignedIdentity"), "-n", "default"],
          "AzureAssignedIdentities in default",
        )
      : undefined,
    wi && team.workloadIdentity
      ? kubectl.getJson<ServiceAccount>(
          ["serviceaccount", "-n", ns, team.workloadIdentity.serviceAccountName],
          `ServiceAccount ${ns}/${team.workloadIdentity.serviceAccountName}`,
        )
      : undefined,
    wi
      ? azJson<FederatedCredential[]>(
          [
            "identity",
            "federated-credential",
            "list",
            "--identity-name",
            team.identity.name,
            "--resource-group",
            team.identity.resourceGroupName,
            "--subscription",
            env.appSubscriptionId,
          ],
          `federated credentials of ${team.identity.name}`,
          options.az,
          options.env,
        )
      : undefined,
  ]);
  const assignedIdentities = aaiTeam && aaiDefault ? mergeLists(aaiTeam, aaiDefault) : aaiTeam;
  const snapshot: TeamSnapshot = { namespace, pods, azureIdentities, bindings, assignedIdentities, serviceAccount, federatedCredentials };
  return options.probe
    ? { ...snapshot, probe: await probe(kubectl, env, options.platform ?? { environments: [env] }, team, pods) }
    : snapshot;
}

async function gatherMic(kubectl: Kubectl, env: EnvironmentConfig, platform: PlatformConfig, tail: number): Promise<MicLog> {
  let pods: Pod[] = [];
  const reasons: string[] = [];
  for (const selector of MIC_SELECTORS) {
    const f = await kubectl.getJson<KubeList<Pod>>(["pods", "-A", "-l", selector], `MIC pods (${selector})`, true);
    if (f.state === "ok") pods = f.value.items.filter((p) => p.status?.phase === "Running");
    else if (f.state === "skipped") reasons.push(f.reason);
    if (pods.length > 0) break;
  }
  if (pods.length === 0) return { state: "skipped", reason: reasons[0] ?? `no running MIC pod found (labels ${MIC_SELECTORS.join(", ")})` };
  const names: string[] = [];
  const texts: string[] = [];
  for (const p of pods.slice(0, 2)) {
    const ref = `${p.metadata.namespace}/${p.metadata.name}`;
    const r = await kubectl.run(["logs", "-n", p.metadata.namespace ?? "default", p.metadata.name ?? "", `--tail=${tail}`]);
    if (r.code === 0) {
      names.push(ref);
      texts.push(r.stdout);
    } else {
      reasons.push(`logs of ${ref}: ${(r.stderr.split("\n")[0] ?? "").trim()}`);
    }
  }
  if (names.length === 0) return { state: "skipped", reason: reasons.join("; ") };
  const { lines, findings } = doctorFindings(texts.join("\n"), `MIC ${names.join(", ")}`, env, platform);
  return { state: "ok", pods: names, lines, findings };
}

/** Looks everything up for `env`. Throws `FatalError` for missing kubectl, no access, RBAC denial. */
export async function gather(env: EnvironmentConfig, kubectl: Kubectl, options: GatherOptions): Promise<Gathered> {
  const context = await kubectl.currentContext();
  await kubectl.ping();
  const teams = new Map<string, TeamSnapshot>();
  for (const team of env.teams) teams.set(team.name, await gatherTeam(kubectl, env, team, options));
  const mic = env.teams.some(usesPodIdentity)
    ? await gatherMic(kubectl, env, options.platform ?? { environments: [env] }, options.micTail ?? 5000)
    : undefined;
  return { context, teams, mic };
}
