/**
 * The doctor corpus: real-looking log variants (test/fixtures/logs/corpus, sources in its
 * README.md) as they come from MIC, NMI, the Go/Python/.NET/Java/JS SDKs, Entra ID and
 * Terraform, in plain klog, logrus, JSON, Docker json-file, pretty-printed JSON bodies, CRLF
 * and ANSI colour. Each file must give exactly the listed finding ids; benign files none.
 */
import * as fs from "fs";
import * as path from "path";
import { platform } from "../config/environments";
import { Analyzer } from "../tools/doctor/analyzer";
import { buildReport, type ReportFinding } from "../tools/doctor/report";
import type { FindingId } from "../tools/doctor/rules";

const CORPUS = path.join(__dirname, "fixtures", "logs", "corpus");

function doctor(file: string): readonly ReportFinding[] {
  const a = new Analyzer();
  a.text(fs.readFileSync(path.join(CORPUS, file), "utf8"), file);
  return buildReport(a.findings(), a.stats, undefined, platform).findings;
}

type Values = Partial<Record<keyof ReportFinding["values"], string[]>>;
interface Case {
  /** Exact finding ids, in order of first appearance. */
  readonly ids: readonly FindingId[];
  /** Values of the first finding that matter (a subset of its values). */
  readonly values?: Values;
  /** Fields the first finding must not have. */
  readonly absent?: readonly (keyof ReportFinding["values"])[];
  /** Texts each of which one evidence line of the first finding must contain. */
  readonly evidence?: readonly string[];
  readonly count?: number;
}

const MIO: FindingId = "missing-managed-identity-operator";
const ROLES: FindingId = "missing-node-resource-group-roles";
const RBAC: FindingId = "missing-keyvault-rbac-role";
const POLICY: FindingId = "missing-keyvault-secret-permission";
const PNF: FindingId = "principal-not-found";
const HEADER: FindingId = "metadata-header-required";

