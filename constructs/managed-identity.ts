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

/** What every identity reference exposes (IDs are tokens until deploy time, except by attributes). */
interface IdentityValues {
  readonly provider?: TerraformProvider;
  readonly name: string;
  readonly resourceGroupName: string;
  readonly subscriptionId: string;
  readonly identityId: string;
  readonly clientId: string;
  readonly principalId: string;
  readonly tenantId: string;
}

/** Checks the name, group and subscription of a created or looked-up identity. */
function checkNameGroupSubscription(
  check: Checker,
  props: { name: string; resourceGroupName: string; subscriptionId: string; location?: string },
): void {
  check.check("name", props.name, Rules.identityName);
  check.check("resourceGroupName", props.resourceGroupName, Rules.resourceGroupName);
  if ("location" in props) check.check("location", props.location, Rules.location);
  check.check("subscriptionId", props.subscriptionId, Rules.guid);
}

abstract class ManagedIdentityBase extends Construct implements IManagedIdentity {
  public readonly name: string;
  public readonly resourceGroupName: string;
  public readonly subscriptionId: string;
  public readonly identityId: string;
  public readonly clientId: string;
  public readonly principalId: string;
  public readonly tenantId: string;
  public readonly provider?: TerraformProvider;
  public readonly principalType = "ServicePrincipal" as const;

  /** `values` is called once the subclass's checks passed and its resources exist. */
  protected constructor(scope: Construct, id: string, values: (self: Construct) => IdentityValues) {
    super(scope, id);
    const v = values(this);
    this.name = v.name;
    this.resourceGroupName = v.resourceGroupName;
    this.subscriptionId = v.subscriptionId;
    this.identityId = v.identityId;
    this.clientId = v.clientId;
    this.principalId = v.principalId;
    this.tenantId = v.tenantId;
    this.provider = v.provider;
  }

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

  /** The azurerm_user_assigned_identity. */
  public readonly resource: UserAssignedIdentity;

  constructor(scope: Construct, id: string, props: ManagedIdentityProps) {
    let resource!: UserAssignedIdentity;
    super(scope, id, (self) => {
      const check = new Checker(self.node.path);
      checkNameGroupSubscription(check, props);
      check.throwIfAny();
      resource = new UserAssignedIdentity(self, "Resource", {
        name: props.name,
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        tags: props.tags ? { ...props.tags } : undefined,
        provider: props.provider,
        lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
      });
      const { name, resourceGroupName, subscriptionId, provider } = props;
      const { id: identityId, clientId, principalId, tenantId } = resource;
      return { name, resourceGroupName, subscriptionId, identityId, clientId, principalId, tenantId, provider };
    });
    this.resource = resource;
  }
}

class ExistingManagedIdentity extends ManagedIdentityBase {
  constructor(scope: Construct, id: string, props: ExistingManagedIdentityProps) {
    super(scope, id, (self) => {
      const check = new Checker(self.node.path);
      checkNameGroupSubscription(check, props);
      check.throwIfAny();
      const data = new DataAzurermUserAssignedIdentity(self, "Lookup", {
        name: props.name,
        resourceGroupName: props.resourceGroupName,
        provider: props.provider,
      });
      const { name, resourceGroupName, subscriptionId, provider } = props;
      const { id: identityId, clientId, principalId, tenantId } = data;
      return { name, resourceGroupName, subscriptionId, identityId, clientId, principalId, tenantId, provider };
    });
  }
}

class IdentityFromAttributes extends ManagedIdentityBase {
  constructor(scope: Construct, id: string, attrs: ManagedIdentityAttributes) {
    super(scope, id, (self) => {
      const check = new Checker(self.node.path);
      check.check("identityId", attrs.identityId, Rules.identityResourceId);
      check.check("clientId", attrs.clientId, Rules.guid);
      check.check("principalId", attrs.principalId, Rules.guid);
      check.check("tenantId", attrs.tenantId, Rules.guid);
      check.throwIfAny();
      // /subscriptions/<sub>/resourcegroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>
      const parts = attrs.identityId.split("/");
      return { ...attrs, subscriptionId: parts[2], resourceGroupName: parts[4], name: parts[8] };
    });
  }
}
