/**
 * Access summary and default protected types, on a plan of azurerm and kubernetes resources.
 * The fixture is derived from a real terraform_data plan (fixtures/plans/derive.js): types and
 * values changed, actions, unknown/sensitive marks and references kept.
 */
import { join } from "path";
import { analysePlan, DEFAULT_PROTECTED_TYPES, guardRules } from "../tools/plan-report/analyse";
import { cli } from "../tools/plan-report/cli";
import { readInput } from "../tools/plan-report/parse";
import { accessGraph } from "../tools/plan-report/render";
import { roleName } from "../tools/plan-report/roles";
import { AccessChange, StackReport } from "../tools/plan-report/types";
import { runCli } from "./fixtures/plans/capture";

const FIXTURE = join(__dirname, "fixtures", "plans", "dev-test-apps.plan.json");
const ROLES = "/subscriptions/99a3af26-0000-4000-8000-000000000001/providers/Microsoft.Authorization/roleDefinitions";
const KUBELET = "5b1c2e0a-0000-4000-8000-00000000000a";
const VAULT =
  "/subscriptions/99a3af26-0000-4000-8000-000000000001/resourceGroups/rg-westus2-shared/providers/Microsoft.KeyVault/vaults/kv-payments-dev";

function analyse(allow: string[] = []): StackReport {
  const input = readInput(FIXTURE);
  if (input.kind !== "plan") throw new Error("fixture is not a plan");
  return analysePlan(input.plan, "dev-test-apps", FIXTURE, guardRules({ allow }));
}

function accessOf(address: string): AccessChange[] {
  return analyse().access.filter((a) => a.address === address);
}

describe("default protected types", () => {
  test("GIVEN the defaults THEN vault, secret, identity, role assignment, access policy, federated credential and kubernetes_manifest are protected", () => {
    expect(DEFAULT_PROTECTED_TYPES).toEqual(
      expect.arrayContaining([
        "azurerm_key_vault",
        "azurerm_key_vault_secret",
        "azurerm_user_assigned_identity",
        "azurerm_role_assignment",
        "azurerm_federated_identity_credential",
        "kubernetes_manifest",
        "azurerm_key_vault_access_policy",
      ]),
    );
  });

  test("GIVEN a plan that replaces the identity and deletes a role assignment, an access policy and a binding THEN exactly those block", () => {
    const stack = analyse();
    expect(stack.protectedChanges.map((p) => [p.action, p.address, p.protectedBy])).toEqual([
      ["delete", "kubernetes_manifest.binding", "kubernetes_manifest"],
      ["replace", "azurerm_user_assigned_identity.app", "azurerm_user_assigned_identity"],
      ["delete", "azurerm_role_assignment.node_rg_reader", "azurerm_role_assignment"],
      ["delete", "azurerm_key_vault_access_policy.old_team", "azurerm_key_vault_access_policy"],
    ]);
    // Creates and in-place updates of protected types (new role assignments, the secret's value) do not block.
    expect(stack.protectedChanges.map((p) => p.address)).not.toContain("azurerm_key_vault_secret.db_password");
    expect(stack.protectedChanges.find((p) => p.address === "azurerm_user_assigned_identity.app")?.replacePaths).toEqual(["location"]);
  });

  test("GIVEN an allow glob for azurerm_* addresses THEN only the kubernetes_manifest delete still blocks", () => {
    const blocked = analyse(["azurerm_*"]).protectedChanges.filter((p) => !p.allowedBy);
    expect(blocked.map((p) => p.address)).toEqual(["kubernetes_manifest.binding"]);
  });

  test("WHEN run from the command line THEN exit 1 and the caution block lists the four changes first", async () => {
    const run = await runCli(cli, [FIXTURE], { PLAN_REPORT_ALLOW_DESTROY: undefined });
    expect(run.code).toBe(1);
    const caution = run.stdout.indexOf("> [!CAUTION]");
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(run.stdout.indexOf("### `dev-test-apps`"));
    expect(run.stdout).toContain("**4 protected resources would be deleted or replaced.");
  });
});

