import { Construct } from "constructs";
import { Annotations, dependable, type TerraformProvider } from "cdktf";
import type { IAksCluster } from "../constructs/aks-cluster";
import { IdentityVault } from "../constructs/identity-vault";
import { PodIdentityBinding } from "../constructs/pod-identity-binding";
import { WorkloadIdentityFederation } from "../constructs/workload-identity-federation";
import { KeyVaultReaderWorkload } from "../constructs/keyvault-reader-workload";
import { SecretProviderClass } from "../constructs/secret-provider-class";
import type { ManagedIdentityOperatorAssignment } from "../constructs/managed-identity-operator-assignment";
import type { IPodIdentitySource } from "../constructs/principal";
import { suppressPolicy } from "../constructs/policy";
import type { AppTeamConfig, EnvironmentConfig } from "../config/types";

/** Props of {@link AppTeam}. */
export interface AppTeamProps {
  readonly env: EnvironmentConfig;
  readonly team: AppTeamConfig;
  readonly cluster: IAksCluster;
  readonly kubernetes: TerraformProvider;
}

/**
 * Guide steps 1–6 for one app team, wired from its config: identity and vault with the
 * read grant (1, 2, 4), Managed Identity Operator for the kubelet identity (3), the
 * pod-identity binding and/or workload-identity federation (5), and the reader test (6).
 */
export class AppTeam extends Construct {
  public readonly identityVault: IdentityVault;
  /** Guide step 3; only while pods get tokens through pod identity (NMI/MIC). */
  public readonly operator?: ManagedIdentityOperatorAssignment;
  public readonly binding?: PodIdentityBinding;
  public readonly federation?: WorkloadIdentityFederation;
  public readonly workload?: KeyVaultReaderWorkload;
  public readonly secretProviderClass?: SecretProviderClass;

  constructor(scope: Construct, id: string, props: AppTeamProps) {
    super(scope, id);
    const { env, team, cluster, kubernetes } = props;
    for (const s of team.suppressions ?? []) suppressPolicy(this, s.ruleId, s.reason);

    const writer = env.secretWriter;
    this.identityVault = new IdentityVault(this, "IdentityVault", {
      location: env.location,
      tenantId: env.tenantId,
      subscriptionId: env.appSubscriptionId,
      identity: team.identity,
      keyVault: { ...team.keyVault, secrets: team.keyVault.secrets },
      tags: { ...env.tags, "app-team": team.name, environment: env.name },
      preventDestroy: env.dataProtection.preventDestroy,
      // The applying identity writes the secret values (a config value, never azurerm_client_config);
      // it may purge them only where the provider purges on destroy.
      deployerAccess: writer
        ? {
            principal: { principalId: writer.objectId, principalType: writer.principalType ?? "ServicePrincipal", tenantId: env.tenantId, grantScope: this },
            purge: env.dataProtection.purgeOnDestroy,
            rbacPropagationWait: team.keyVault.rbacPropagationWait,
          }
        : false,
      adopt: team.adopt,
    });
    if (!writer && team.keyVault.secrets.some((s) => (s.source ?? "variable") === "variable")) {
      Annotations.of(this).addWarning(
        `no secretWriter in environment ${env.name}: the identity that applies must already be allowed to write secrets in ${team.keyVault.name} (Get, List, Set, Delete, Recover, or Key Vault Secrets Officer), else the write fails with 403. Set secretWriter.objectId to have the stack grant it.`,
      );
    }
    const { identity, keyVault } = this.identityVault;
    const mode = team.identityMode ?? "pod-identity";
    const sources: IPodIdentitySource[] = [];
    if (mode !== "workload-identity") {
      // Without pod identity, nodes need no right to assign the identity: the grant goes away.
      const operator = identity.grantOperator(cluster);
      this.operator = operator;
      const p = team.podIdentity!;
      this.binding = new PodIdentityBinding(this, "PodIdentityBinding", {
        identity,
        namespace: team.namespace,
        azureIdentityName: p.azureIdentityName,
        bindingName: p.bindingName,
        selector: p.selector,
        requires: [operator, this.identityVault.secretRead],
        provider: kubernetes,
      });
      if (team.adopt) {
        // The guide's step 5 objects (IDs derived from names; kubernetes_manifest import ID format).
        const cr = (kind: string, name: string) => `apiVersion=aadpodidentity.k8s.io/v1,kind=${kind},namespace=${team.namespace},name=${name}`;
        this.binding.azureIdentity.importFrom(cr("AzureIdentity", p.azureIdentityName));
        this.binding.binding.importFrom(cr("AzureIdentityBinding", p.bindingName));
      }
      sources.push(this.binding);
    }
    if (mode !== "pod-identity") {
      this.federation = new WorkloadIdentityFederation(this, "WorkloadIdentity", {
        identity,
        cluster,
        namespace: team.namespace,
        serviceAccountName: team.workloadIdentity!.serviceAccountName,
        tenantId: env.tenantId,
        kubernetesProvider: kubernetes,
      });
      sources.push(this.federation);
    }

    if (team.workload?.reader === "csi-driver") {
      this.secretProviderClass = new SecretProviderClass(this, "SecretProviderClass", {
        name: `${team.workload.name}-keyvault`,
        namespace: team.namespace,
        keyVault,
        identity,
        tenantId: env.tenantId,
        secretNames: [team.workload.secretName],
        provider: kubernetes,
      });
    }
    if (team.workload) {
      this.workload = new KeyVaultReaderWorkload(this, "Workload", {
        name: team.workload.name,
        namespace: team.namespace,
        createNamespace: team.createNamespace,
        keyVault,
        secretName: team.workload.secretName,
        identities: sources,
        secretProviderClass: this.secretProviderClass,
        requires: [
          this.identityVault.secretRead,
          ...keyVault.secrets.filter((s) => s.secretName === team.workload!.secretName).flatMap((s) => (s.resource ? [s.resource] : [])),
        ],
        replicas: team.workload.replicas,
        images: team.workload.images,
        provider: kubernetes,
      });
      const ns = this.workload.namespaceResource;
      if (ns && team.adopt) ns.importFrom(team.namespace);
      if (ns) {
        this.binding?.addDependency(ns);
        if (this.federation?.serviceAccount) this.federation.serviceAccount.dependsOn = [dependable(ns)];
        if (this.secretProviderClass) this.secretProviderClass.manifest.dependsOn = [dependable(ns)];
      }
    }
  }
}
