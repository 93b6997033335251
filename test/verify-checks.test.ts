/**
 * verify's checking logic over kubectl documents (test/fixtures/kubectl/): healthy, missing
 * binding, label mismatch, Created but not Assigned, pruned fields, workload identity.
 * No API server: the checks are pure functions of the documents.
 */
import * as fs from "fs";
import * as path from "path";
import { devTest, platform } from "../config/environments";
import type { AppTeamConfig, EnvironmentConfig } from "../config/types";
import { Analyzer } from "../tools/doctor/analyzer";
import { buildReport } from "../tools/doctor/report";
import { checkMicLog, checkTeam, type CheckItem, type Fetched, type MicLog, type TeamSnapshot } from "../tools/verify/checks";
import { buildVerifyReport, renderVerifyText } from "../tools/verify/render";

const FIX = path.join(__dirname, "fixtures", "kubectl");
const LOGS = path.join(__dirname, "fixtures", "logs");
const TEAM = devTest.teams[0];

function read(scenario: string, file: string): unknown {
  for (const dir of [scenario, "healthy"]) {
    const p = path.join(FIX, dir, file);
    if (fs.existsSync(p)) return JSON.parse(fs.readFileSync(p, "utf8"));
  }
  return undefined;
}

function fetched<T>(v: unknown): Fetched<T> {
  return v === undefined ? { state: "not-found" } : { state: "ok", value: v as T };
}

/** The snapshot gather() would build from these documents. */
function snapshot(scenario: string): TeamSnapshot {
  return {
    namespace: fetched(read(scenario, "namespace.json")),
    azureIdentities: fetched(read(scenario, "azureidentities.json")),
    bindings: fetched(read(scenario, "azureidentitybindings.json")),
    assignedIdentities: fetched(read(scenario, "azureassignedidentities.json")),
    pods: fetched(read(scenario, "pods.json")),
    serviceAccount: fetched(read(scenario, "serviceaccount.json")),
    federatedCredentials: fetched(read(scenario, "federated-credentials.json")),
  };
}

function micLog(...files: string[]): MicLog {
  const a = new Analyzer();
  for (const f of files) a.text(fs.readFileSync(path.join(LOGS, f), "utf8"), f);
  return {
    state: "ok",
    pods: ["kube-system/mic-7d9b6c5f4-abcde"],
    lines: a.stats.lines,
    findings: buildReport(a.findings(), a.stats, devTest, platform).findings,
  };
}

const byId = (items: CheckItem[], id: CheckItem["id"]): CheckItem => {
  const i = items.find((x) => x.id === id);
  if (!i) throw new Error(`no item ${id} in ${items.map((x) => x.id).join(", ")}`);
  return i;
};
const statuses = (items: CheckItem[]): [string, string][] => items.map((i) => [i.id, i.status]);

const ISSUER = "https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/6b3c1c4e-7d2a-4f4b-9a57-1f0e6c2d8b91/";
function wiEnv(mode: AppTeamConfig["identityMode"]): { env: EnvironmentConfig; team: AppTeamConfig } {
  const team: AppTeamConfig = { ...TEAM, identityMode: mode, workloadIdentity: { serviceAccountName: "keyvault-reader" } };
  return { env: { ...devTest, cluster: { ...devTest.cluster, oidcIssuerUrl: ISSUER }, teams: [team] }, team };
}

