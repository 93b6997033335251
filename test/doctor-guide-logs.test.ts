/**
 * The guide's three error logs, copied verbatim into test/fixtures/logs/, must each give the
 * right finding with the right values taken from the log.
 */
import * as fs from "fs";
import * as path from "path";
import { platform, devTest } from "../config/environments";
import { Analyzer } from "../tools/doctor/analyzer";
import { buildReport, type DoctorReport } from "../tools/doctor/report";

const LOGS = path.join(__dirname, "fixtures", "logs");

function doctor(file: string, env = devTest): DoctorReport {
  const a = new Analyzer();
  a.text(fs.readFileSync(path.join(LOGS, file), "utf8"), file);
  return buildReport(a.findings(), a.stats, env, platform);
}

describe("doctor on the guide's step 3 log (MIC, LinkedAuthorizationFailed)", () => {
  // GIVEN the two MIC lines the guide shows when step 3 was skipped
  // WHEN doctor reads them
  const report = doctor("guide-step3-mic.log");
  const [f] = report.findings;

  it("THEN both lines are one missing-managed-identity-operator finding with first and last timestamps", () => {
    expect(report.findings.map((x) => x.id)).toEqual(["missing-managed-identity-operator"]);
    expect(f.count).toBe(2);
    expect(f.firstTimestamp).toBe("12-16 00:29:01.522258");
    expect(f.lastTimestamp).toBe("12-16 00:29:02.006234");
    expect(report.summary).toMatchObject({ lines: 2, recognized: 2, skipped: 0 });
  });

  it("THEN it extracts the agent-pool principal, the identity, the node resource group and the pod", () => {
    expect(f.values.principalId).toEqual(["b9276f33-e80c-4f09-9cdf-24c28c0feea4"]);
    expect(f.values.identityResourceId).toEqual([
      "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourcegroups/rg-westus2-shared/providers/microsoft.managedidentity/userassignedidentities/aks-aad-user-identity",
    ]);
    expect(f.values.identityName).toEqual(["aks-aad-user-identity"]);
    expect(f.values.identitySubscriptionId).toEqual(["99a3af26-911d-4bc5-8fcc-8f9de81e46c5"]);
    expect(f.values.nodeResourceGroup).toEqual(["MC_rg-aks-poc-container-westus2"]);
    expect(f.values.clusterSubscriptionId).toEqual(["7e242177-ef0b-431f-8c76-e40907843aa7"]);
    expect(f.values.vmss).toEqual(["aks-system-12583646-vmss"]);
    expect(f.values.pod).toEqual(["aad-pod-identity-poc/az-keyvault-reader-test-77b46877d6-6kj24"]);
    expect(f.values.binding).toEqual(["aad-pod-identity-poc/aad-user-identity-binding"]);
  });

  it("THEN the hint names guide step 3 and ManagedIdentityOperatorAssignment with the values", () => {
    expect(f.explanation.guideStep.step).toBe(3);
    expect(f.explanation.fix.construct).toContain("ManagedIdentityOperatorAssignment");
    expect(f.explanation.fix.construct).toContain("identity.grantOperator(cluster)");
    expect(f.explanation.fix.text).toContain("b9276f33-e80c-4f09-9cdf-24c28c0feea4");
    expect(f.explanation.fix.text).toContain("userassignedidentities/aks-aad-user-identity");
    expect(f.explanation.fix.text).toContain("dev-test-apps");
    expect(f.explanation.fix.config).toEqual(["teams[poc].identity", "cluster.agentPool"]);
  });

  it("THEN with --env dev-test every value matches the config", () => {
    expect(f.config?.team).toBe("poc");
    expect(f.config?.checks.filter((c) => c.status !== "match")).toEqual([]);
    expect(f.config?.checks.map((c) => c.field)).toEqual(
      expect.arrayContaining(["cluster.agentPool.principalId", "cluster.agentPool.nodeResourceGroupName", "teams[poc].identity"]),
    );
  });
});

