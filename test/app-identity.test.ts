import { AppIdentity, type AppIdentityProps } from "../constructs/app-identity";
import { AppIdentityStack, type AppIdentityStackProps } from "../constructs/app-identity-stack";
import { ValidationError } from "../constructs/validation";
import { IDS, type Json, issueAbout, warningsUnder, newStack, resources, synth, testApp, validationErrorOf } from "./support/synth";

const STACK: AppIdentityStackProps = {
  tenantId: IDS.tenant,
  subscriptionId: IDS.appSubscription,
  cluster: {
    subscriptionId: IDS.clusterSubscription,
    agentPool: { identityName: "aks-xcEwmVSi-agentpool", nodeResourceGroupName: "MC_rg-aks-poc-container-westus2" },
    kubernetes: { kind: "kubeconfig", configPath: "~/.kube/config" },
  },
};

/** The guide's team (pod identity, sidecar reader) with `extra` on top. */
function team(extra: Partial<AppIdentityProps> = {}, name = "poc"): AppIdentityProps {
  return {
    location: "westus2",
    namespace: "aad-pod-identity-poc",
    identity: { name: `${name}-identity`, resourceGroupName: "rg-westus2-shared" },
    keyVault: {
      name: `kv-${name}-aks`,
      resourceGroupName: "rg-westus2-shared",
      secrets: [{ name: "grafana-admin-username-poc", expirationDate: "2027-06-30T00:00:00Z" }],
    },
    podIdentity: { azureIdentityName: `${name}-identity`, bindingName: `${name}-binding`, selector: `${name}-selector` },
    ...extra,
  };
}

function newAppStack(): AppIdentityStack {
  return new AppIdentityStack(testApp(), "apps", STACK);
}

const byKind = (json: Json, kind: string): Json =>
  Object.values<Json>(resources(json, "kubernetes_manifest")).find((m) => m.manifest.kind === kind)!;
const namespaceRef = (json: Json): string => `kubernetes_namespace_v1.${Object.keys(resources(json, "kubernetes_namespace_v1"))[0]}`;