describe("access summary", () => {
  test("GIVEN a new role assignment on an identity being replaced THEN the scope shows the reference known after apply", () => {
    expect(accessOf("azurerm_role_assignment.kubelet_mio")).toEqual([
      {
        change: "added",
        kind: "role-assignment",
        address: "azurerm_role_assignment.kubelet_mio",
        principal: KUBELET,
        grant: "Managed Identity Operator",
        scope: "(known after apply: azurerm_user_assigned_identity.app.id)",
      },
    ]);
  });

  test("GIVEN a role for a principal not yet created THEN the principal is the identity's address, the role its name from the GUID", () => {
    expect(accessOf("azurerm_role_assignment.app_secrets_user")).toEqual([
      expect.objectContaining({
        change: "added",
        principal: "(known after apply: azurerm_user_assigned_identity.app.principal_id)",
        grant: "Key Vault Secrets User",
        scope: VAULT,
      }),
    ]);
  });

  test("GIVEN a deleted role assignment THEN it shows as removed, with principal, role and scope", () => {
    expect(accessOf("azurerm_role_assignment.node_rg_reader")).toEqual([
      expect.objectContaining({
        change: "removed",
        principal: KUBELET,
        grant: "Reader",
        scope: "/subscriptions/7e242177-0000-4000-8000-000000000002/resourceGroups/MC_rg-aks-poc-container-westus2",
      }),
    ]);
  });

  test("GIVEN access policies THEN permissions show as a grant, updates with before → after, sensitive principals hidden", () => {
    expect(accessOf("azurerm_key_vault_access_policy.kubelet")).toEqual([
      expect.objectContaining({
        change: "updated",
        principal: KUBELET,
        previousGrant: "secrets: Get, List, Set",
        grant: "secrets: Get, List",
        scope: VAULT,
      }),
    ]);
    expect(accessOf("azurerm_key_vault_access_policy.old_team")).toEqual([
      expect.objectContaining({ change: "removed", kind: "access-policy", principal: "(sensitive)", grant: "secrets: Get" }),
    ]);
  });

  test("WHEN rendered THEN the Markdown has the table and a Mermaid graph, and no sensitive value", async () => {
    const md = (await runCli(cli, [FIXTURE], { PLAN_REPORT_ALLOW_DESTROY: undefined })).stdout;
    expect(md).toContain("| change | principal | role / permissions | scope | resource |");
    expect(md).toContain("| updated | `5b1c2e0a-0000-4000-8000-00000000000a` | secrets: Get, List, Set → secrets: Get, List |");
    expect(md).toContain("```mermaid\nflowchart LR");
    expect(md).toContain('-->|"added: Key Vault Secrets User"|');
    expect(md).toContain('-.->|"removed: Reader"|');
    // the secret's value and the sensitive object ID are in the fixture, never in the report
    expect(md).not.toContain("hunter2");
    expect(md).not.toContain("0d7e9f31");
  });

  test("GIVEN labels with quotes, angle brackets, pipes and backticks THEN the Mermaid labels are escaped", () => {
    const graph = accessGraph([
      {
        change: "added",
        kind: "role-assignment",
        address: "a.b",
        principal: 'x"<y>|`z`',
        grant: "Reader",
        scope: "/subscriptions/s/resourceGroups/rg",
      },
    ]).join("\n");
    expect(graph).toContain('p0("x#quot;#lt;y#gt;#124;#96;z#96;")');
    expect(graph).toContain('s1["resourceGroups/rg"]');
  });

  test("GIVEN role definition IDs THEN built-in GUIDs map to names and others stay GUIDs", () => {
    expect(roleName(`${ROLES}/9980e02c-c2be-4d73-94e8-173b1dc7cf3c`)).toBe("Virtual Machine Contributor");
    expect(roleName("F1A07417-D97A-45CB-824C-7A7467783830")).toBe("Managed Identity Operator");
    expect(roleName(`${ROLES}/00000000-1111-2222-3333-444444444444`)).toBe("00000000-1111-2222-3333-444444444444");
  });
});