describe("verify checks, pod identity", () => {
  it("GIVEN a healthy deployment WHEN checked THEN every item passes, with the values found", () => {
    const items = checkTeam(devTest, TEAM, snapshot("healthy"));
    expect(statuses(items)).toEqual([
      ["namespace", "pass"],
      ["azure-identity", "pass"],
      ["azure-identity-binding", "pass"],
      ["pods-labelled", "pass"],
      ["assigned-identity", "pass"],
    ]);
    expect(byId(items, "azure-identity").detail).toBe(
      "resourceID /subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-aad-user-identity, clientID 248b3285-aa4c-436f-b0da-8ab35ba2d14a",
    );
    expect(byId(items, "assigned-identity").title).toBe(
      "AzureAssignedIdentity for pod aad-pod-identity-poc/az-keyvault-reader-test-77b46877d6-6kj24 is Assigned",
    );
    expect(byId(items, "assigned-identity").detail).toBe(
      "default/az-keyvault-reader-test-77b46877d6-6kj24-aad-pod-identity-poc-aad-user-identity on node aks-system-12583646-vmss000001",
    );
    expect(items.every((i) => i.hint === undefined)).toBe(true);
  });

  it("GIVEN no AzureIdentityBinding WHEN checked THEN the binding and the assignment fail with the doctor hint", () => {
    const items = checkTeam(devTest, TEAM, snapshot("missing-binding"));
    const b = byId(items, "azure-identity-binding");
    expect(b.status).toBe("fail");
    expect(b.detail).toBe("no AzureIdentityBinding aad-user-identity-binding in aad-pod-identity-poc");
    expect(b.hint?.findingId).toBe("identity-not-assigned");
    expect(b.hint?.construct).toContain("PodIdentityBinding");
    expect(b.hint?.config).toContain("teams[poc].podIdentity.selector");
    expect(b.hint?.text).toContain("dev-test-apps");
    const a = byId(items, "assigned-identity");
    expect(a.status).toBe("fail");
    expect(a.detail).toContain("MIC has not matched it to a binding");
  });

  it("GIVEN the pod's label differs from the selector WHEN checked THEN pods-labelled fails naming both values", () => {
    const items = checkTeam(devTest, TEAM, snapshot("label-mismatch"));
    const p = byId(items, "pods-labelled");
    expect(p.status).toBe("fail");
    expect(p.title).toBe("pods labelled aadpodidbinding=bind-user-identity-keyvault run in aad-pod-identity-poc");
    expect(p.detail).toBe(
      "no pod carries the selector; pods of az-keyvault-reader-test: az-keyvault-reader-test-77b46877d6-6kj24 (aadpodidbinding=bind-user-identity-kv)",
    );
    expect(p.hint?.findingId).toBe("identity-not-assigned");
    expect(p.hint?.construct).toContain("KeyVaultReaderWorkload");
    expect(byId(items, "assigned-identity").status).toBe("skip");
  });

  it("GIVEN an AzureAssignedIdentity stuck in Created and a MIC log WHEN checked THEN the assignment fails with the MIC findings attached", () => {
    const mic = micLog("guide-step3-mic.log");
    const items = checkTeam(devTest, TEAM, snapshot("created-not-assigned"), mic);
    const a = byId(items, "assigned-identity");
    expect(a.status).toBe("fail");
    expect(a.detail).toContain("is Created, not Assigned");
    expect(a.detail).toContain("node aks-system-12583646-vmss000001");
    expect(a.hint?.guideStep?.step).toBe(8);
    expect(a.hint?.construct).toContain("ManagedIdentityOperatorAssignment");
    expect(a.findings?.map((f) => [f.id, f.count])).toEqual([["missing-managed-identity-operator", 2]]);
    const m = checkMicLog(mic, items);
    expect(m.status).toBe("fail");
    expect(m.hint?.findingId).toBe("missing-managed-identity-operator");
    expect(m.hint?.text).toContain("b9276f33-e80c-4f09-9cdf-24c28c0feea4");
  });

  it("GIVEN a healthy deployment but old errors in the MIC log WHEN checked THEN the MIC item is a warning, not a failure", () => {
    const mic = micLog("guide-step7-mic.log");
    const items = checkTeam(devTest, TEAM, snapshot("healthy"), mic);
    expect(checkMicLog(mic, items).status).toBe("warn");
    expect(checkMicLog({ state: "skipped", reason: "no running MIC pod found" }, items)).toMatchObject({
      status: "skip",
      detail: "no running MIC pod found",
    });
  });

  it("GIVEN an AzureIdentity whose mis-cased fields were pruned WHEN checked THEN it fails with the pruned-crd-fields hint", () => {
    const items = checkTeam(devTest, TEAM, snapshot("pruned-fields"));
    const i = byId(items, "azure-identity");
    expect(i.status).toBe("fail");
    expect(i.detail).toBe("resourceID is empty (pruned: was it written as ResourceID?); clientID is empty");
    expect(i.hint?.findingId).toBe("pruned-crd-fields");
  });

  it("GIVEN an AzureIdentity for another identity WHEN checked THEN it fails naming both resource IDs", () => {
    const s = snapshot("healthy");
    const other = JSON.parse(JSON.stringify(read("healthy", "azureidentities.json")));
    other.items[0].spec.resourceID = other.items[0].spec.resourceID.replace("aks-aad-user-identity", "someone-else");
    const items = checkTeam(devTest, TEAM, { ...s, azureIdentities: { state: "ok", value: other } });
    expect(byId(items, "azure-identity").detail).toContain("userAssignedIdentities/someone-else, expected /subscriptions/99a3af26");
  });

  it("GIVEN the namespace does not exist WHEN checked THEN only the namespace item is reported, failed with a hint", () => {
    const items = checkTeam(devTest, TEAM, { namespace: { state: "not-found" } });
    expect(statuses(items)).toEqual([["namespace", "fail"]]);
    expect(items[0].hint?.config).toEqual(["teams[poc].namespace", "teams[poc].createNamespace"]);
  });

  it("GIVEN the CRDs are not installed WHEN checked THEN the CR items fail with the crd-not-installed hint", () => {
    const missing = { state: "crd-missing", message: 'the server doesn\'t have a resource type "azureidentities"' } as const;
    const items = checkTeam(devTest, TEAM, {
      ...snapshot("healthy"),
      azureIdentities: missing,
      bindings: missing,
      assignedIdentities: missing,
    });
    expect(byId(items, "azure-identity")).toMatchObject({ status: "fail", hint: { findingId: "crd-not-installed" } });
    expect(byId(items, "azure-identity-binding")).toMatchObject({ status: "fail", hint: { findingId: "crd-not-installed" } });
  });

  it("GIVEN --probe results WHEN checked THEN ok passes without the value, and a failure carries the doctor finding of the pod's log", () => {
    const ok = checkTeam(devTest, TEAM, { ...snapshot("healthy"), probe: { state: "ok", pod: "aad-pod-identity-poc/p", bytes: 12 } });
    expect(byId(ok, "probe")).toMatchObject({ status: "pass", detail: "pod aad-pod-identity-poc/p returned 12 bytes (value not shown)" });
    const podLog = micLog("guide-step4-keyvault-reader.log");
    const findings = podLog.state === "ok" ? podLog.findings : [];
    const bad = checkTeam(devTest, TEAM, {
      ...snapshot("healthy"),
      probe: { state: "failed", pod: "aad-pod-identity-poc/p", message: "wget failed", findings },
    });
    expect(byId(bad, "probe")).toMatchObject({
      status: "fail",
      hint: { findingId: "missing-keyvault-secret-permission", construct: "KeyVault.grantSecretRead(identity)" },
    });
  });
});

