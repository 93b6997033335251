import { Construct, type IConstruct } from "constructs";
import { Annotations, Fn, Token, type TerraformProvider } from "cdktf";
import { DataAzurermKubernetesCluster } from "@cdktf/provider-azurerm/lib/data-azurerm-kubernetes-cluster";
import { DataAzurermUserAssignedIdentity } from "@cdktf/provider-azurerm/lib/data-azurerm-user-assigned-identity";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import type { IPrincipal } from "./principal";
import { Checker, Rules } from "./validation";

/** Entra ID server application of AKS-managed AAD (the `--server-id` of kubelogin). */
export const AKS_AAD_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

/** How Terraform reaches the Kubernetes API of the cluster. Nothing here is needed at synth time. */
export type KubernetesAccess =
  /** Host, client certificate and CA from the cluster data source (`kube_config`). Needs a cluster lookup. */
  | { readonly kind: "cluster-credentials" }
  /** A kubeconfig file and context, as `kubectl` uses it. */
  | { readonly kind: "kubeconfig"; readonly configPath: string; readonly context?: string }
  /**
   * Entra ID-only clusters: host and CA from the cluster data source, token from `kubelogin`.
   * Needs a cluster lookup.
   */
  | { readonly kind: "exec"; readonly loginMode?: "azurecli" | "workloadidentity" | "msi" | "spn" };

/** An existing AKS cluster, as the constructs need it. */
export interface IAksCluster extends IConstruct {
  /** The kubelet (agent-pool) identity: MIC uses it to assign identities to the nodes. */
  readonly kubeletIdentity: IPrincipal;
  /** Subscription of the cluster and its node resource group. */
  readonly subscriptionId: string;
  /** The node resource group (`MC_…`) that holds the VM scale sets. */
  readonly nodeResourceGroupName: string;
  /** ARM ID of the node resource group. */
  readonly nodeResourceGroupId: string;
  /** OIDC issuer URL (workload identity), when known. */
  readonly oidcIssuerUrl?: string;
  /**
   * Whether the OIDC issuer is known to be on: `true`/`false` when known at synth time,
   * a token when only the plan can tell, `undefined` when unknown.
   */
  readonly oidcIssuerEnabled?: boolean | string;
  /** A Kubernetes provider for this cluster in `scope`'s stack. */
  kubernetesProvider(scope: Construct, id: string, access: KubernetesAccess): KubernetesProvider;
}

/** Props of {@link AksCluster.fromClusterName}. */
export interface AksClusterLookupProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly subscriptionId: string;
  /** @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

/** Props of {@link AksCluster.fromAgentPoolIdentity}. */
export interface AgentPoolIdentityProps {
  /** Name of the agent-pool identity, e.g. `aks-xcEwmVSi-agentpool`. */
  readonly identityName: string;
  /** The node resource group (`MC_…`) that holds it. */
  readonly nodeResourceGroupName: string;
  readonly subscriptionId: string;
  /** @default - none: workload identity then needs the issuer from elsewhere */
  readonly oidcIssuerUrl?: string;
  /**
   * Object (principal) ID of the agent-pool identity, when the cluster admins hand it out
   * (`az identity show -n <pool> -g <MC_ group> --query principalId`). Then nothing is looked
   * up, and the stack needs no read access to the node resource group.
   * @default - looked up by name at plan time
   */
  readonly principalId?: string;
  /**
   * With `principalId`: also look the agent-pool identity up by name and fail the plan (a
   * postcondition) unless its principal ID is the given one, so grants never go to the wrong
   * principal. Needs read access to the identity in the node resource group.
   * @default true
   */
  readonly verifyPrincipalId?: boolean;
  /** Tenant of the agent-pool identity; used with `principalId`. @default - from the lookup */
  readonly tenantId?: string;
  /** @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

/**
 * A reference to an existing AKS cluster. Nothing is created; the values are read by
 * data sources at plan time, so synthesis needs no Azure access.
 *
 * - {@link AksCluster.fromClusterName}: looks the cluster up; gives the kubelet identity,
 *   node resource group and OIDC issuer, and can configure the Kubernetes provider.
 * - {@link AksCluster.fromAgentPoolIdentity}: the guide's way (agent-pool name + `MC_` group).
 */
export class AksCluster extends Construct implements IAksCluster {
  /** Looks the cluster up by name (data source `azurerm_kubernetes_cluster`). */
  public static fromClusterName(scope: Construct, id: string, props: AksClusterLookupProps): IAksCluster {
    const check = new Checker(`${scope.node.path}/${id}`);
    check.check("resourceGroupName", props.resourceGroupName, Rules.resourceGroupName);
    check.check("subscriptionId", props.subscriptionId, Rules.guid);
    check.required("name", props.name, "give the AKS cluster name");
    check.throwIfAny();
    return new AksCluster(scope, id, { kind: "lookup", ...props });
  }

  /** References the agent-pool identity by name and node resource group (the guide's table). */
  public static fromAgentPoolIdentity(scope: Construct, id: string, props: AgentPoolIdentityProps): IAksCluster {
    const check = new Checker(`${scope.node.path}/${id}`);
    check.check("identityName", props.identityName, Rules.identityName);
    check.check("nodeResourceGroupName", props.nodeResourceGroupName, Rules.resourceGroupName);
    check.check("subscriptionId", props.subscriptionId, Rules.guid);
    check.check("oidcIssuerUrl", props.oidcIssuerUrl, Rules.httpsUrl);
    check.check("principalId", props.principalId, Rules.guid);
    check.check("tenantId", props.tenantId, Rules.guid);
    if (props.principalId !== undefined && props.tenantId === undefined) {
      check.add(
        "tenantId",
        undefined,
        "is missing: with a given principalId nothing is looked up",
        "give the tenant of the agent-pool identity",
      );
    }
    check.throwIfAny();
    return new AksCluster(scope, id, { kind: "agent-pool", ...props });
  }

