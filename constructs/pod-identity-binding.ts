import { Construct } from "constructs";
import { dependable, type ITerraformDependable, type TerraformProvider } from "cdktf";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import type { IManagedIdentity } from "./managed-identity";
import type { IPodIdentitySource } from "./principal";
import { Checker, Rules, requireProps, MISSING_PROP_FIXES as FIX } from "./validation";
import {
  AAD_POD_IDENTITY_API_VERSION,
  AadPodIdentityKinds,
  POD_IDENTITY_BEHAVIOR_ANNOTATION,
  POD_IDENTITY_LABEL,
  USER_ASSIGNED_MSI,
} from "./facts";

/** Props of {@link PodIdentityBinding}. */
export interface PodIdentityBindingProps {
  /** The app identity (`resourceID`, `clientID`). */
  readonly identity: IManagedIdentity;
  /** Namespace of the app; the CRs are created there. */
  readonly namespace: string;
  /** `AzureIdentity` name. */
  readonly azureIdentityName: string;
  /** `AzureIdentityBinding` name. */
  readonly bindingName: string;
  /** `AzureIdentityBinding.spec.selector`; pods carry it as label `aadpodidbinding`. */
  readonly selector: string;
  /**
   * The grants MIC and the app need before any pod is bound: the Managed Identity
   * Operator assignment (step 3) and the vault read grant (step 4). At least one is required.
   */
  readonly requires: readonly ITerraformDependable[];
  /**
   * Annotate the AzureIdentity `aadpodidentity.k8s.io/Behavior: namespaced`, so only pods
   * in its namespace can match it.
   * @default true
   */
  readonly namespaced?: boolean;
  /** @default - the stack's default kubernetes provider */
  readonly provider?: TerraformProvider;
}

/**
 * Guide step 5: the `AzureIdentity` (type 0, `resourceID`, `clientID`) and
 * `AzureIdentityBinding` (`azureIdentity`, `selector`) custom resources, as
 * `kubernetes_manifest`. Field names are written exactly as the CRD spells them: the
 * schema is structural, so a mis-cased field is silently pruned and MIC then logs
 * `Invalid resource id: ""`.
 *
 * Both resources depend on the grants, so MIC never meets the missing-permission
 * errors the guide quotes. Workloads take {@link podLabels} from here.
 */
export class PodIdentityBinding extends Construct implements IPodIdentitySource {
  public readonly namespace: string;
  public readonly selector: string;
  public readonly podLabels: Readonly<Record<string, string>>;
  public readonly azureIdentity: Manifest;
  public readonly binding: Manifest;

  constructor(scope: Construct, id: string, props: PodIdentityBindingProps) {
    requireProps(scope, id, props, {
      identity: FIX.identity,
      requires: "pass what the binding waits for, e.g. [identity.grantOperator(cluster)] (may be [])",
    });
    super(scope, id);
    const check = new Checker(this.node.path);
    check.check("namespace", props.namespace, Rules.namespace);
    check.check("azureIdentityName", props.azureIdentityName, Rules.objectName);
    check.check("bindingName", props.bindingName, Rules.objectName);
    // Known at synth only for identities given by ID; MIC accepts no other form.
    check.check("identity.identityId", props.identity.identityId, Rules.identityResourceId);
    check.check("identity.clientId", props.identity.clientId, Rules.guid);
    if (check.check("selector", props.selector, Rules.labelValue) && props.selector === "") {
      check.add(
        "selector",
        props.selector,
        "is empty",
        `give a selector such as bind-user-identity-keyvault; pods carry it as label ${POD_IDENTITY_LABEL}`,
      );
    }
    if (props.requires.length === 0) {
      check.add(
        "requires",
        [],
        "is empty: the binding would be created before the identity grants and MIC would log LinkedAuthorizationFailed",
        "pass identity.grantOperator(cluster) and vault.grantSecretRead(identity)",
      );
    }
    check.throwIfAny();

    this.namespace = props.namespace;
    this.selector = props.selector;
    this.podLabels = { [POD_IDENTITY_LABEL]: props.selector };
    const dependsOn = [...props.requires];
    const annotations = props.namespaced === false ? undefined : { [POD_IDENTITY_BEHAVIOR_ANNOTATION]: "namespaced" };

    this.azureIdentity = new Manifest(this, "AzureIdentity", {
      manifest: {
        apiVersion: AAD_POD_IDENTITY_API_VERSION,
        kind: AadPodIdentityKinds.AzureIdentity.kind,
        metadata: { name: props.azureIdentityName, namespace: props.namespace, ...(annotations ? { annotations } : {}) },
        spec: {
          type: USER_ASSIGNED_MSI,
          resourceID: props.identity.identityId,
          clientID: props.identity.clientId,
        },
      },
      dependsOn,
      provider: props.provider,
    });
    this.binding = new Manifest(this, "AzureIdentityBinding", {
      manifest: {
        apiVersion: AAD_POD_IDENTITY_API_VERSION,
        kind: AadPodIdentityKinds.AzureIdentityBinding.kind,
        metadata: { name: props.bindingName, namespace: props.namespace },
        spec: { azureIdentity: props.azureIdentityName, selector: props.selector },
      },
      dependsOn: [...dependsOn, this.azureIdentity],
      provider: props.provider,
    });
  }

  public get dependables(): readonly ITerraformDependable[] {
    return [this.azureIdentity, this.binding];
  }

  /** Makes both custom resources wait for `deps` too (e.g. the namespace). */
  public addDependency(...deps: ITerraformDependable[]): void {
    for (const m of [this.azureIdentity, this.binding]) {
      for (const d of deps) m.dependsOn = [...(m.dependsOn ?? []), dependable(d)];
    }
  }
}
