import { Construct } from "constructs";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import type { IAksCluster } from "../constructs/aks-cluster";
import type { IManagedIdentity } from "../constructs/managed-identity";
import type { IPrincipal } from "../constructs/principal";
import { MAX_FEDERATED_CREDENTIALS_PER_IDENTITY } from "../constructs/facts";
import { WorkloadIdentityFederation, type WorkloadIdentityFederationProps } from "../constructs/workload-identity-federation";
import {
  IDS,
  agentPoolCluster,
  appIdentity,
  azurermAlias,
  issueAbout,
  lookupCluster,
  newStack,
  onlyDataSourceId,
  onlyResource,
  onlyResourceId,
  resourceList,
  resources,
  synth,
  validationErrorOf,
  warningsUnder,
} from "./support/synth";

const ISSUER = "https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/5c1f8a4e-0000-4000-8000-000000000000/";

/** An IAksCluster whose OIDC facts are given directly (e.g. from `az aks show`). */
class KnownCluster extends Construct implements IAksCluster {
  public readonly kubeletIdentity: IPrincipal;
  public readonly subscriptionId = IDS.clusterSubscription;
  public readonly nodeResourceGroupName = "MC_rg-aks-poc-container-westus2";
  public readonly nodeResourceGroupId = `/subscriptions/${IDS.clusterSubscription}/resourceGroups/MC_rg-aks-poc-container-westus2`;

  constructor(
    scope: Construct,
    id: string,
    public readonly oidcIssuerUrl: string | undefined,
    public readonly oidcIssuerEnabled: boolean | string | undefined,
  ) {
    super(scope, id);
    this.kubeletIdentity = {
      principalId: "b9276f33-e80c-4f09-9cdf-24c28c0feea4",
      principalType: "ServicePrincipal",
      tenantId: IDS.tenant,
      grantScope: this,
    };
  }

  public kubernetesProvider(): KubernetesProvider {
    throw new Error("not used by these tests");
  }
}

function federation(
  scope: Construct,
  identity: IManagedIdentity,
  cluster: IAksCluster,
  props: Partial<WorkloadIdentityFederationProps> = {},
  id = "WorkloadIdentity",
): WorkloadIdentityFederation {
  return new WorkloadIdentityFederation(scope, id, {
    identity,
    cluster,
    namespace: "aad-pod-identity-poc",
    serviceAccountName: "keyvault-reader",
    ...props,
  });
}

