import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { TerraformStack, Testing } from "cdktf";
import { ImportBlock } from "../constructs/import-block";

const IDENTITY_ID =
  "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-aad-user-identity";

/** A stack with an identity and a namespace, each imported by `adopt` (with the identity's provider given when `withProvider`). */
function stackWith(adopt: "importFrom" | "ImportBlock", withProvider = false): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "apps");
  const azurerm = new AzurermProvider(stack, "azurerm", { features: [{}], alias: "cluster" });
  new KubernetesProvider(stack, "kubernetes", {});
  const identity = new UserAssignedIdentity(stack, "Identity", {
    name: "aks-aad-user-identity",
    resourceGroupName: "rg-westus2-shared",
    location: "westus2",
    provider: azurerm,
  });
  const ns = new NamespaceV1(stack, "Namespace", { metadata: { name: "aad-pod-identity-poc" } });
  const provider = withProvider ? azurerm : undefined;
  if (adopt === "importFrom") {
    identity.importFrom(IDENTITY_ID, provider);
    ns.importFrom("aad-pod-identity-poc");
  } else {
    ImportBlock.into(identity, IDENTITY_ID, provider);
    ImportBlock.into(ns, "aad-pod-identity-poc");
  }
  return stack;
}

describe.each([false, true])("GIVEN two adopted resources (import provider given: %s)", (withProvider) => {
  // No validations here: importFrom's would run `terraform version`, a program this unit test does not start.
  test("WHEN synthesized to JSON THEN ImportBlock writes the same bytes as cdktf's importFrom", () => {
    const ours = Testing.synth(stackWith("ImportBlock", withProvider));
    expect(ours).toBe(Testing.synth(stackWith("importFrom", withProvider)));
    const imports = (JSON.parse(ours) as { import: { to: string; id: string; provider?: string }[] }).import;
    expect(imports).toEqual([
      {
        to: "azurerm_user_assigned_identity.Identity",
        id: IDENTITY_ID,
        ...(withProvider ? { provider: "azurerm.cluster" } : {}),
      },
      { to: "kubernetes_namespace_v1.Namespace", id: "aad-pod-identity-poc" },
    ]);
  });

  test("WHEN exported to HCL (cdktf synth --hcl) THEN ImportBlock writes the same text and metadata as cdktf's importFrom", () => {
    const [ours, theirs] = [stackWith("ImportBlock", withProvider), stackWith("importFrom", withProvider)];
    const hcl = Testing.synthHcl(ours) as string;
    expect(hcl).toBe(Testing.synthHcl(theirs));
    expect(Testing.synthHcl(ours, false, true)).toEqual(Testing.synthHcl(theirs, false, true));
    expect(hcl).toContain(`import {\nto = azurerm_user_assigned_identity.Identity\nid = "${IDENTITY_ID}"`);
  });

  test("WHEN the stack renders its JSON with metadata THEN both list the two resources as imported, the same way", () => {
    const ours = stackWith("ImportBlock", withProvider).toTerraform() as { "//": { metadata: { imports: unknown } } };
    expect(ours).toEqual(stackWith("importFrom", withProvider).toTerraform());
    expect(ours["//"].metadata.imports).toEqual({ azurerm_user_assigned_identity: ["Identity"], kubernetes_namespace_v1: ["Namespace"] });
  });
});

test("GIVEN ImportBlock WHEN synthesized with validations on and no terraform on PATH THEN the synth passes: no `terraform version` run, no error", () => {
  const stack = stackWith("ImportBlock");
  const path = process.env.PATH;
  process.env.PATH = "";
  try {
    expect(JSON.parse(Testing.synth(stack, true))).toHaveProperty("import");
  } finally {
    process.env.PATH = path;
  }
});

test("GIVEN ImportBlock THEN its address is the resource's, and it sits under the resource", () => {
  const block = stackWith("ImportBlock")
    .node.findAll()
    .find((c): c is ImportBlock => c instanceof ImportBlock)!;
  expect(block.to).toBe("azurerm_user_assigned_identity.Identity");
  expect(block.node.path).toBe("apps/Identity/Import");
});