describe("AppIdentity", () => {
  test("GIVEN createNamespace and no workload WHEN synthesized THEN the namespace is created at the workload's address and the CRs wait for it and for the grants", () => {
    const stack = newAppStack();
    new AppIdentity(stack, "Team", team({ createNamespace: true }));
    const json = synth(stack);
    const [nsId] = Object.keys(resources(json, "kubernetes_namespace_v1"));
    // The address the reader workload gives it: adding a workload later never replaces the namespace.
    expect(nsId).toMatch(/^Team_Workload_Namespace_/);
    for (const kind of ["AzureIdentity", "AzureIdentityBinding"]) {
      expect(byKind(json, kind).depends_on).toEqual(
        expect.arrayContaining([
          namespaceRef(json),
          expect.stringMatching(/^azurerm_role_assignment\./),
          expect.stringMatching(/^azurerm_key_vault_access_policy\./),
        ]),
      );
    }
  });

  test("GIVEN createNamespace false (the default) THEN no namespace is created", () => {
    const stack = newAppStack();
    new AppIdentity(stack, "Team", team({ workload: { name: "reader", secretName: "grafana-admin-username-poc" } }));
    expect(resources(synth(stack), "kubernetes_namespace_v1")).toEqual({});
  });

  test("GIVEN workload identity with the CSI reader and createNamespace THEN ServiceAccount and SecretProviderClass wait for the namespace (added, not overwritten)", () => {
    const issuer = "https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/0f1e2d3c/";
    const stack = new AppIdentityStack(testApp(), "apps", { ...STACK, cluster: { ...STACK.cluster, oidcIssuerUrl: issuer } });
    new AppIdentity(stack, "Team", {
      ...team({ createNamespace: true }),
      identityMode: "workload-identity",
      podIdentity: undefined,
      workloadIdentity: { serviceAccountName: "reader" },
      workload: { name: "reader", secretName: "grafana-admin-username-poc", reader: "csi-driver" },
    });
    const json = synth(stack);
    const ns = namespaceRef(json);
    const [sa] = Object.values<Json>(resources(json, "kubernetes_service_account_v1"));
    expect(sa.depends_on).toEqual([ns]);
    expect(byKind(json, "SecretProviderClass").depends_on).toEqual([ns]);
    expect(resources(json, "azurerm_role_assignment")).toEqual({});
  });

  test("GIVEN a secret listed twice WHEN synthesized THEN one secret is created and the duplicate is reported with path, field, value and fix", () => {
    const stack = newAppStack();
    const secret = { name: "db-password", expirationDate: "2027-06-30T00:00:00Z" };
    new AppIdentity(
      stack,
      "Team",
      team({
        keyVault: {
          name: "kv-poc-aks",
          resourceGroupName: "rg",
          secrets: [secret, { name: "other", expirationDate: secret.expirationDate }, secret],
        },
      }),
    );
    const e = validationErrorOf(() => synth(stack));
    expect(e.issues).toEqual([
      {
        context: "apps/Team",
        field: "keyVault.secrets[2].name",
        value: "db-password",
        problem: "is listed twice",
        fix: "remove the duplicate",
      },
    ]);
  });

  test("GIVEN two teams on one cluster with one namespace, selector and AzureIdentity name WHEN synthesized THEN every clash is reported at once, on the second team", () => {
    const stack = newAppStack();
    new AppIdentity(stack, "A", team({}, "a"));
    const b = team({}, "b");
    new AppIdentity(stack, "B", { ...b, podIdentity: { ...b.podIdentity!, selector: "a-selector", azureIdentityName: "a-identity" } });
    const e = validationErrorOf(() => synth(stack));
    expect(e.issues.map((i) => [i.context, i.field, i.value])).toEqual([
      ["apps/B", "podIdentity.selector", "a-selector"],
      ["apps/B", "podIdentity.azureIdentityName", "a-identity"],
    ]);
    expect(e.issues[0].problem).toBe(
      "is already a binding selector in namespace aad-pod-identity-poc: pods would match both bindings (apps/A)",
    );
    expect(e.message).toContain('apps/B: podIdentity.selector "a-selector" is already a binding selector');
  });

  test("GIVEN the same selector in two namespaces THEN nothing is reported", () => {
    const stack = newAppStack();
    new AppIdentity(stack, "A", team({}, "a"));
    new AppIdentity(stack, "B", {
      ...team({}, "b"),
      namespace: "other",
      podIdentity: { azureIdentityName: "a-identity", bindingName: "a-binding", selector: "a-selector" },
    });
    expect(() => synth(stack)).not.toThrow();
  });

  test("GIVEN a plain stack and no cluster, tenant or subscription WHEN created THEN all three are named at once, with the fix", () => {
    const { stack } = newStack();
    const e = validationErrorOf(() => new AppIdentity(stack, "Team", team()));
    expect(e.issues.map((i) => i.field)).toEqual(["cluster", "tenantId", "subscriptionId"]);
    expect(e.issues[0].fix).toContain("AppIdentityStack");
  });

  test("GIVEN workload-identity without its settings and with the sidecar reader THEN both problems at once, before anything is created", () => {
    const stack = newAppStack();
    const e = validationErrorOf(
      () =>
        new AppIdentity(
          stack,
          "Team",
          team({ identityMode: "workload-identity", workload: { name: "reader", secretName: "grafana-admin-username-poc" } }),
        ),
    );
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.issues.map((i) => i.field)).toEqual(["workloadIdentity", "workload.reader"]);
    expect(stack.node.tryFindChild("Team")?.node.children).toEqual([]);
  });

  test("GIVEN pod identity without podIdentity THEN the error says what it needs", () => {
    const issue = issueAbout(() => new AppIdentity(newAppStack(), "Team", team({ podIdentity: undefined })), "podIdentity");
    expect(issue.fix).toBe('identityMode "pod-identity" needs podIdentity { azureIdentityName, bindingName, selector }');
  });

  test("GIVEN dataProtection on the stack and a secret writer that may purge THEN the team's identity, vault and secret carry prevent_destroy and the writer may purge", () => {
    const stack = new AppIdentityStack(testApp(), "apps", { ...STACK, dataProtection: { preventDestroy: true, purgeOnDestroy: true } });
    const writer = {
      principalId: "0c6b8d4e-2f1a-4a57-9a3e-7d1e5f2b9c40",
      principalType: "ServicePrincipal" as const,
      tenantId: IDS.tenant,
      grantScope: stack,
    };
    new AppIdentity(stack, "Team", team({ deployerAccess: { principal: writer, purge: true } }));
    const json = synth(stack);
    for (const type of ["azurerm_user_assigned_identity", "azurerm_key_vault", "azurerm_key_vault_secret"]) {
      expect([type, Object.values<Json>(resources(json, type))[0].lifecycle?.prevent_destroy]).toEqual([type, true]);
    }
    const policies = Object.values<Json>(resources(json, "azurerm_key_vault_access_policy")).map((p) => p.secret_permissions);
    expect(policies).toContainEqual(expect.arrayContaining(["Set", "Purge"]));
  });

  test("GIVEN no deployerAccess and a secret Terraform writes THEN nothing grants the writer, and a warning says the applying identity must already write", () => {
    const stack = newAppStack();
    new AppIdentity(stack, "Team", team());
    const json = synth(stack);
    const policies = Object.values<Json>(resources(json, "azurerm_key_vault_access_policy")).map((p) => p.secret_permissions);
    expect(policies).toEqual([["Get", "List"]]);
    expect(warningsUnder(stack)).toContainEqual(
      expect.stringContaining(
        "no deployerAccess (config: secretWriter): the identity that applies must already be allowed to write secrets in",
      ),
    );
  });
});
