// tools/adopt on recorded `az` JSON (test/fixtures/az, see its README): what the guide made by
// hand in Dev/Test, matched against the synthesized stacks of the real config.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { Testing } from "cdktf";
import { platform } from "../config/environments";
import { buildPlatform } from "../stacks/platform";
import { adoptionPlan, AdoptError, type SynthesizedStack } from "../tools/adopt/plan";
import type { Json } from "./support/json";

const ROOT = path.resolve(__dirname, "..");
const AZ = path.join(__dirname, "fixtures", "az");
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(AZ, f), "utf8"));
const vault = read("keyvault-show.json");
const identity = read("identity-show.json");
const roles = [...read("role-assignment-list-app.json"), ...read("role-assignment-list-cluster.json")];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt."));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stacks: SynthesizedStack[] = buildPlatform(Testing.app(), platform, { vars: {}, environments: ["dev-test"] }).map((s) => ({
  name: s.node.id,
  json: JSON.parse(Testing.synth(s, true)),
}));
for (const s of stacks) {
  fs.mkdirSync(path.join(dir, "cdktf.out", "stacks", s.name), { recursive: true });
  fs.writeFileSync(path.join(dir, "cdktf.out", "stacks", s.name, "cdk.tf.json"), JSON.stringify(s.json));
}
const addressOf = (stack: string, type: string, pred: (r: Json) => boolean) =>
  `${type}.${Object.entries<Json>(stacks.find((s) => s.name === stack)!.json.resource![type]).find(([, r]) => pred(r))![0]}`;