describe("verify checks, workload identity", () => {
  it("GIVEN a team in workload-identity mode and a healthy deployment WHEN checked THEN the ServiceAccount, pods and credential pass and no pod-identity CR is expected", () => {
    const { env, team } = wiEnv("workload-identity");
    const items = checkTeam(env, team, {
      ...snapshot("workload-identity"),
      azureIdentities: undefined,
      bindings: undefined,
      assignedIdentities: undefined,
    });
    expect(statuses(items)).toEqual([
      ["namespace", "pass"],
      ["service-account", "pass"],
      ["workload-identity-pods", "pass"],
      ["federated-credential", "pass"],
    ]);
    expect(byId(items, "service-account").detail).toBe("client-id 248b3285-aa4c-436f-b0da-8ab35ba2d14a");
    expect(byId(items, "federated-credential").title).toBe(
      "federated credential on identity aks-aad-user-identity for system:serviceaccount:aad-pod-identity-poc:keyvault-reader",
    );
  });

  it("GIVEN no client-id annotation, an unlabelled pod as default and a credential for another subject WHEN checked THEN each fails with its hint", () => {
    const { env, team } = wiEnv("workload-identity");
    const items = checkTeam(env, team, snapshot("workload-identity-broken"));
    expect(byId(items, "service-account")).toMatchObject({
      status: "fail",
      detail: "annotation azure.workload.identity/client-id is missing",
      hint: { construct: "WorkloadIdentityFederation" },
    });
    expect(byId(items, "workload-identity-pods")).toMatchObject({
      status: "fail",
      detail: "az-keyvault-reader-test-5c9f8d7b6a-q7m2x (label azure.workload.identity/use=none, ServiceAccount default)",
    });
    const fc = byId(items, "federated-credential");
    expect(fc.status).toBe("fail");
    expect(fc.detail).toContain(
      "no credential with subject system:serviceaccount:aad-pod-identity-poc:keyvault-reader; found: aad-pod-identity-poc-keyvault-reader (subject system:serviceaccount:aad-pod-identity-poc:keyvault-reader-sa",
    );
    expect(fc.hint?.findingId).toBe("federated-credential-mismatch");
    expect(fc.hint?.text).toContain("few minutes");
  });

  it("GIVEN az is not installed WHEN checked THEN the federated credential item is skipped with the reason", () => {
    const { env, team } = wiEnv("workload-identity");
    const items = checkTeam(env, team, {
      ...snapshot("workload-identity"),
      federatedCredentials: {
        state: "skipped",
        reason: "az CLI not found on PATH: cannot list federated credentials of aks-aad-user-identity",
      },
    });
    expect(byId(items, "federated-credential")).toMatchObject({
      status: "skip",
      detail: "az CLI not found on PATH: cannot list federated credentials of aks-aad-user-identity",
    });
  });

  it("GIVEN a team in both modes WHEN checked THEN both sets are checked, and differing client IDs fail", () => {
    const { env, team } = wiEnv("both");
    const s = {
      ...snapshot("healthy"),
      serviceAccount: snapshot("workload-identity").serviceAccount,
      federatedCredentials: snapshot("workload-identity").federatedCredentials,
    };
    expect(checkTeam(env, team, s).map((i) => i.id)).toEqual([
      "namespace",
      "azure-identity",
      "azure-identity-binding",
      "pods-labelled",
      "assigned-identity",
      "service-account",
      "workload-identity-pods",
      "federated-credential",
    ]);
    const sa = JSON.parse(JSON.stringify(read("workload-identity", "serviceaccount.json")));
    sa.metadata.annotations["azure.workload.identity/client-id"] = "00000000-1111-2222-3333-444444444444";
    const items = checkTeam(env, team, { ...s, serviceAccount: { state: "ok", value: sa } });
    expect(byId(items, "service-account").detail).toBe(
      "client-id 00000000-1111-2222-3333-444444444444 differs from AzureIdentity aad-user-identity's clientID 248b3285-aa4c-436f-b0da-8ab35ba2d14a: two different identities",
    );
  });
});