describe("doctor on the guide's step 4 log (reader sidecar, secrets list permission)", () => {
  // GIVEN the sidecar line the guide shows when step 4 was skipped
  const report = doctor("guide-step4-keyvault-reader.log");
  const [f] = report.findings;

  it("THEN it is one missing-keyvault-secret-permission finding", () => {
    expect(report.findings.map((x) => x.id)).toEqual(["missing-keyvault-secret-permission"]);
    expect(f.count).toBe(1);
    expect(f.firstTimestamp).toBe("2021-12-16T00:38:19");
  });

  it("THEN it extracts the client ID, the principal (object) ID, the tenant, the vault and the permission", () => {
    expect(f.values.clientId).toEqual(["248b3285-aa4c-436f-b0da-8ab35ba2d14a"]);
    expect(f.values.principalId).toEqual(["bfcf34d4-cde4-48dd-b7d7-6c3db4ff884c"]);
    expect(f.values.tenantId).toEqual(["2e319086-9a26-46a3-865f-615bed576786"]);
    expect(f.values.vaultName).toEqual(["kv-westus2-aks"]);
    expect(f.values.permission).toEqual(["list"]);
  });

  it("THEN the hint names guide step 4 and KeyVault.grantSecretRead(identity) for that principal and vault", () => {
    expect(f.explanation.guideStep.step).toBe(4);
    expect(f.explanation.fix.construct).toBe("KeyVault.grantSecretRead(identity)");
    expect(f.explanation.fix.text).toContain("bfcf34d4-cde4-48dd-b7d7-6c3db4ff884c");
    expect(f.explanation.fix.text).toContain("kv-westus2-aks");
    expect(f.config?.checks).toEqual(
      expect.arrayContaining([expect.objectContaining({ status: "match", field: "teams[poc].keyVault.name" })]),
    );
  });
});

describe("doctor on the guide's step 7 log (MIC, AuthorizationFailed on the scale set)", () => {
  // GIVEN the two MIC lines the guide shows when step 7 was skipped
  const report = doctor("guide-step7-mic.log");
  const [f] = report.findings;

  it("THEN it is one missing-node-resource-group-roles finding (not the step 3 one)", () => {
    expect(report.findings.map((x) => x.id)).toEqual(["missing-node-resource-group-roles"]);
    expect(f.count).toBe(2);
    expect(f.firstTimestamp).toBe("12-15 23:46:00.914853");
    expect(f.lastTimestamp).toBe("12-15 23:46:01.260587");
  });

  it("THEN it extracts the principal, the action, the node resource group and the scale set", () => {
    expect(f.values.principalId).toEqual(["b9276f33-e80c-4f09-9cdf-24c28c0feea4"]);
    expect(f.values.action).toEqual(["Microsoft.Compute/virtualMachineScaleSets/read"]);
    expect(f.values.nodeResourceGroup).toEqual(["MC_rg-aks-poc-container-westus2"]);
    expect(f.values.vmss).toEqual(["aks-system-12583646-vmss"]);
  });

  it("THEN the hint names guide step 7, NodeResourceGroupRoles and the cluster-admin stack", () => {
    expect(f.explanation.guideStep.step).toBe(7);
    expect(f.explanation.fix.construct).toBe("NodeResourceGroupRoles");
    expect(f.explanation.fix.text).toContain("dev-test-cluster-admin");
    expect(f.explanation.fix.text).toContain("MC_rg-aks-poc-container-westus2");
    expect(f.explanation.fix.config).toContain("cluster.agentPool.nodeResourceGroupName");
  });
});

describe("doctor on all three guide logs at once", () => {
  it("GIVEN the three logs concatenated WHEN analysed THEN there are three findings in log order", () => {
    const a = new Analyzer();
    for (const f of ["guide-step3-mic.log", "guide-step4-keyvault-reader.log", "guide-step7-mic.log"]) {
      a.text(fs.readFileSync(path.join(LOGS, f), "utf8"), f);
    }
    const report = buildReport(a.findings(), a.stats, undefined, platform);
    expect(report.findings.map((f) => [f.id, f.count])).toEqual([
      ["missing-managed-identity-operator", 2],
      ["missing-keyvault-secret-permission", 1],
      ["missing-node-resource-group-roles", 2],
    ]);
    expect(report.summary.sources.map((s) => s.lines)).toEqual([2, 1, 2]);
  });
});
