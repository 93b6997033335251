import { KeyVaultPrivateEndpoint, type KeyVaultPrivateEndpointProps } from "../constructs/key-vault-private-endpoint";
import { newStack, onlyResource, synth, validationErrorOf } from "./support/synth";

const SUBNET =
  "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-shared/providers/Microsoft.Network/virtualNetworks/vnet-shared/subnets/snet-private-endpoints";
const ZONE =
  "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net";
const PROPS: KeyVaultPrivateEndpointProps = {
  keyVaultId:
    "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-shared/providers/Microsoft.KeyVault/vaults/kv-westus2-aks",
  vaultName: "kv-westus2-aks",
  location: "westus2",
  resourceGroupName: "rg-westus2-shared",
  subnetId: SUBNET,
  privateDnsZoneId: ZONE,
};

describe("KeyVaultPrivateEndpoint", () => {
  test("GIVEN a subnet and the privatelink.vaultcore.azure.net zone WHEN synthesized THEN one endpoint on sub-resource vault, with the zone group, automatic approval", () => {
    const { stack } = newStack();
    new KeyVaultPrivateEndpoint(stack, "Pe", { ...PROPS, tags: { team: "poc" } });
    const pe = onlyResource(synth(stack), "azurerm_private_endpoint");
    expect(pe).toMatchObject({
      name: "pe-kv-westus2-aks",
      location: "westus2",
      resource_group_name: "rg-westus2-shared",
      subnet_id: SUBNET,
      tags: { team: "poc" },
    });
    expect(pe.private_service_connection).toEqual({
      name: "psc-kv-westus2-aks",
      private_connection_resource_id: PROPS.keyVaultId,
      subresource_names: ["vault"],
      is_manual_connection: false,
    });
    expect(pe.private_dns_zone_group).toEqual({ name: "vaultcore", private_dns_zone_ids: [ZONE] });
  });

  test("GIVEN a subnet that is not an ARM ID and a DNS zone of another service WHEN created THEN both are reported at once, with the fix", () => {
    const { stack } = newStack();
    const err = validationErrorOf(
      () =>
        new KeyVaultPrivateEndpoint(stack, "Pe", {
          ...PROPS,
          subnetId: "snet-private-endpoints",
          privateDnsZoneId: ZONE.replace("vaultcore", "blob.core.windows"),
        }),
    );
    expect(err.issues.map((i) => [i.field, i.problem])).toEqual([
      ["subnetId", "is not an ARM resource ID"],
      ["privateDnsZoneId", "is not a privatelink.vaultcore.azure.net zone"],
    ]);
    expect(err.issues[0].fix).toContain("az network vnet subnet show");
  });
});