describe("verify hints", () => {
  it("GIVEN every failing scenario WHEN checked THEN every failed item carries a hint naming a construct and config fields", () => {
    const { env, team } = wiEnv("both");
    const failed = [
      ...["missing-binding", "label-mismatch", "created-not-assigned", "pruned-fields"].flatMap((s) =>
        checkTeam(devTest, TEAM, snapshot(s), micLog("guide-step3-mic.log")),
      ),
      ...checkTeam(env, team, {
        ...snapshot("created-not-assigned"),
        ...{
          serviceAccount: snapshot("workload-identity-broken").serviceAccount,
          pods: snapshot("workload-identity-broken").pods,
          federatedCredentials: snapshot("workload-identity-broken").federatedCredentials,
        },
      }),
      ...checkTeam(devTest, TEAM, { namespace: { state: "not-found" } }),
    ].filter((i) => i.status === "fail");
    expect(new Set(failed.map((i) => i.id))).toEqual(
      new Set([
        "namespace",
        "azure-identity",
        "azure-identity-binding",
        "pods-labelled",
        "assigned-identity",
        "service-account",
        "workload-identity-pods",
        "federated-credential",
      ]),
    );
    for (const i of failed) {
      expect([i.id, (i.hint?.construct.length ?? 0) > 0, (i.hint?.config.length ?? 0) > 0]).toEqual([i.id, true, true]);
    }
  });
});