describe("WorkloadIdentityFederation", () => {
  test("GIVEN an identity and a looked-up cluster WHEN federated THEN the credential trusts the cluster's issuer for the ServiceAccount, with the token-exchange audience", () => {
    // GIVEN
    const { stack } = newStack();
    const identity = appIdentity(stack);
    const cluster = lookupCluster(stack);

    // WHEN
    const wi = federation(stack, identity, cluster);
    const json = synth(stack);

    // THEN
    const cred = onlyResource(json, "azurerm_federated_identity_credential");
    const clusterRef = `data.azurerm_kubernetes_cluster.${onlyDataSourceId(json, "azurerm_kubernetes_cluster")}`;
    expect(cred.parent_id).toBe(`\${azurerm_user_assigned_identity.${onlyResourceId(json, "azurerm_user_assigned_identity")}.id}`);
    expect(cred.issuer).toBe(`\${${clusterRef}.oidc_issuer_url}`);
    expect(cred.subject).toBe("system:serviceaccount:aad-pod-identity-poc:keyvault-reader");
    expect(cred.audience).toEqual(["api://AzureADTokenExchange"]);
    expect(cred.name).toBe("aad-pod-identity-poc-keyvault-reader");
    expect(cred.resource_group_name).toBe("rg-westus2-shared");
    expect(wi.subject).toBe("system:serviceaccount:aad-pod-identity-poc:keyvault-reader");
    // The credential lives under the identity, where the per-identity limit is counted.
    expect(wi.credential.node.scope).toBe(identity);
  });

  test("GIVEN a looked-up cluster (oidc_issuer_enabled known only at plan time) THEN the credential carries a precondition on it", () => {
    const { stack } = newStack();

    federation(stack, appIdentity(stack), lookupCluster(stack));
    const json = synth(stack);

    const cred = onlyResource(json, "azurerm_federated_identity_credential");
    const clusterRef = `data.azurerm_kubernetes_cluster.${onlyDataSourceId(json, "azurerm_kubernetes_cluster")}`;
    expect(cred.lifecycle.precondition).toHaveLength(1);
    const [pre] = cred.lifecycle.precondition;
    expect(pre.condition).toBe(`\${${clusterRef}.oidc_issuer_enabled}`);
    expect(pre.error_message).toContain("system:serviceaccount:aad-pod-identity-poc:keyvault-reader");
    expect(pre.error_message).toContain("oidc_issuer_enabled");
    expect(pre.error_message).toContain("az aks update --enable-oidc-issuer --enable-workload-identity");
  });

  test("GIVEN a cluster with a known issuer URL THEN that URL is the issuer and no precondition is needed", () => {
    const { stack } = newStack();

    federation(stack, appIdentity(stack), agentPoolCluster(stack, "Aks", { oidcIssuerUrl: ISSUER }));
    const cred = onlyResource(synth(stack), "azurerm_federated_identity_credential");

    expect(cred.issuer).toBe(ISSUER);
    expect(cred).not.toHaveProperty("lifecycle");
  });

  test("GIVEN a federation THEN the ServiceAccount is annotated with the identity's client ID and tenant (taken from the identity), and labelled for the webhook", () => {
    const { stack } = newStack();

    const wi = federation(stack, appIdentity(stack), lookupCluster(stack));
    const json = synth(stack);

    const sa = onlyResource(json, "kubernetes_service_account_v1");
    expect(sa.metadata).toEqual({
      name: "keyvault-reader",
      namespace: "aad-pod-identity-poc",
      annotations: {
        "azure.workload.identity/client-id": `\${azurerm_user_assigned_identity.${onlyResourceId(json, "azurerm_user_assigned_identity")}.client_id}`,
        "azure.workload.identity/tenant-id": `\${azurerm_user_assigned_identity.${onlyResourceId(json, "azurerm_user_assigned_identity")}.tenant_id}`,
      },
      labels: { "azure.workload.identity/use": "true" },
    });
    expect(wi.podLabels).toEqual({ "azure.workload.identity/use": "true" });
    expect(wi.serviceAccountName).toBe("keyvault-reader");
    expect(wi.namespace).toBe("aad-pod-identity-poc");
  });

  test("GIVEN requires WHEN federated THEN the ServiceAccount waits for them; workloads wait for credential and ServiceAccount", () => {
    const { stack } = newStack();
    const ns = new NamespaceV1(stack, "Namespace", { metadata: { name: "aad-pod-identity-poc" } });

    const wi = federation(stack, appIdentity(stack), lookupCluster(stack), { requires: [ns] });
    new NamespaceV1(stack, "After", { metadata: { name: "after" }, dependsOn: [...wi.dependables] });
    const json = synth(stack);

    const nsIds = Object.keys(resources(json, "kubernetes_namespace_v1"));
    const nsId = nsIds.find((id) => id.startsWith("Namespace"))!;
    const afterId = nsIds.find((id) => id.startsWith("After"))!;
    expect(onlyResource(json, "kubernetes_service_account_v1").depends_on).toEqual([`kubernetes_namespace_v1.${nsId}`]);
    expect(resources(json, "kubernetes_namespace_v1")[afterId].depends_on).toEqual([
      `azurerm_federated_identity_credential.${onlyResourceId(json, "azurerm_federated_identity_credential")}`,
      `kubernetes_service_account_v1.${onlyResourceId(json, "kubernetes_service_account_v1")}`,
    ]);
  });

  test("GIVEN createServiceAccount false THEN no ServiceAccount is created, but pods still get its name", () => {
    const { stack } = newStack();

    const wi = federation(stack, appIdentity(stack), lookupCluster(stack), { createServiceAccount: false });
    const json = synth(stack);

    expect(resources(json, "kubernetes_service_account_v1")).toEqual({});
    expect(wi.serviceAccount).toBeUndefined();
    expect(wi.dependables).toEqual([wi.credential]);
    expect(wi.serviceAccountName).toBe("keyvault-reader");
  });

  test("GIVEN provider aliases THEN the credential uses the azurerm one and the ServiceAccount the kubernetes one", () => {
    const { stack } = newStack();
    const shared = azurermAlias(stack, "shared", IDS.appSubscription);
    const k8s = new KubernetesProvider(stack, "AksKubernetes", { alias: "aks", configPath: "~/.kube/config" });

    federation(stack, appIdentity(stack), lookupCluster(stack), { azureProvider: shared, kubernetesProvider: k8s });
    const json = synth(stack);

    expect(onlyResource(json, "azurerm_federated_identity_credential").provider).toBe("azurerm.shared");
    expect(onlyResource(json, "kubernetes_service_account_v1").provider).toBe("kubernetes.aks");
  });

  describe("limits and validation", () => {
    test(`GIVEN ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} credentials on one identity WHEN a 21st is added THEN it throws, naming the identity`, () => {
      // GIVEN
      const { stack } = newStack();
      const identity = appIdentity(stack);
      const cluster = lookupCluster(stack);
      for (let i = 1; i <= 20; i++) {
        federation(stack, identity, cluster, { serviceAccountName: `sa-${i}`, createServiceAccount: false }, `Wi${i}`);
      }
      expect(identity.node.children.filter((c) => c instanceof FederatedIdentityCredential)).toHaveLength(20);

      // WHEN
      const issue = issueAbout(() => federation(stack, identity, cluster, { serviceAccountName: "sa-21" }, "Wi21"), "identity");

      // THEN
      expect(MAX_FEDERATED_CREDENTIALS_PER_IDENTITY).toBe(20);
      expect(issue.value).toBe("aks-aad-user-identity");
      expect(issue.problem).toBe("already has 20 federated credentials; Azure allows at most 20 per identity");
      expect(issue.fix).toMatch(/their own identity/);
      expect(resourceList(synth(stack), "azurerm_federated_identity_credential")).toHaveLength(20);
    });

    test("GIVEN 20 credentials spread over two identities THEN neither limit is reached", () => {
      const { stack } = newStack();
      const a = appIdentity(stack, "A", "id-a");
      const b = appIdentity(stack, "B", "id-b");
      const cluster = lookupCluster(stack);

      for (let i = 1; i <= 20; i++) federation(stack, a, cluster, { serviceAccountName: `sa-${i}`, createServiceAccount: false }, `A${i}`);

      expect(() => federation(stack, b, cluster, { serviceAccountName: "sa-21", createServiceAccount: false }, "B21")).not.toThrow();
    });

    test("GIVEN a cluster whose issuer URL is unknown WHEN federated THEN it throws, saying where to get the issuer", () => {
      const { stack } = newStack();
      const identity = appIdentity(stack);

      const issue = issueAbout(() => federation(stack, identity, agentPoolCluster(stack)), "cluster.oidcIssuerUrl");

      expect(issue.problem).toMatch(/is unknown/);
      expect(issue.fix).toMatch(/az aks show --query oidcIssuerProfile.issuerUrl/);
      expect(resources(synth(stack), "azurerm_federated_identity_credential")).toEqual({});
    });

    test("GIVEN a non-https issuer URL WHEN federated THEN it throws", () => {
      const { stack } = newStack();

      const issue = issueAbout(
        () => federation(stack, appIdentity(stack), new KnownCluster(stack, "Aks", "http://westus2.oic.prod-aks.azure.com/x/", true)),
        "cluster.oidcIssuerUrl",
      );

      expect(issue.value).toBe("http://westus2.oic.prod-aks.azure.com/x/");
    });

    test("GIVEN bad namespace and ServiceAccount name WHEN federated THEN each is reported", () => {
      const { stack } = newStack();

      const e = validationErrorOf(() =>
        federation(stack, appIdentity(stack), lookupCluster(stack), {
          namespace: "Aad_Pod",
          serviceAccountName: "Reader_SA",
        }),
      );

      expect(e.issues.map((i) => [i.field, i.value])).toEqual([
        ["namespace", "Aad_Pod"],
        ["serviceAccountName", "Reader_SA"],
      ]);
    });

    test("GIVEN a cluster that says its OIDC issuer is off THEN a warning annotation tells how to turn it on, and no precondition is added", () => {
      const { stack } = newStack();

      const wi = federation(stack, appIdentity(stack), new KnownCluster(stack, "Aks", ISSUER, false));
      const json = synth(stack);

      const warnings = warningsUnder(wi);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("Cluster Aks has its OIDC issuer off");
      expect(warnings[0]).toContain("keyvault-reader");
      expect(warnings[0]).toContain("oidc_issuer_enabled and workload_identity_enabled");
      expect(onlyResource(json, "azurerm_federated_identity_credential")).not.toHaveProperty("lifecycle");
    });

    test("GIVEN a cluster with the issuer on THEN no warning", () => {
      const { stack } = newStack();

      const wi = federation(stack, appIdentity(stack), new KnownCluster(stack, "Aks", ISSUER, true));
      synth(stack);

      expect(warningsUnder(wi)).toEqual([]);
    });
  });
});