describe("GIVEN the guide's Dev/Test resources, saved with az … -o json, and the synthesized Dev/Test stacks", () => {
  const out = adoptionPlan({ vault, identity, roles, stacks, synthDir: "cdktf.out" }).join("\n");

  test("WHEN planned THEN the vault's config values keep it as it is: purge protection off (null in az output), 90 days, access policies, public", () => {
    expect(out).toContain(
      '  purgeProtection: false, // off today; true would switch it on for good\n  softDeleteRetentionDays: 90,\n  rbacAuthorization: false,\n  network: { kind: "public" },',
    );
  });

  test("WHEN planned THEN the identity's Get/List access policy is imported to the stack's read grant, by <vault id>/objectId/<principal>", () => {
    const address = addressOf("dev-test-apps", "azurerm_key_vault_access_policy", (r) =>
      String(r.object_id).includes("azurerm_user_assigned_identity"),
    );
    expect(out).toContain(
      `terraform -chdir=cdktf.out/stacks/dev-test-apps import '${address}' '${vault.id}/objectId/bfcf34d4-cde4-48dd-b7d7-6c3db4ff884c'`,
    );
  });

  test("WHEN planned THEN the three hand-made role assignments map to the stacks' grants (step 3 in apps, step 7 in cluster-admin), with import IDs and the replace they cause", () => {
    const mio = addressOf("dev-test-apps", "azurerm_role_assignment", (r) =>
      String(r.role_definition_id).endsWith("f1a07417-d97a-45cb-824c-7a7467783830"),
    );
    expect(out).toContain(`terraform -chdir=cdktf.out/stacks/dev-test-apps import '${mio}' '${roles[0].id}'`);
    expect(out).toContain(
      `terraform -chdir=cdktf.out/stacks/dev-test-cluster-admin import 'azurerm_role_assignment.NodeResourceGroupRoles_Reader_B969D001' '${roles[2].id}'`,
    );
    expect(out).toContain(
      `terraform -chdir=cdktf.out/stacks/dev-test-cluster-admin import 'azurerm_role_assignment.NodeResourceGroupRoles_VirtualMachineContributor_3226D7CF' '${roles[3].id}'`,
    );
    expect(out.match(/then the plan replaces it/g)).toHaveLength(3);
  });

  test("WHEN planned THEN what the stacks do not manage is left alone: the engineer's access policy and Contributor assignment", () => {
    expect(out).toContain("  not managed by these stacks: 6a1f3c2e-58d4-4b7a-9e0c-2d5f8a7b1c34, secrets all;");
    expect(out).toContain(
      "  not managed by these stacks: Contributor for platform.engineer@example.org on /subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-shared; leave it",
    );
    expect(out.match(/ import '/g)).toHaveLength(4);
  });

  test("WHEN the hand-made operator grant is for another principal THEN it is not mapped to the stack's grant", () => {
    const other = { ...roles[0], principalId: "11111111-2222-4333-8444-555555555555", principalName: "someone-else" };
    // The stack's MIO principal is the agent pool (literal in Dev/Test): a different principal is not ours.
    expect(adoptionPlan({ vault, identity, roles: [other], stacks }).join("\n")).toContain(
      "not managed by these stacks: Managed Identity Operator for someone-else",
    );
  });

  test("WHEN the vault has purge protection on, RBAC and a firewall THEN the config values say so", () => {
    const v = {
      ...vault,
      properties: {
        ...vault.properties,
        enablePurgeProtection: true,
        enableRbacAuthorization: true,
        networkAcls: {
          defaultAction: "Deny",
          ipRules: [{ value: "203.0.113.0/28" }],
          virtualNetworkRules: [{ id: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s" }],
        },
      },
    };
    const text = adoptionPlan({ vault: v, roles: [] }).join("\n");
    expect(text).toContain("  purgeProtection: true,\n");
    expect(text).toContain("  rbacAuthorization: true,");
    expect(text).toContain(
      'network: { kind: "firewall", ipRules: ["203.0.113.0/28"], subnetIds: ["/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"] }',
    );
    expect(text).toContain("none: the vault uses RBAC authorization.");
  });

  test("WHEN the vault file is another document THEN an AdoptError says which command makes it", () => {
    expect(() => adoptionPlan({ vault: identity, roles: [] })).toThrow(
      new AdoptError(
        "the --vault file is not az keyvault show output (no name or properties). Fix: az keyvault show -n <vault> -o json > kv.json",
      ),
    );
  });
});

describe("GIVEN the command (npm run adopt)", () => {
  // The npm script once (below); the error cases through the same entry without npm's start-up.
  const npmAdopt = (...args: string[]) => spawnSync("npm", ["run", "--silent", "adopt", "--", ...args], { cwd: ROOT, encoding: "utf8" });
  const adopt = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, "tools", "run.js"), "tools/adopt/cli.ts", ...args], { cwd: ROOT, encoding: "utf8" });

  test("WHEN run on the recorded files and the synth output THEN it prints the plan, exit 0", () => {
    const r = npmAdopt(
      "--vault",
      path.join(AZ, "keyvault-show.json"),
      "--identity",
      path.join(AZ, "identity-show.json"),
      "--roles",
      path.join(AZ, "role-assignment-list-app.json"),
      "--roles",
      path.join(AZ, "role-assignment-list-cluster.json"),
      "--synth",
      path.join(dir, "cdktf.out"),
    );
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.stdout.match(/ import '/g)).toHaveLength(4);
  });

  test("WHEN --help THEN usage, exit 0; WHEN bad input THEN one line with the fix, exit 2", () => {
    const help = adopt("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run adopt -- --vault <file>/);
    const missing = adopt("--vault", path.join(dir, "nope.json"));
    expect([missing.status, missing.stderr]).toEqual([
      2,
      `adopt: cannot read ${path.join(dir, "nope.json")} (ENOENT). Fix: save it with az keyvault show -o json > ${path.join(dir, "nope.json")}\n`,
    ]);
    fs.writeFileSync(
      path.join(dir, "table.txt"),
      "Name            ResourceGroup\n--------------  -----------------\nkv-westus2-aks  rg-westus2-shared\n",
    );
    expect(adopt("--vault", path.join(dir, "table.txt")).stderr).toMatch(
      /table\.txt is not JSON \(made with -o table or tsv\?\)\. Fix: save it with az keyvault show -o json/,
    );
    expect(adopt("--vault", path.join(AZ, "keyvault-show.json"), "--roles", path.join(AZ, "identity-show.json")).stderr).toMatch(
      /is not a list of role assignments/,
    );
    const unknown = adopt("--vualt", "x.json");
    expect([unknown.status, unknown.stderr]).toEqual([2, 'adopt: unknown argument "--vualt". Fix: see npm run adopt -- --help\n']);
  });
});
