import type { Construct } from "constructs";
import { Aspects, type TerraformProvider, TerraformStack } from "cdktf";
import type { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import type { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { AksCluster, type IAksCluster, type KubernetesAccess } from "./aks-cluster";
import { SecurityPolicy } from "./policy";
import { azurermProvider, requireTerraformVersion } from "./providers";
import { collectIssues } from "./construct-issues";
import { Checker, requireProps, Rules, ValidationError } from "./validation";

/** The AKS cluster the app teams' pods run on, and how Terraform reaches it. */
export interface ClusterReference {
  /** Subscription of the cluster and its node resource group (the `MC_` group). */
  readonly subscriptionId: string;
  /**
   * Look the cluster up by name (data source `azurerm_kubernetes_cluster`). Gives the kubelet
   * identity, node resource group and OIDC issuer URL at plan time.
   * @default - not looked up; `agentPool` must be given
   */
  readonly lookup?: { readonly name: string; readonly resourceGroupName: string };
  /**
   * The agent-pool identity by name and node resource group, as in the guide's table.
   * Used when `lookup` is not given.
   * @default - taken from the cluster lookup
   */
  readonly agentPool?: {
    /** e.g. `aks-xcEwmVSi-agentpool` */
    readonly identityName: string;
    /** The `MC_…` group that holds the agent-pool identity and the VM scale sets. */
    readonly nodeResourceGroupName: string;
    /**
     * Object (principal) ID of the agent-pool identity, when the cluster admins hand it out.
     * Then the stacks use it directly (no lookup, so app teams need no read access to the
     * `MC_` group), and `doctor --env` tells whether a log comes from this cluster.
     * @default - looked up by name at plan time
     */
    readonly principalId?: string;
  };
  /**
   * OIDC issuer URL, for workload identity when the cluster is not looked up.
   * @default - from the cluster lookup; workload identity needs one of the two
   */
  readonly oidcIssuerUrl?: string;
  /** How Terraform talks to the Kubernetes API. */
  readonly kubernetes: KubernetesAccess;
}

/** Key Vault data safety (docs/guard-rails.md, "Data safety"). */
export interface DataProtectionProps {
  /** `lifecycle.prevent_destroy` on vaults, identities and secrets. @default false */
  readonly preventDestroy?: boolean;
  /** Provider `features.key_vault.purge_soft_delete_on_destroy` and secrets equivalent. @default false */
  readonly purgeOnDestroy?: boolean;
  /** Policy severity of a vault without purge protection: error (true) or warning. @default true */
  readonly requirePurgeProtection?: boolean;
}

/**
 * The environment's cluster as a construct `Cluster` in `scope`: looked up by name, or by
 * agent-pool identity as in the guide. Throws every problem at once when neither is given.
 */
export function importCluster(scope: Construct, cluster: ClusterReference, tenantId: string, provider?: TerraformProvider): AksCluster {
  if (cluster.lookup) {
    return AksCluster.fromClusterName(scope, "Cluster", { ...cluster.lookup, subscriptionId: cluster.subscriptionId, provider });
  }
  const pool = cluster.agentPool;
  if (!pool) {
    const c = new Checker(`${scope.node.path}/Cluster`);
    c.add(
      "cluster",
      undefined,
      "has neither lookup nor agentPool",
      "set cluster.lookup { name, resourceGroupName } or cluster.agentPool { identityName, nodeResourceGroupName } (the guide's table)",
    );
    c.throwIfAny();
  }
  return AksCluster.fromAgentPoolIdentity(scope, "Cluster", {
    identityName: pool!.identityName,
    nodeResourceGroupName: pool!.nodeResourceGroupName,
    subscriptionId: cluster.subscriptionId,
    oidcIssuerUrl: cluster.oidcIssuerUrl,
    principalId: pool!.principalId,
    tenantId: pool!.principalId ? tenantId : undefined,
    provider,
  });
}

/**
 * Throws every problem the construct validations of `stack` report as one
 * {@link ValidationError} (context, field, value, fix), instead of cdktf's list of strings.
 */
export function runValidations(stack: TerraformStack): void {
  const issues = collectIssues(stack);
  if (issues.length) throw new ValidationError(issues);
}

/** Props of {@link AppIdentityStack}. */
export interface AppIdentityStackProps {
  /** Entra ID tenant of the identities and vaults. */
  readonly tenantId: string;
  /** Subscription of the app identities and vaults (may differ from the cluster's). */
  readonly subscriptionId: string;
  /** The cluster; its lookups go through a provider for its own subscription (alias `cluster`). */
  readonly cluster: ClusterReference;
  /** @default - recover soft-deleted vaults and secrets, never purge; no prevent_destroy; purge protection required */
  readonly dataProtection?: DataProtectionProps;
}

/**
 * A stack for app teams, ready for {@link AppIdentity}: Terraform ≥ 1.11 (write-only
 * secrets), the azurerm providers for the app subscription and for the cluster's (alias
 * `cluster`) with the Key Vault data safety of docs/guard-rails.md, the cluster reference, the
 * Kubernetes provider for it, and the security policy aspect. Construct validations are
 * reported all at once, each with context, field, value and fix.
 */
export class AppIdentityStack extends TerraformStack {
  public readonly tenantId: string;
  public readonly subscriptionId: string;
  /** The app subscription's provider (the stack's default azurerm provider). */
  public readonly azurerm: AzurermProvider;
  /** The cluster subscription's provider (alias `cluster`). */
  public readonly clusterAzurerm: AzurermProvider;
  public readonly cluster: IAksCluster;
  /** The Kubernetes provider for {@link cluster} (the stack's default). */
  public readonly kubernetes: KubernetesProvider;
  /** The policy aspect; its findings are annotations (errors fail the synth). */
  public readonly policy: SecurityPolicy;
  public readonly dataProtection: Required<DataProtectionProps>;

  constructor(scope: Construct, id: string, props: AppIdentityStackProps) {
    requireProps(scope, id, props, {
      tenantId: "give the Entra ID tenant (az account show --query tenantId)",
      subscriptionId: "give the subscription of the identities and vaults",
      cluster: "describe the cluster: { subscriptionId, lookup or agentPool, kubernetes }",
    });
    const check = new Checker(scope.node.path ? `${scope.node.path}/${id}` : id);
    check.check("tenantId", props.tenantId, Rules.guid);
    check.check("subscriptionId", props.subscriptionId, Rules.guid);
    check.check("cluster.subscriptionId", props.cluster.subscriptionId, Rules.guid);
    if (!props.cluster.kubernetes)
      check.required(
        "cluster.kubernetes",
        undefined,
        'say how Terraform reaches the API server, e.g. { kind: "kubeconfig", configPath: "~/.kube/config" }',
      );
    check.throwIfAny();
    super(scope, id);
    this.tenantId = props.tenantId;
    this.subscriptionId = props.subscriptionId;
    const dp = props.dataProtection ?? {};
    this.dataProtection = {
      preventDestroy: dp.preventDestroy ?? false,
      purgeOnDestroy: dp.purgeOnDestroy ?? false,
      requirePurgeProtection: dp.requirePurgeProtection ?? true,
    };
    requireTerraformVersion(this);
    const common = { tenantId: props.tenantId, purgeOnDestroy: this.dataProtection.purgeOnDestroy };
    this.azurerm = azurermProvider(this, "Azurerm", { ...common, subscriptionId: props.subscriptionId });
    this.clusterAzurerm = azurermProvider(this, "AzurermCluster", {
      ...common,
      subscriptionId: props.cluster.subscriptionId,
      alias: "cluster",
    });
    this.cluster = importCluster(this, props.cluster, props.tenantId, this.clusterAzurerm);
    this.kubernetes = this.cluster.kubernetesProvider(this, "Kubernetes", props.cluster.kubernetes);
    this.policy = new SecurityPolicy({
      requirePurgeProtection: this.dataProtection.requirePurgeProtection,
      requirePreventDestroy: this.dataProtection.preventDestroy,
    });
    Aspects.of(this).add(this.policy);
  }

  /** The stack that holds `scope`, when it is an AppIdentityStack. */
  public static tryOf(scope: Construct): AppIdentityStack | undefined {
    const stack = TerraformStack.of(scope);
    return stack instanceof AppIdentityStack ? stack : undefined;
  }

  /** Every construct validation problem of the stack at once (see {@link runValidations}). */
  public override runAllValidations(): void {
    runValidations(this);
  }
}