  public readonly kubeletIdentity: IPrincipal;
  public readonly subscriptionId: string;
  public readonly nodeResourceGroupName: string;
  public readonly nodeResourceGroupId: string;
  public readonly oidcIssuerUrl?: string;
  public readonly oidcIssuerEnabled?: boolean | string;
  /** The cluster data source, when looked up by name. */
  public readonly lookup?: DataAzurermKubernetesCluster;

  private constructor(
    scope: Construct,
    id: string,
    props: ({ kind: "lookup" } & AksClusterLookupProps) | ({ kind: "agent-pool" } & AgentPoolIdentityProps),
  ) {
    super(scope, id);
    this.subscriptionId = props.subscriptionId;
    if (props.kind === "lookup") {
      const cluster = new DataAzurermKubernetesCluster(this, "Cluster", {
        name: props.name,
        resourceGroupName: props.resourceGroupName,
        provider: props.provider,
      });
      this.lookup = cluster;
      this.kubeletIdentity = {
        principalId: cluster.kubeletIdentity.get(0).objectId,
        principalType: "ServicePrincipal",
        tenantId: cluster.identity.get(0).tenantId,
        grantScope: this,
      };
      this.nodeResourceGroupName = cluster.nodeResourceGroup;
      this.nodeResourceGroupId = cluster.nodeResourceGroupId;
      this.oidcIssuerUrl = cluster.oidcIssuerUrl;
      this.oidcIssuerEnabled = Token.asString(cluster.oidcIssuerEnabled);
    } else {
      if (props.principalId !== undefined) {
        this.kubeletIdentity = {
          principalId: props.principalId,
          principalType: "ServicePrincipal",
          tenantId: props.tenantId!,
          grantScope: this,
        };
        if (props.verifyPrincipalId ?? true) {
          new DataAzurermUserAssignedIdentity(this, "AgentPoolIdentityCheck", {
            name: props.identityName,
            resourceGroupName: props.nodeResourceGroupName,
            provider: props.provider,
            lifecycle: {
              postcondition: [
                {
                  condition: `\${lower(self.principal_id) == "${props.principalId.toLowerCase()}"}`,
                  errorMessage:
                    `The agent-pool identity ${props.identityName} in ${props.nodeResourceGroupName} ` +
                    `does not have principal ID ${props.principalId} (config cluster.agentPool.principalId): ` +
                    `grants would go to the wrong principal. ` +
                    `Fix: set it to az identity show -n ${props.identityName} ` +
                    `-g ${props.nodeResourceGroupName} --query principalId -o tsv.`,
                },
              ],
            },
          });
        }
      } else {
        const pool = new DataAzurermUserAssignedIdentity(this, "AgentPoolIdentity", {
          name: props.identityName,
          resourceGroupName: props.nodeResourceGroupName,
          provider: props.provider,
        });
        this.kubeletIdentity = {
          principalId: pool.principalId,
          principalType: "ServicePrincipal",
          tenantId: pool.tenantId,
          grantScope: this,
        };
      }
      this.nodeResourceGroupName = props.nodeResourceGroupName;
      this.nodeResourceGroupId = `/subscriptions/${props.subscriptionId}/resourceGroups/${props.nodeResourceGroupName}`;
      this.oidcIssuerUrl = props.oidcIssuerUrl;
      this.oidcIssuerEnabled = props.oidcIssuerUrl ? true : undefined;
    }
  }

  public kubernetesProvider(scope: Construct, id: string, access: KubernetesAccess): KubernetesProvider {
    if (access.kind === "kubeconfig") {
      return new KubernetesProvider(scope, id, { configPath: access.configPath, configContext: access.context });
    }
    const cluster = this.lookup;
    if (!cluster) {
      const check = new Checker(this.node.path);
      check.add(
        "kubernetes.kind",
        access.kind,
        "needs the cluster's API server and CA, which only a cluster lookup gives",
        'look the cluster up by name (cluster.lookup / AksCluster.fromClusterName), or use kind "kubeconfig"',
      );
      check.throwIfAny();
      throw new Error("unreachable");
    }
    // Admin credentials are only there on clusters with local accounts; the user config works with Entra ID.
    const kube = cluster.kubeConfig.get(0);
    if (access.kind === "cluster-credentials") {
      Annotations.of(this).addWarning(
        `Kubernetes access "cluster-credentials" uses the client certificate of ${this.node.id}'s kube_config: ` +
          `it exists only with local accounts and is close to cluster admin. ` +
          `Prefer "exec" (kubelogin) or a kubeconfig context.`,
      );
      return new KubernetesProvider(scope, id, {
        host: kube.host,
        clientCertificate: Fn.base64decode(kube.clientCertificate),
        clientKey: Fn.base64decode(kube.clientKey),
        clusterCaCertificate: Fn.base64decode(kube.clusterCaCertificate),
      });
    }
    return new KubernetesProvider(scope, id, {
      host: kube.host,
      clusterCaCertificate: Fn.base64decode(kube.clusterCaCertificate),
      exec: [
        {
          apiVersion: "client.authentication.k8s.io/v1beta1",
          command: "kubelogin",
          args: ["get-token", "--login", access.loginMode ?? "azurecli", "--server-id", AKS_AAD_SERVER_ID],
        },
      ],
    });
  }
}
