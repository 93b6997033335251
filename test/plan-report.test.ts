/**
 * The plan report on a real plan: terraform 1.x on PATH applies fixtures/plans/actions-src/v1.tf
 * and plans v2.tf (built-in terraform_data only, nothing downloaded). One plan holds create,
 * update, delete, replace (triggers_replace), forget, read and no-op.
 */
import { readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { cli } from "../tools/plan-report/cli";
import { PlanReport, StackReport } from "../tools/plan-report/types";
import { runCli } from "./fixtures/plans/capture";
import { realPlan, RealPlan, terraformMissing } from "./fixtures/plans/terraform";

const SRC = join(__dirname, "fixtures", "plans", "actions-src");
const missing = terraformMissing();
if (missing) {
  console.warn(`plan-report real-plan tests skipped: ${missing}. Install terraform >= 1.7 to run them.`);
}
const describeWithTerraform = missing ? describe.skip : describe;

/** Runs the report with no allow-destroy from the caller's environment. */
function report(argv: string[], env: Record<string, string | undefined> = {}) {
  return runCli(cli, argv, { PLAN_REPORT_ALLOW_DESTROY: undefined, ...env });
}

describeWithTerraform("plan report on a real terraform plan", () => {
  let plan: RealPlan;
  let file: string;

  beforeAll(() => {
    // GIVEN a real plan of terraform_data resources, saved under the stack's name
    plan = realPlan(join(SRC, "v1.tf"), join(SRC, "v2.tf"), "dev-test-apps.plan.json");
    file = plan.planJsonFile;
  }, 30_000);
  afterAll(() => plan?.cleanup());

  async function json(
    argv: string[],
    env: Record<string, string | undefined> = {},
  ): Promise<{ code: number; report: PlanReport; stack: StackReport }> {
    const run = await report(["--json", ...argv], env);
    const parsed = JSON.parse(run.stdout) as PlanReport;
    return { code: run.code, report: parsed, stack: parsed.stacks[0] };
  }

  test("WHEN reported THEN each action is counted once, with the stack name from the file name", async () => {
    const { code, stack } = await json([file]);
    expect(code).toBe(0);
    expect(stack.stack).toBe("dev-test-apps");
    expect(stack.counts).toEqual({ create: 1, update: 2, delete: 1, replace: 1, read: 1, forget: 1, "no-op": 1 });
    expect(stack.changes.map((c) => c.address)).not.toContain("terraform_data.keep");
  });

  test("WHEN a resource is replaced THEN the report names the attribute that forces it", async () => {
    const { stack } = await json([file]);
    const replace = stack.changes.find((c) => c.address === "terraform_data.replace");
    expect(replace).toMatchObject({ action: "replace", replacePaths: ["triggers_replace"] });

    const md = (await report([file])).stdout;
    expect(md).toMatch(/\| \*\*replace\*\* \| `terraform_data\.replace` \| forced by `triggers_replace` \|/);
    expect(md).toMatch(/\| forget \| `terraform_data\.forget` \| removed from state, not destroyed/);
    expect(md).toMatch(/\| read \| `data\.terraform_remote_state\.later` \|/);
  });

  test("GIVEN only the default protected types WHEN terraform_data is replaced and deleted THEN nothing blocks", async () => {
    const run = await report([file]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("[!CAUTION]");
  });

  test("GIVEN --protect terraform_data THEN the delete and the replace block the deploy (exit 1), listed first", async () => {
    const run = await report(["--protect", "terraform_data", file]);
    expect(run.code).toBe(1);
    const md = run.stdout;
    const caution = md.indexOf("[!CAUTION]");
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(md.indexOf("| stack | create |"));
    const block = md.slice(caution, md.indexOf("\n\n", caution));
    expect(block).toContain("`terraform_data.remove`");
    expect(block).toContain("`terraform_data.replace` | forced by `triggers_replace`");
    expect(block).not.toContain("terraform_data.update");
    expect(block).not.toContain("terraform_data.forget");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("blocked: 2 protected change(s)");
  });

  test("GIVEN an address glob in --protect THEN only matching addresses are protected", async () => {
    const { code, stack } = await json(["--protect", "terraform_data.rep*", file]);
    expect(code).toBe(1);
    expect(stack.protectedChanges.map((p) => p.address)).toEqual(["terraform_data.replace"]);
  });

  test("GIVEN --allow-destroy for every protected change THEN exit 0 and they show as allowed", async () => {
    const run = await report([
      "--protect",
      "terraform_data",
      "--allow-destroy",
      "terraform_data.remove",
      "--allow-destroy",
      "terraform_data.rep*",
      file,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("[!CAUTION]");
    expect(run.stdout).toContain("[!WARNING]");
    expect(run.stdout).toMatch(/`terraform_data\.replace` \| forced by `triggers_replace` \| `terraform_data\.rep\*` \|/);
  });

  test("GIVEN --allow-destroy for one of two protected changes THEN the other still blocks", async () => {
    const { code, stack } = await json(["--protect", "terraform_data", "--allow-destroy", "terraform_data.remove", file]);
    expect(code).toBe(1);
    expect(stack.protectedChanges).toEqual([
      expect.objectContaining({ address: "terraform_data.remove", action: "delete", allowedBy: "terraform_data.remove" }),
      expect.not.objectContaining({ allowedBy: expect.anything() }),
    ]);
  });

  test("GIVEN PLAN_REPORT_ALLOW_DESTROY (a local override) THEN the reviewed changes pass", async () => {
    expect((await report(["--protect", "terraform_data", file], { PLAN_REPORT_ALLOW_DESTROY: "*" })).code).toBe(0);
    expect(
      (await report(["--protect", "terraform_data", file], { PLAN_REPORT_ALLOW_DESTROY: "terraform_data.remove, terraform_data.replace" }))
        .code,
    ).toBe(0);
    expect((await report(["--protect", "terraform_data", file], { PLAN_REPORT_ALLOW_DESTROY: "terraform_data.remove" })).code).toBe(1);
  });

  test("GIVEN sensitive values in the plan JSON THEN neither Markdown nor JSON prints them", async () => {
    // The plan JSON itself holds them in clear (variables, before/after): the report must not.
    expect(plan.planJsonText).toContain("new-s3cr3t-value");
    expect(plan.planJsonText).toContain("old-s3cr3t-value");
    const md = (await report(["--protect", "terraform_data", file])).stdout;
    const js = (await report(["--json", file])).stdout;
    for (const out of [md, js]) {
      expect(out).not.toContain("s3cr3t");
    }
    // The update is still reported, by attribute name only.
    expect(md).toMatch(/\| update \| `terraform_data\.secret` \| `input`, `output` \|/);
  });

  test("GIVEN a --json report read back (per-stack CI jobs merged) THEN the guard is applied again with the current options", async () => {
    const first = await report(["--json", "--stack", "prod-apps", file]);
    const merged = join(plan.dir, "prod-apps.report.json");
    writeFileSync(merged, first.stdout);

    const blocked = await json(["--protect", "terraform_data", merged]);
    expect(blocked.code).toBe(1);
    expect(blocked.stack.stack).toBe("prod-apps");
    expect(blocked.stack.counts.replace).toBe(1);

    const allowed = await json(["--protect", "terraform_data", merged], { PLAN_REPORT_ALLOW_DESTROY: "*" });
    expect(allowed.code).toBe(0);
    expect(allowed.stack.protectedChanges.every((p) => p.allowedBy === "*")).toBe(true);
  });

  test("GIVEN two plans WHEN one is named with --stack THEN both are reported, in deploy order", async () => {
    const copy = join(plan.dir, "plan.json");
    writeFileSync(copy, readFileSync(file));
    const { report: r } = await json(["--stack", "dev-test-cluster-admin", copy, file]);
    expect(r.stacks.map((s) => s.stack)).toEqual(["dev-test-cluster-admin", "dev-test-apps"]);
  });
});