const CASES: Record<string, Case> = {
  // MIC
  "mic-vmss-mio-missing.log": {
    ids: [MIO],
    values: {
      principalId: ["d7586b94-0a56-43cc-b3f4-4e91d133fe67"],
      vmss: ["aks-agentpool-32042527-vmss"],
      identityName: ["cards-api-identity"],
    },
    absent: ["vm"],
    evidence: ["vmss.go:73]"],
  },
  "mic-vm-mio-missing.log": {
    ids: [MIO],
    values: {
      principalId: ["0cd52919-aaf4-4022-a022-5ed15ed0fc24"],
      vm: ["aks-agentpool-22656173-0"],
      identityName: ["chaaksmyappidmyapp_main_id"],
    },
    absent: ["vmss"],
  },
  "mic-linked-subscription-not-found.log": {
    ids: ["malformed-identity-resource-id"],
    values: {
      linkedSubscription: ["resourcegroups"],
      vm: ["aks-ecmeusbaker-20790276-6"],
      nodeResourceGroup: ["MC_mec-eus-baker-rg-aks_mec-eus-baker-aks_eastus"],
    },
    evidence: ["the linked subscription 'resourcegroups' was not found"],
  },
  "mic-several-linked-scopes.log": {
    ids: [MIO],
    values: { identityName: ["oc1-terminal"], vm: ["aks-aksagentpool-93648681-1"], binding: ["gf2-integration-demo-6xzubk9k"] },
  },
  "mic-cross-tenant-gallery-image.log": { ids: [] },
  "mic-crlf-ansi.log": {
    ids: [MIO],
    values: { vmss: ["aks-agentpool-88148177-vmss"], identityName: ["elephant"] },
    absent: ["principalId"],
  },
  "mic-klog-json.log": {
    ids: [MIO],
    values: {
      principalId: ["b9276f33-e80c-4f09-9cdf-24c28c0feea4"],
      pod: ["aad-pod-identity-poc/az-keyvault-reader-test-77b46877d6-6kj24"],
    },
  },
  "mic-docker-json-file.log": {
    ids: [ROLES],
    values: { action: ["Microsoft.Compute/virtualMachineScaleSets/read"], nodeResourceGroup: ["MC_rg-aks-poc-container-westus2"] },
  },
  "mic-docker-wrapping-klog-json.log": { ids: [MIO], values: { principalId: ["d7586b94-0a56-43cc-b3f4-4e91d133fe67"] } },
  "mic-vm-authorization-failed.log": {
    ids: [ROLES],
    values: { vm: ["aks-nodepool1-12345678-0"], action: ["Microsoft.Compute/virtualMachines/write"] },
    absent: ["vmss"],
  },
  "arm-pretty-json-authorization-failed.log": {
    ids: [ROLES],
    values: { principalId: ["aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"], vmss: ["aks-agentpool01-24708587-vmss"] },
  },
  "benign-mic-assigned.log": { ids: [] },
  // NMI
  "nmi-metadata-header-token-request.log": { ids: [HEADER], evidence: ["reg.path=/metadata/identity/oauth2/token req.remote=10.0.2.187"] },
  "nmi-metadata-header-other-paths.log": { ids: [] },
  "nmi-logrus-no-assigned-identity.log": { ids: ["identity-not-assigned"], values: { pod: ["default/projectalpha-api-7b86687f9-bpz2s"] } },
  "nmi-klog-json-assigned-state.log": { ids: ["identity-not-assigned"], values: { state: ["ASSIGNED"], attempts: ["20"] } },
  // SDKs
  "go-azsecrets-access-policy.log": {
    ids: [POLICY],
    values: { vaultName: ["kv-westus2-aks"], principalId: ["bfcf34d4-cde4-48dd-b7d7-6c3db4ff884c"], permission: ["get"] },
  },
  "python-httpresponseerror-rbac.log": {
    ids: [RBAC],
    values: {
      principalId: ["207e277f-a838-4c61-940a-950b06cd1cc8"],
      vaultName: ["aoaisimaoaisimdevsl2"],
      secretName: ["app-insights-connection-string"],
    },
    evidence: ["Caller: appid=04b07795", "Vault: aoaisimaoaisimdevsl2", '"code": "ForbiddenByRbac"'],
  },
  "dotnet-requestfailed-rbac.log": {
    ids: [RBAC],
    values: { principalId: ["faf80fe8-19dc-4674-bf55-669b818e288d"], vaultName: ["aoaisimaoaisimdevsl2"] },
  },
  "java-httpresponseexception-access-policy.log": {
    ids: [POLICY],
    values: { vaultName: ["kv-team-java"], principalId: ["9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"] },
  },
  "java-httpresponseexception-rbac.log": { ids: [RBAC], values: { vaultName: ["kv-team-java"], secretName: ["db-password"] } },
  "zap-json-error-object-rbac.log": {
    ids: [RBAC],
    values: { vaultName: ["kv-westus2-aks"], principalId: ["207e277f-a838-4c61-940a-950b06cd1cc8"] },
  },
  "dotnet-managed-identity-metadata-header.log": {
    ids: [HEADER],
    evidence: ["ManagedIdentityCredential authentication failed", "Required metadata header not specified"],
  },
  "js-identity-imds-probe.log": { ids: [] },
  "http-debug-imds-probe-body.log": { ids: [] },
  "keyvault-keys-cmk-forbiddenbyrbac.log": { ids: [] },
  "json-aadsts70021-body.log": {
    ids: ["federated-credential-mismatch"],
    values: { subject: ["system:serviceaccount:team-a:reader"], errorCode: ["AADSTS70021"] },
  },
  // ARM error bodies
  "arm-pretty-json-principal-not-found.log": {
    ids: [PNF],
    values: { principalId: ["547d1c6e-d79a-4847-8e9a-03d0ade42887"], tenantId: ["43dc75e3-499a-40cd-891a-ba9f8e445365"] },
    evidence: ['"code": "PrincipalNotFound"', "Principal 547d1c6ed79a48478e9a03d0ade42887"],
  },
  "arm-pretty-json-principal-message-first.log": {
    ids: [PNF],
    count: 1,
    values: { principalId: ["547d1c6e-d79a-4847-8e9a-03d0ade42887"] },
  },
  "json-principal-not-found-top-level-code.log": { ids: [PNF], values: { principalId: ["3a1f0c6e-5d2b-4c7a-9e8f-1d2c3b4a5e6f"] } },
  "arm-deployment-details-principal-redacted.json": { ids: [PNF], values: { principalId: ["(unknown)"] } },
  // Terraform
  "terraform-azurerm3-principal-not-found.txt": {
    ids: [PNF],
    values: { principalId: ["727055f9-0386-4ccb-bcf1-9237237ee102"], resourceAddress: ["azurerm_role_assignment.example"] },
    evidence: ['Code="PrincipalNotFound"', "with azurerm_role_assignment.example"],
  },
  "terraform-keyvault-secret-forbiddenbyrbac.txt": {
    ids: [RBAC],
    values: { vaultName: ["test-piyush-kv-1011"], action: ["Microsoft.KeyVault/vaults/secrets/getSecret/action"] },
    absent: ["principalId"],
  },
  "benign-terraform-apply.txt": { ids: [] },
  "benign-keyword-mentions.log": { ids: [] },
};

