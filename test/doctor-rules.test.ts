/**
 * One test per finding id, each from a real-looking log line (the shapes MIC, NMI, the Azure
 * SDKs, Entra ID and Terraform print), asserting the extracted values.
 */
import * as fs from "fs";
import * as path from "path";
import { platform } from "../config/environments";
import { Analyzer } from "../tools/doctor/analyzer";
import { buildReport, type ReportFinding } from "../tools/doctor/report";
import { FINDING_IDS, matchLine, type FindingId } from "../tools/doctor/rules";

const LOGS = path.join(__dirname, "fixtures", "logs");

function findings(text: string): readonly ReportFinding[] {
  const a = new Analyzer();
  a.text(text);
  return buildReport(a.findings(), a.stats, undefined, platform).findings;
}

function fixture(name: string): readonly ReportFinding[] {
  return findings(fs.readFileSync(path.join(LOGS, name), "utf8"));
}

const tested = new Set<FindingId>();
function only(list: readonly ReportFinding[], id: FindingId): ReportFinding {
  tested.add(id);
  expect(list.map((f) => f.id)).toEqual(list.map(() => id));
  return list[0];
}

describe("doctor rules, one per finding id", () => {
  it("missing-managed-identity-operator: MIC LinkedAuthorizationFailed on userAssignedIdentities/assign/action", () => {
    // GIVEN a MIC line for a VM (availability set) cluster
    const line = `E0301 10:00:00.000001       1 mic.go:1129] failed to apply binding team-a/reader-binding node aks-nodepool1-123-vm0 for pod team-a/reader-6f7d, error: failed to update identities for aks-nodepool1-123-vm0 in MC_rg-a_aks-a_westeurope, error: compute.VirtualMachinesClient#CreateOrUpdate: Failure sending request: StatusCode=0 -- Original Error: Code="LinkedAuthorizationFailed" Message="The client '0f0e0d0c-0b0a-4909-8807-060504030201' with object id '0f0e0d0c-0b0a-4909-8807-060504030201' has permission to perform action 'Microsoft.Compute/virtualMachines/write' on scope '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/MC_rg-a_aks-a_westeurope/providers/Microsoft.Compute/virtualMachines/aks-nodepool1-123-vm0'; however, it does not have permission to perform action 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' on the linked scope(s) '/subscriptions/66666666-7777-8888-9999-000000000000/resourcegroups/rg-ids/providers/microsoft.managedidentity/userassignedidentities/id-team-a' or the linked scope(s) are invalid."`;
    // WHEN doctor reads it THEN the values come out
    const f = only(findings(line), "missing-managed-identity-operator");
    expect(f.values).toMatchObject({
      principalId: ["0f0e0d0c-0b0a-4909-8807-060504030201"],
      identityName: ["id-team-a"],
      identityResourceGroup: ["rg-ids"],
      nodeResourceGroup: ["MC_rg-a_aks-a_westeurope"],
      pod: ["team-a/reader-6f7d"],
    });
  });

  it("malformed-identity-resource-id: MIC HAS assign/action but the linked subscription was not found", () => {
    // GIVEN MIC's LinkedAuthorizationFailed where ARM read "resourcegroups" as the subscription (aad-pod-identity#397)
    const f = only(fixture("corpus/mic-linked-subscription-not-found.log"), "malformed-identity-resource-id");
    // THEN no role is blamed: the AzureIdentity's resourceID is
    expect(f.values).toMatchObject({ linkedSubscription: ["resourcegroups"], vm: ["aks-ecmeusbaker-20790276-6"] });
    expect(f.explanation.fix.text).not.toContain("grantOperator");
  });

  it("missing-node-resource-group-roles: MIC AuthorizationFailed on virtualMachineScaleSets/write", () => {
    const line = `E0301 10:00:00.000002       1 mic.go:1111] failed to update user-assigned identities on node aks-system-1-vmss (add [1], del [0], update[0]), error: failed to update identities for aks-system-1-vmss in MC_rg-b, error: compute.VirtualMachineScaleSetsClient#Update: Failure sending request: StatusCode=403 -- Original Error: Code="AuthorizationFailed" Message="The client 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' with object id 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' does not have authorization to perform action 'Microsoft.Compute/virtualMachineScaleSets/write' over scope '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/MC_rg-b/providers/Microsoft.Compute/virtualMachineScaleSets/aks-system-1-vmss' or the scope is invalid. If access was recently granted, please refresh your credentials."`;
    const f = only(findings(line), "missing-node-resource-group-roles");
    expect(f.values).toMatchObject({
      principalId: ["aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"],
      action: ["Microsoft.Compute/virtualMachineScaleSets/write"],
      nodeResourceGroup: ["MC_rg-b"],
      clusterSubscriptionId: ["11111111-2222-3333-4444-555555555555"],
    });
    expect(f.explanation.whatFailed).toContain("could not update");
  });

  it("missing-keyvault-secret-permission: access policy without secrets get", () => {
    const line = `2021/12/16 00:40:02 failed to get secret: keyvault.BaseClient#GetSecret: Failure responding to request: StatusCode=403 -- Original Error: autorest/azure: Service returned an error. Status=403 Code="Forbidden" Message="The user, group or application 'appid=248b3285-aa4c-436f-b0da-8ab35ba2d14a;oid=bfcf34d4-cde4-48dd-b7d7-6c3db4ff884c;iss=https://sts.windows.net/2e319086-9a26-46a3-865f-615bed576786/' does not have secrets get permission on key vault 'kv-westus2-aks-prod;location=westus2'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287" InnerError={"code":"AccessDenied"}`;
    const f = only(findings(line), "missing-keyvault-secret-permission");
    expect(f.values).toMatchObject({
      permission: ["get"],
      vaultName: ["kv-westus2-aks-prod"],
      principalId: ["bfcf34d4-cde4-48dd-b7d7-6c3db4ff884c"],
    });
  });

  it("missing-keyvault-rbac-role: ForbiddenByRbac, with the caller and vault on earlier lines of the SDK's error body", () => {
    const f = only(fixture("app-keyvault-rbac.log"), "missing-keyvault-rbac-role");
    expect(f.values).toMatchObject({
      principalId: ["bfcf34d4-cde4-48dd-b7d7-6c3db4ff884c"],
      clientId: ["248b3285-aa4c-436f-b0da-8ab35ba2d14a"],
      vaultName: ["kv-westus2-aks"],
      secretName: ["grafana-admin-username-poc"],
      action: ["Microsoft.KeyVault/vaults/secrets/getSecret/action"],
    });
    // The timestamp is on the first line of the block.
    expect(f.firstTimestamp).toBe("2024-03-05T14:22:07.418Z");
    expect(f.explanation.fix.text).toContain("Key Vault Secrets User");
  });

  it("identity-not-assigned: NMI `getting assigned identities for pod … failed after`", () => {
    const f = only(fixture("nmi-identity-not-assigned.log"), "identity-not-assigned");
    expect(f.count).toBe(2);
    expect(f.values).toMatchObject({
      namespace: ["aad-pod-identity-poc"],
      state: ["CREATED"],
      attempts: ["16"],
      pod: [
        "aad-pod-identity-poc/az-keyvault-reader-test-77b46877d6-6kj24",
        "aad-pod-identity-poc/az-keyvault-reader-test-77b46877d6-x9qzt",
      ],
    });
    expect(f.explanation.rootCause).toContain("aadpodidbinding");
  });

  it("identity-not-assigned: NMI `no AzureAssignedIdentity found`", () => {
    const f = only(fixture("nmi-no-assigned-identity.log"), "identity-not-assigned");
    expect(f.values.pod).toEqual(["aad-pod-identity-poc/az-keyvault-reader-test-5d9c7b8f4-qv2lm"]);
  });

  it("identity-not-assigned in ASSIGNED state points at the MIC log (steps 3/7)", () => {
    const line =
      "E1122 00:39:09.215112       1 server.go:375] failed to get matching identities for pod: default/demo, error: getting assigned identities for pod default/demo in ASSIGNED state failed after 20 attempts, retry duration [5]s, error: <nil>. Check MIC pod logs for identity assignment errors";
    const f = only(findings(line), "identity-not-assigned");
    expect(f.values.state).toEqual(["ASSIGNED"]);
    expect(f.explanation.rootCause).toContain("state Created");
    expect(f.explanation.guideStep.step).toBe(8);
  });

  it("clientid-not-bound: NMI `no azure identity found for request clientID`", () => {
    const f = only(fixture("nmi-clientid-not-bound.log"), "clientid-not-bound");
    expect(f.values).toMatchObject({
      clientId: ["4e95##### REDACTED #####0777"],
      pod: ["aad-pod-identity-poc/az-keyvault-reader-test-77b46877d6-6kj24"],
    });
    expect(f.explanation.fix.construct).toBe("PodIdentityBinding");
  });

  it('pruned-crd-fields: MIC `Invalid resource id: ""`', () => {
    const f = only(fixture("mic-pruned-crd-fields.log"), "pruned-crd-fields");
    expect(f.values.azureIdentity).toEqual(["aad-pod-identity-poc/aad-user-identity"]);
    expect(f.explanation.rootCause).toContain("pruned");
  });

  it("kubenet-not-supported: NMI fatal at start-up", () => {
    const f = only(fixture("nmi-kubenet.log"), "kubenet-not-supported");
    expect(f.firstTimestamp).toBe("05-12 08:00:01.442100");
    expect(f.explanation.fix.text).toContain("NET_RAW");
  });

  it("principal-not-found: Terraform role assignment, principal ID without dashes, address on a later line", () => {
    const f = only(fixture("terraform-principal-not-found.txt"), "principal-not-found");
    expect(f.values).toMatchObject({
      principalId: ["3a1f0c6e-5d2b-4c7a-9e8f-1d2c3b4a5e6f"],
      tenantId: ["2e319086-9a26-46a3-865f-615bed576786"],
      resourceAddress: ["azurerm_role_assignment.apps_poc_ManagedIdentityOperatorAssignment_RoleAssignment_3C2B1A09"],
    });
    expect(f.explanation.fix.text).toContain("skip_service_principal_aad_check");
  });

  it("metadata-header-required: `Required metadata header not specified`", () => {
    const f = only(fixture("app-metadata-header.log"), "metadata-header-required");
    expect(f.explanation.fix.text).toContain("Metadata: true");
  });

  it("crd-not-installed: coloured Terraform plan errors with CRLF give one finding per kind, with its address", () => {
    const list = fixture("terraform-crd-not-installed.txt");
    only(list, "crd-not-installed");
    expect(list.map((f) => [f.values.kind?.[0], f.values.group?.[0], f.values.resourceAddress?.[0]])).toEqual([
      ["AzureIdentity", "aadpodidentity.k8s.io", "kubernetes_manifest.apps_poc_PodIdentityBinding_AzureIdentity_5A0B1C2D"],
      ["AzureIdentityBinding", "aadpodidentity.k8s.io", "kubernetes_manifest.apps_poc_PodIdentityBinding_AzureIdentityBinding_9E8F7A6B"],
    ]);
  });

  it("crd-not-installed: kubectl's `no matches for kind` on its own", () => {
    const f = only(
      findings(`error: unable to recognize "identity.yaml": no matches for kind "AzureIdentity" in version "aadpodidentity.k8s.io/v1"`),
      "crd-not-installed",
    );
    expect(f.values).toMatchObject({ kind: ["AzureIdentity"], group: ["aadpodidentity.k8s.io"] });
  });

  it("federated-credential-mismatch: AADSTS70021 in a JSON log line, issuer/subject/audience extracted", () => {
    const list = fixture("app-federated-credential.log");
    const f = only(list, "federated-credential-mismatch");
    expect(f.values).toMatchObject({
      errorCode: ["AADSTS70021"],
      issuer: ["https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/6b3c1c4e-7d2a-4f4b-9a57-1f0e6c2d8b91/"],
      subject: ["system:serviceaccount:aad-pod-identity-poc:keyvault-reader"],
      audience: ["api://AzureADTokenExchange"],
      namespace: ["aad-pod-identity-poc"],
      serviceAccount: ["keyvault-reader"],
    });
    expect(f.firstTimestamp).toBe("2024-03-05T14:30:02.118Z");
    expect(f.explanation.fix.construct).toBe("WorkloadIdentityFederation");
    expect(f.explanation.rootCause).toContain("few minutes");
  });

  it("federated-credential-mismatch: AADSTS700211 (issuer) is its own finding, pointing at the issuer", () => {
    const list = fixture("app-federated-credential.log");
    const f = list[1];
    expect(f.values).toMatchObject({
      errorCode: ["AADSTS700211"],
      issuer: ["https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/0000aaaa-1111-2222-3333-444455556666/"],
    });
    expect(f.values.subject).toBeUndefined();
    expect(f.explanation.rootCause).toContain("issuer");
    expect(f.explanation.fix.config).toEqual(expect.arrayContaining(["cluster.oidcIssuerUrl (or cluster.lookup)"]));
  });

  it("has a test for every finding id", () => {
    expect([...tested].sort()).toEqual([...FINDING_IDS].sort());
  });
});

describe("doctor rules: what must not match", () => {
  it.each([
    ["an info line", "I1216 00:29:01.522258       1 mic.go:1023] processing node aks-system-12583646-vmss, add [1], del [0], update [0]"],
    [
      "a successful token",
      "I0821 18:22:51.348117       1 server.go:190] status (200) took 537597287 ns for req.method=GET reg.path=/metadata/identity/oauth2/token req.remote=10.240.0.117",
    ],
    [
      "Linked… must not be the step 7 rule alone",
      "Code=\"LinkedAuthorizationFailed\" has permission to perform action 'Microsoft.Compute/virtualMachineScaleSets/write'",
    ],
  ])("GIVEN %s WHEN matched THEN no rule fires", (_name, line) => {
    expect(matchLine(line)).toBeUndefined();
  });
});
