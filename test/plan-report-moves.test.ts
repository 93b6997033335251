/**
 * Moves, imports and create-before-destroy on real plans: terraform 1.x on PATH applies
 * fixtures/plans/moves-src/v1.tf, then plans v2.tf (only a `moved` block and an `import` block,
 * every action a no-op) and v3.tf (the same plus a create-before-destroy replace and a data read).
 * Built-in terraform_data only, nothing downloaded.
 */
import { join } from "path";
import { cli } from "../tools/plan-report/cli";
import { PlanReport, StackReport, TerraformPlan } from "../tools/plan-report/types";
import { runCli } from "./fixtures/plans/capture";
import { planAgain, realPlan, RealPlan, terraformMissing } from "./fixtures/plans/terraform";

const SRC = join(__dirname, "fixtures", "plans", "moves-src");
const missing = terraformMissing();
if (missing) {
  console.warn(`plan-report moves/imports real-plan tests skipped: ${missing}. Install terraform >= 1.7 to run them.`);
}
const describeWithTerraform = missing ? describe.skip : describe;

function report(argv: string[]) {
  return runCli(cli, argv, { PLAN_REPORT_ALLOW_DESTROY: undefined });
}

async function stackOf(file: string): Promise<StackReport> {
  const run = await report(["--json", file]);
  expect(run).toMatchObject({ code: 0, stderr: "" });
  return (JSON.parse(run.stdout) as PlanReport).stacks[0];
}

describeWithTerraform("plan report on real plans with moved and import blocks", () => {
  let plan: RealPlan;
  let movesOnly: { planJsonFile: string; planJsonText: string };
  let withReplace: { planJsonFile: string; planJsonText: string };

  beforeAll(() => {
    // GIVEN v1 applied, then v2 (moves and imports only) and v3 (plus a create-before-destroy replace) planned
    plan = realPlan(join(SRC, "v1.tf"), join(SRC, "v2.tf"), "dev-test-apps.plan.json");
    movesOnly = { planJsonFile: plan.planJsonFile, planJsonText: plan.planJsonText };
    withReplace = planAgain(plan, join(SRC, "v3.tf"), "prod-apps.plan.json");
  }, 60_000);
  afterAll(() => plan?.cleanup());

  test("GIVEN the moves-only plan THEN terraform itself planned only no-ops, one with previous_address, one importing", () => {
    const raw = JSON.parse(movesOnly.planJsonText) as TerraformPlan;
    const byAddress = new Map((raw.resource_changes ?? []).map((rc) => [rc.address, rc]));
    expect([...byAddress.values()].map((rc) => rc.change.actions)).toEqual([["no-op"], ["no-op"], ["no-op"]]);
    expect(byAddress.get("terraform_data.new_name")?.previous_address).toBe("terraform_data.old_name");
    expect(byAddress.get("terraform_data.adopted")?.change.importing).toEqual({ id: "0a1b2c3d-import-me" });
  });

  test("WHEN reported as JSON THEN the move and the import are listed although their action is no-op", async () => {
    const stack = await stackOf(movesOnly.planJsonFile);
    expect(stack.counts).toEqual({ create: 0, update: 0, delete: 0, replace: 0, read: 0, forget: 0, "no-op": 3 });
    expect(stack.changes).toEqual([
      {
        address: "terraform_data.adopted",
        type: "terraform_data",
        action: "no-op",
        replacePaths: [],
        changedAttributes: [],
        importing: true,
        importId: "0a1b2c3d-import-me",
      },
      {
        address: "terraform_data.new_name",
        type: "terraform_data",
        action: "no-op",
        replacePaths: [],
        changedAttributes: [],
        previousAddress: "terraform_data.old_name",
      },
    ]);
  });

  test("WHEN reported as Markdown THEN it lists both and does not say No changes", async () => {
    const run = await report([movesOnly.planJsonFile]);
    expect(run.code).toBe(0);
    const md = run.stdout;
    expect(md).not.toMatch(/no changes/i);
    expect(md).toContain("| `dev-test-apps` | 0 | 0 | 0 | 0 | 0 | 0 | 3 | 1 moved, 1 to import; nothing else changes |");
    expect(md).toContain("1 moved, 1 to import; no resource is created, updated or destroyed (3 unchanged).");
    expect(md).toContain("| no-op | `terraform_data.adopted` | imported (ID `0a1b2c3d-import-me`) |");
    expect(md).toContain("| no-op | `terraform_data.new_name` | moved from `terraform_data.old_name` |");
    expect(md).not.toContain("`terraform_data.cbd`");
  });

  test("GIVEN create_before_destroy THEN terraform plans [create, delete] and the report counts one replace, one read, the moves", async () => {
    const raw = JSON.parse(withReplace.planJsonText) as TerraformPlan;
    expect(raw.resource_changes?.find((rc) => rc.address === "terraform_data.cbd")?.change.actions).toEqual(["create", "delete"]);

    const stack = await stackOf(withReplace.planJsonFile);
    expect(stack.stack).toBe("prod-apps");
    expect(stack.counts).toEqual({ create: 0, update: 0, delete: 0, replace: 1, read: 1, forget: 0, "no-op": 2 });
    expect(stack.changes.map((c) => [c.action, c.address])).toEqual([
      ["read", "data.terraform_remote_state.after_replace"],
      ["no-op", "terraform_data.adopted"],
      ["replace", "terraform_data.cbd"],
      ["no-op", "terraform_data.new_name"],
    ]);

    const md = (await report([withReplace.planJsonFile])).stdout;
    expect(md).toContain("1 to replace, 1 to read, 1 moved, 1 to import, 2 unchanged.");
    expect(md).toMatch(/\| \*\*replace\*\* \| `terraform_data\.cbd` \| forced by `triggers_replace` \|/);
  });
});