describe("doctor corpus: every file gives exactly its finding ids", () => {
  const files = fs
    .readdirSync(CORPUS)
    .filter((f) => f !== "README.md")
    .sort();

  it("has at least 30 variants, each in the table and in the README with its source", () => {
    const readme = fs.readFileSync(path.join(CORPUS, "README.md"), "utf8");
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(files).toEqual(Object.keys(CASES).sort());
    for (const f of files) expect(readme).toContain(`\`${f}\``);
  });

  it.each(Object.entries(CASES))("%s", (file, c) => {
    // GIVEN the log file WHEN doctor reads it
    const found = doctor(file);
    // THEN exactly these findings
    expect(found.map((f) => f.id)).toEqual(c.ids);
    if (c.ids.length === 0) return;
    const [first] = found;
    // AND every finding quotes the line(s) it was read from
    for (const f of found) {
      expect(f.evidence.length).toBeGreaterThan(0);
      expect(f.evidence.map((e) => e.line)).toContain(f.firstSeen.line);
    }
    if (c.values) expect(first.values).toMatchObject(c.values);
    for (const k of c.absent ?? []) expect(first.values[k]).toBeUndefined();
    for (const text of c.evidence ?? []) expect(first.evidence.some((e) => e.text.includes(text))).toBe(true);
    if (c.count !== undefined) expect(first.count).toBe(c.count);
  });
});

describe("doctor corpus: the fix follows the cause", () => {
  it("GIVEN assign/action granted but the linked subscription not found THEN the fix is the AzureIdentity's resourceID, not a role", () => {
    const [f] = doctor("mic-linked-subscription-not-found.log");
    expect(f.explanation.rootCause).toContain("HAS Microsoft.ManagedIdentity/userAssignedIdentities/assign/action");
    expect(f.explanation.fix.construct).toBe("PodIdentityBinding");
    expect(f.explanation.fix.text).toContain("Do not add roles");
    expect(f.explanation.fix.text).not.toContain("Managed Identity Operator");
    expect(f.explanation.whatFailed).toContain("VM aks-ecmeusbaker-20790276-6");
  });

  it("GIVEN a VM (availability set) cluster THEN the hint says VM, and VM scale set for a scale set", () => {
    expect(doctor("mic-vm-mio-missing.log")[0].explanation.whatFailed).toContain("to VM aks-agentpool-22656173-0 in");
    expect(doctor("mic-vm-authorization-failed.log")[0].explanation.whatFailed).toContain("could not update VM aks-nodepool1-12345678-0");
    expect(doctor("mic-vmss-mio-missing.log")[0].explanation.whatFailed).toContain("to VM scale set aks-agentpool-32042527-vmss in");
  });
});
