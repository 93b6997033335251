/**
 * doctor --env: what the log says against what the environment's config knows.
 */
import { devTest, platform, prod } from "../config/environments";
import type { EnvironmentConfig } from "../config/types";
import { matchEnvironment, type ConfigCheck } from "../tools/doctor/env-match";
import type { FindingValues } from "../tools/doctor/hints";

const ISSUER = "https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/6b3c1c4e-7d2a-4f4b-9a57-1f0e6c2d8b91/";
const wiEnv: EnvironmentConfig = {
  ...devTest,
  cluster: { ...devTest.cluster, oidcIssuerUrl: ISSUER },
  teams: [{ ...devTest.teams[0], identityMode: "both", workloadIdentity: { serviceAccountName: "keyvault-reader" } }],
};
const messages = (checks: readonly ConfigCheck[], status: ConfigCheck["status"]): string[] =>
  checks.filter((c) => c.status === status).map((c) => c.message);

describe("doctor --env", () => {
  it("GIVEN a federated-credential error from the team's ServiceAccount but another cluster's issuer WHEN matched THEN the subject matches and the issuer does not", () => {
    const values: FindingValues = {
      issuer: ["https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/0000aaaa-1111-2222-3333-444455556666/"],
      subject: ["system:serviceaccount:aad-pod-identity-poc:keyvault-reader"],
      audience: ["api://AzureADTokenExchange"],
    };
    const m = matchEnvironment("federated-credential-mismatch", values, wiEnv, platform);
    expect(m.team?.name).toBe("poc");
    expect(messages(m.checks, "match")).toEqual([
      "subject system:serviceaccount:aad-pod-identity-poc:keyvault-reader is team poc's ServiceAccount: the federated credential's subject or issuer is what differs",
    ]);
    expect(messages(m.checks, "mismatch")).toEqual([
      `issuer https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/0000aaaa-1111-2222-3333-444455556666/ in the log is not dev-test's OIDC issuer (${ISSUER}): a token from another cluster, or a stale config`,
    ]);
  });

  it("GIVEN a subject with a mis-typed ServiceAccount WHEN matched THEN it names the configured subject", () => {
    const m = matchEnvironment(
      "federated-credential-mismatch",
      { subject: ["system:serviceaccount:aad-pod-identity-poc:keyvault-reader-sa"] },
      wiEnv,
      platform,
    );
    expect(messages(m.checks, "mismatch")).toEqual([
      "the pod presented subject system:serviceaccount:aad-pod-identity-poc:keyvault-reader-sa, but dev-test configures system:serviceaccount:aad-pod-identity-poc:keyvault-reader: the pod runs as another ServiceAccount or namespace (names are case-sensitive)",
    ]);
  });

  it("GIVEN an identity of another subscription WHEN matched THEN it says which subscription the config expects", () => {
    const id =
      "/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg-westus2-shared/providers/microsoft.managedidentity/userassignedidentities/aks-aad-user-identity";
    const m = matchEnvironment("missing-managed-identity-operator", { identityResourceId: [id] }, prod, platform);
    expect(messages(m.checks, "mismatch")).toEqual([
      `identity ${id} is not the identity of any team of prod (its subscription 11111111-2222-3333-4444-555555555555 is not appSubscriptionId 99a3af26-911d-4bc5-8fcc-8f9de81e46c5); configured: aks-aad-user-identity-prod`,
    ]);
  });

  it("GIVEN prod, whose config has no agent-pool principal ID, and a principal nobody configured WHEN matched THEN the comparison is unknown, not a mismatch", () => {
    const m = matchEnvironment(
      "missing-node-resource-group-roles",
      { principalId: ["aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"], nodeResourceGroup: ["MC_rg-aks-prod-container-westus2"] },
      prod,
      platform,
    );
    expect(messages(m.checks, "unknown")).toEqual([
      "prod has no cluster.agentPool.principalId: cannot tell whether aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee is its agent pool (aks-zVZRMHRfszDD-agentpool)",
    ]);
    expect(messages(m.checks, "match")).toEqual(["node resource group MC_rg-aks-prod-container-westus2 is prod's"]);
  });

  it("GIVEN the prod vault answering with access policies WHEN matched against prod THEN the vault is team poc's; against dev-test it is not a vault of dev-test", () => {
    expect(
      messages(
        matchEnvironment("missing-keyvault-secret-permission", { vaultName: ["kv-westus2-aks-prod"] }, prod, platform).checks,
        "match",
      ),
    ).toEqual(["vault kv-westus2-aks-prod is team poc's"]);
    expect(
      messages(
        matchEnvironment("missing-keyvault-secret-permission", { vaultName: ["kv-westus2-aks-prod"] }, devTest, platform).checks,
        "mismatch",
      ),
    ).toEqual(["vault kv-westus2-aks-prod is not a vault of dev-test (configured: kv-westus2-aks)"]);
  });

  it("GIVEN NMI errors for a namespace no team owns WHEN matched THEN the namespace is a mismatch", () => {
    const m = matchEnvironment("identity-not-assigned", { pod: ["other-team/app-1"], namespace: ["other-team"] }, devTest, platform);
    expect(messages(m.checks, "mismatch")).toEqual(["namespace other-team is not the namespace of any team of dev-test"]);
    expect(m.team).toBeUndefined();
  });
});
