import { Construct, type IConstruct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { DataAzurermUserAssignedIdentity } from "@cdktf/provider-azurerm/lib/data-azurerm-user-assigned-identity";
import type { IAksCluster } from "./aks-cluster";
import type { IPrincipal } from "./principal";
import { ManagedIdentityOperatorAssignment } from "./managed-identity-operator-assignment";
import { Checker, Rules, requireArgument, MISSING_PROP_FIXES as FIX } from "./validation";

/** A user-assigned managed identity, created here or imported. */
export interface IManagedIdentity extends IPrincipal, IConstruct {
  /** Name of the identity. */
  readonly name: string;
  readonly resourceGroupName: string;
  readonly subscriptionId: string;
  /** ARM resource ID (`AzureIdentity.spec.resourceID`). */
  readonly identityId: string;
  /** Client (application) ID (`AzureIdentity.spec.clientID`). */
  readonly clientId: string;
  /** The azurerm provider (subscription) of the identity; grants on it use the same one. */
  readonly provider?: TerraformProvider;
  /**
   * Guide step 3: lets the cluster's kubelet identity assign this identity to the nodes
   * (*Managed Identity Operator*, scoped to this identity only).
   */
  grantOperator(cluster: IAksCluster): ManagedIdentityOperatorAssignment;
}

/** Props of {@link ManagedIdentity}. */
export interface ManagedIdentityProps {
  /** 3–128 characters. */
  readonly name: string;
  readonly resourceGroupName: string;
  /** Lower-case region, e.g. `westus2`. */
  readonly location: string;
  /** Subscription the identity lives in (the default provider's). */
  readonly subscriptionId: string;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * `lifecycle.prevent_destroy`: deleting the identity breaks every grant and binding that uses it.
   * @default false
   */
  readonly preventDestroy?: boolean;
  /** @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

/** Props of {@link ManagedIdentity.fromIdentityAttributes}: an identity known by its IDs. */
export interface ManagedIdentityAttributes {
  /** ARM ID in MIC's form: `/subscriptions/…/resourcegroups/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/…`. */
  readonly identityId: string;
  readonly clientId: string;
  readonly principalId: string;
  readonly tenantId: string;
}

/** Props of {@link ManagedIdentity.fromExisting}. */
export interface ExistingManagedIdentityProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly subscriptionId: string;
  /** @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

/** Checks the name, group and subscription of a created or looked-up identity. */
function checkNameGroupSubscription(
  path: string,
  props: { name: string; resourceGroupName: string; subscriptionId: string; location?: string },
): void {
  const check = new Checker(path);
  check.check("name", props.name, Rules.identityName);
  check.check("resourceGroupName", props.resourceGroupName, Rules.resourceGroupName);
  if ("location" in props) check.check("location", props.location, Rules.location);
  check.check("subscriptionId", props.subscriptionId, Rules.guid);
  check.throwIfAny();
}

/**
 * What created, looked-up and by-attribute identities share: the grants. Each subclass sets the
 * abstract members in its constructor, once its props are checked (the same pattern as KeyVault).
 */
abstract class ManagedIdentityBase extends Construct implements IManagedIdentity {
  public abstract readonly name: string;
  public abstract readonly resourceGroupName: string;
  public abstract readonly subscriptionId: string;
  public abstract readonly identityId: string;
  public abstract readonly clientId: string;
  public abstract readonly principalId: string;
  public abstract readonly tenantId: string;
  public abstract readonly provider?: TerraformProvider;
  public readonly principalType = "ServicePrincipal" as const;

  public get grantScope(): IConstruct {
    return this;
  }

  public grantOperator(cluster: IAksCluster): ManagedIdentityOperatorAssignment {
    requireArgument(this, "grantOperator", "cluster", cluster, FIX.cluster);
    return new ManagedIdentityOperatorAssignment(this, `OperatorFor${cluster.node.id}`, { identity: this, cluster });
  }
}

/** Guide step 1: a user-assigned managed identity for an app. */
export class ManagedIdentity extends ManagedIdentityBase {
  /** Imports an existing identity (data source; read at plan time). */
  public static fromExisting(scope: Construct, id: string, props: ExistingManagedIdentityProps): IManagedIdentity {
    return new ExistingManagedIdentity(scope, id, props);
  }

  /**
   * References an identity by its IDs (no lookup at plan time), e.g. from `az identity show`.
   * The resource ID must be in the form MIC accepts, or pods would never get a token.
   */
  public static fromIdentityAttributes(scope: Construct, id: string, attrs: ManagedIdentityAttributes): IManagedIdentity {
    return new IdentityFromAttributes(scope, id, attrs);
  }

  public readonly name: string;
  public readonly resourceGroupName: string;
  public readonly subscriptionId: string;
  public readonly identityId: string;
  public readonly clientId: string;
  public readonly principalId: string;
  public readonly tenantId: string;
  public readonly provider?: TerraformProvider;
  /** The azurerm_user_assigned_identity. */
  public readonly resource: UserAssignedIdentity;

  constructor(scope: Construct, id: string, props: ManagedIdentityProps) {
    super(scope, id);
    checkNameGroupSubscription(this.node.path, props);
    this.resource = new UserAssignedIdentity(this, "Resource", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tags: props.tags ? { ...props.tags } : undefined,
      provider: props.provider,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.name = props.name;
    this.resourceGroupName = props.resourceGroupName;
    this.subscriptionId = props.subscriptionId;
    this.provider = props.provider;
    this.identityId = this.resource.id;
    this.clientId = this.resource.clientId;
    this.principalId = this.resource.principalId;
    this.tenantId = this.resource.tenantId;
  }
}

class ExistingManagedIdentity extends ManagedIdentityBase {
  public readonly name: string;
  public readonly resourceGroupName: string;
  public readonly subscriptionId: string;
  public readonly identityId: string;
  public readonly clientId: string;
  public readonly principalId: string;
  public readonly tenantId: string;
  public readonly provider?: TerraformProvider;

  constructor(scope: Construct, id: string, props: ExistingManagedIdentityProps) {
    super(scope, id);
    checkNameGroupSubscription(this.node.path, props);
    const data = new DataAzurermUserAssignedIdentity(this, "Lookup", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      provider: props.provider,
    });
    this.name = props.name;
    this.resourceGroupName = props.resourceGroupName;
    this.subscriptionId = props.subscriptionId;
    this.provider = props.provider;
    this.identityId = data.id;
    this.clientId = data.clientId;
    this.principalId = data.principalId;
    this.tenantId = data.tenantId;
  }
}

class IdentityFromAttributes extends ManagedIdentityBase {
  public readonly name: string;
  public readonly resourceGroupName: string;
  public readonly subscriptionId: string;
  public readonly identityId: string;
  public readonly clientId: string;
  public readonly principalId: string;
  public readonly tenantId: string;
  public readonly provider?: TerraformProvider = undefined;

  constructor(scope: Construct, id: string, attrs: ManagedIdentityAttributes) {
    super(scope, id);
    const check = new Checker(this.node.path);
    check.check("identityId", attrs.identityId, Rules.identityResourceId);
    check.check("clientId", attrs.clientId, Rules.guid);
    check.check("principalId", attrs.principalId, Rules.guid);
    check.check("tenantId", attrs.tenantId, Rules.guid);
    check.throwIfAny();
    // /subscriptions/<sub>/resourcegroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>
    const parts = attrs.identityId.split("/");
    this.subscriptionId = parts[2];
    this.resourceGroupName = parts[4];
    this.name = parts[8];
    this.identityId = attrs.identityId;
    this.clientId = attrs.clientId;
    this.principalId = attrs.principalId;
    this.tenantId = attrs.tenantId;
  }
}