describe("verify report", () => {
  it("GIVEN a failed check WHEN rendered as text THEN the checklist shows ✓/✗ and the hint under the failure", () => {
    const report = buildVerifyReport(devTest, "aks-poc-container-westus2", new Map([["poc", snapshot("label-mismatch")]]), {
      state: "skipped",
      reason: "no running MIC pod found",
    });
    expect(report.summary).toEqual({ pass: 3, fail: 1, skip: 2, warn: 0 });
    const text = renderVerifyText(report, devTest);
    expect(text).toContain("verify dev-test (context aks-poc-container-westus2)");
    expect(text).toContain("  ✓ namespace aad-pod-identity-poc exists");
    expect(text).toContain("  ✗ pods labelled aadpodidbinding=bind-user-identity-keyvault run in aad-pod-identity-poc");
    expect(text).toContain(
      "      hint [identity-not-assigned] (guide step 6): PodIdentityBinding and KeyVaultReaderWorkload (labels from the binding)",
    );
    expect(text).toContain("verify: 3 passed, 1 failed, 2 skipped");
  });
});

describe("fixtures follow the aad-pod-identity v1 CRD schema", () => {
  // Field names and types from the CRD's openAPIV3Schema (aad-pod-identity v1.8.17).
  const SPEC_FIELDS: Record<string, Record<string, string>> = {
    AzureIdentity: {
      type: "number",
      resourceID: "string",
      clientID: "string",
      clientPassword: "object",
      tenantID: "string",
      auxiliaryTenantIDs: "object",
      adResourceID: "string",
      adEndpoint: "string",
      replicas: "number",
      metadata: "object",
    },
    AzureIdentityBinding: { azureIdentity: "string", selector: "string", weight: "number", metadata: "object" },
    AzureAssignedIdentity: {
      azureIdentityRef: "object",
      azureBindingRef: "object",
      pod: "string",
      podNamespace: "string",
      nodename: "string",
      replicas: "number",
      metadata: "object",
    },
  };
  const STATUS_FIELDS: Record<string, Record<string, string>> = {
    AzureIdentity: { availableReplicas: "number", metadata: "object" },
    AzureIdentityBinding: { availableReplicas: "number", metadata: "object" },
    AzureAssignedIdentity: { availableReplicas: "number", metadata: "object", status: "string" },
  };
  function check(
    obj: { kind: string; apiVersion: string; spec?: Record<string, unknown>; status?: Record<string, unknown> },
    where: string,
  ): void {
    expect(`${where}: ${obj.apiVersion}`).toBe(`${where}: aadpodidentity.k8s.io/v1`);
    for (const [part, table] of [
      ["spec", SPEC_FIELDS],
      ["status", STATUS_FIELDS],
    ] as const) {
      for (const [k, v] of Object.entries(obj[part] ?? {})) {
        expect(`${where} ${obj.kind}.${part}.${k}: ${typeof v}`).toBe(`${where} ${obj.kind}.${part}.${k}: ${table[obj.kind][k]}`);
      }
    }
    if (obj.kind === "AzureAssignedIdentity") {
      check(obj.spec?.azureIdentityRef as never, `${where} azureIdentityRef`);
      check(obj.spec?.azureBindingRef as never, `${where} azureBindingRef`);
    }
  }
  it("GIVEN every aad-pod-identity document in the fixtures THEN only schema fields with schema types appear", () => {
    let n = 0;
    for (const dir of fs.readdirSync(FIX)) {
      if (!fs.statSync(path.join(FIX, dir)).isDirectory()) continue;
      for (const file of fs.readdirSync(path.join(FIX, dir)).filter((f) => f.startsWith("azure"))) {
        const doc = JSON.parse(fs.readFileSync(path.join(FIX, dir, file), "utf8"));
        for (const item of doc.items) {
          check(item, `${dir}/${file}`);
          n++;
        }
      }
    }
    expect(n).toBe(5);
  });
});
