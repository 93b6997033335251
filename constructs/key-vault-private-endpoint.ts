import { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { PrivateEndpoint } from "@cdktf/provider-azurerm/lib/private-endpoint";
import { Checker, Rules } from "./validation";

/** Props of {@link KeyVaultPrivateEndpoint}. */
export interface KeyVaultPrivateEndpointProps {
  /** ARM ID of the vault. */
  readonly keyVaultId: string;
  /** Name of the vault (the endpoint is named `pe-<vault>`). */
  readonly vaultName: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** ARM ID of the subnet the endpoint's NIC goes into (a subnet the AKS nodes and the deployer can reach). */
  readonly subnetId: string;
  /** ARM ID of the `privatelink.vaultcore.azure.net` private DNS zone linked to the cluster's VNet. */
  readonly privateDnsZoneId: string;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

const ARM_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/.+/i;

/**
 * A private endpoint for a vault (sub-resource `vault`) with its private DNS zone group, so
 * `<vault>.vault.azure.net` resolves to the private IP inside the linked VNets. The vault
 * then turns public network access off.
 */
export class KeyVaultPrivateEndpoint extends Construct {
  /** The azurerm_private_endpoint. */
  public readonly resource: PrivateEndpoint;

  constructor(scope: Construct, id: string, props: KeyVaultPrivateEndpointProps) {
    super(scope, id);
    const check = new Checker(this.node.path);
    check.check("location", props.location, Rules.location);
    for (const field of ["subnetId", "privateDnsZoneId"] as const) {
      const v = props[field];
      if (typeof v !== "string" || !ARM_ID.test(v))
        check.add(
          field,
          v,
          "is not an ARM resource ID",
          `copy it from az ${field === "subnetId" ? "network vnet subnet show" : "network private-dns zone show"} --query id`,
        );
    }
    if (
      typeof props.privateDnsZoneId === "string" &&
      !/\/privateDnsZones\/privatelink\.vaultcore\.azure\.net$/i.test(props.privateDnsZoneId)
    ) {
      check.add(
        "privateDnsZoneId",
        props.privateDnsZoneId,
        "is not a privatelink.vaultcore.azure.net zone",
        "use the private DNS zone privatelink.vaultcore.azure.net",
      );
    }
    check.throwIfAny();
    this.resource = new PrivateEndpoint(this, "Resource", {
      name: `pe-${props.vaultName}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      subnetId: props.subnetId,
      privateServiceConnection: {
        name: `psc-${props.vaultName}`,
        privateConnectionResourceId: props.keyVaultId,
        subresourceNames: ["vault"],
        isManualConnection: false,
      },
      privateDnsZoneGroup: { name: "vaultcore", privateDnsZoneIds: [props.privateDnsZoneId] },
      tags: props.tags ? { ...props.tags } : undefined,
      provider: props.provider,
    });
  }
}
