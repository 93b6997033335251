/**
 * The plan report on real `terraform show -json` documents from upstream test data (see
 * fixtures/plans/upstream/SOURCES.md): Terraform's own show-json cases and terraform-json's
 * testdata. The expected figures below were written from each file's `resource_changes`,
 * `resource_drift` and `errored`, not from the tool's output.
 */
import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { analysePlan, guardRules } from "../tools/plan-report/analyse";
import { cli } from "../tools/plan-report/cli";
import { readInput } from "../tools/plan-report/parse";
import { ActionCounts, PlanReport, TerraformPlan } from "../tools/plan-report/types";
import { runCli } from "./fixtures/plans/capture";

const DIR = join(__dirname, "fixtures", "plans", "upstream");

/** What a fixture must report: non-zero counts, moves, imports, drift, errored. */
interface Expected {
  readonly counts: Partial<ActionCounts>;
  readonly moved?: number;
  readonly imported?: number;
  readonly drift?: number;
  readonly errored?: boolean;
}

const EXPECTED: Readonly<Record<string, Expected>> = {
  // hashicorp/terraform internal/command/testdata/show-json/<case>/output.json
  "terraform/basic-create.json": { counts: { create: 3 } },
  "terraform/basic-delete.json": { counts: { update: 1, delete: 1 } },
  "terraform/basic-update.json": { counts: { "no-op": 1 } },
  "terraform/conditions.json": { counts: { create: 2 } },
  "terraform/drift.json": { counts: { update: 2 }, drift: 1 },
  "terraform/module-depends-on.json": { counts: { create: 1 } },
  "terraform/modules.json": { counts: { create: 4 } },
  "terraform/moved-drift.json": { counts: { update: 2 }, moved: 1, drift: 1 },
  "terraform/moved.json": { counts: { update: 1 }, moved: 1 },
  "terraform/multi-resource-update.json": { counts: { create: 1, "no-op": 1 }, moved: 1 },
  "terraform/nested-modules.json": { counts: { create: 1 } },
  "terraform/plan-error.json": { counts: {}, errored: true },
  "terraform/provider-aliasing-conflict.json": { counts: { create: 2 } },
  "terraform/provider-aliasing-default.json": { counts: { create: 4 } },
  "terraform/provider-aliasing.json": { counts: { create: 10 } },
  "terraform/provider-version-no-config.json": { counts: { create: 3 } },
  "terraform/provider-version.json": { counts: { create: 3 } },
  "terraform/requires-replace.json": { counts: { replace: 1 } },
  "terraform/sensitive-values.json": { counts: { create: 1 } },
  "terraform/unknown-output.json": { counts: {} },
  // hashicorp/terraform-json testdata/<case>/plan.json
  "terraform-json/013_module_depends_on.json": { counts: { read: 1, create: 2 } },
  "terraform-json/110_basic.json": { counts: { create: 7 } },
  "terraform-json/110_sensitive_values.json": { counts: { create: 7 } },
  "terraform-json/120_basic.json": { counts: { create: 7 } },
  "terraform-json/action_reason.json": { counts: { replace: 1 } },
  "terraform-json/actions.json": { counts: {} },
  "terraform-json/basic.0.15.json": { counts: { create: 1 } },
  "terraform-json/basic.json": { counts: { read: 1, create: 7 } },
  "terraform-json/config_resource_depends_on.json": { counts: { replace: 1, "no-op": 1 } },
  "terraform-json/deep_module.json": { counts: { create: 1 } },
  "terraform-json/explicit_null.json": { counts: { create: 3 } },
  "terraform-json/has_changes.json": { counts: { "no-op": 6 } },
  "terraform-json/has_checks.json": { counts: { create: 2 } },
  "terraform-json/identity.json": { counts: { update: 1 }, imported: 1 },
  "terraform-json/moved_block.json": { counts: { "no-op": 1 }, moved: 1 },
  "terraform-json/nested_config_keys.json": { counts: { create: 1 } },
  "terraform-json/no_changes.json": { counts: { "no-op": 6 } },
  "terraform-json/numerics.json": { counts: { create: 1 } },
  "terraform-json/output_depends_on.json": { counts: { create: 2 } },
  "terraform-json/provider_version.json": { counts: { create: 1 } },
  "terraform-json/registry_module.json": { counts: { create: 1 } },
};

/** Fixtures that are not plans the report can read, and the one line it must give instead. */
const REFUSED: Readonly<Record<string, RegExp>> = {
  "terraform-json/invalid.json":
    /invalid\.json: holds more than one JSON document, or text after the JSON \(.*position 15543.*\)\. Give one `terraform show -json` output per file/,
};

const ZERO: ActionCounts = { create: 0, update: 0, delete: 0, replace: 0, read: 0, "no-op": 0, forget: 0 };
const RULES = guardRules({});

function fixtures(): string[] {
  return ["terraform", "terraform-json"].flatMap((d) =>
    readdirSync(join(DIR, d))
      .filter((f) => f.endsWith(".json"))
      .map((f) => `${d}/${f}`),
  );
}

test("every upstream fixture has an expected row (no fixture goes untested)", () => {
  expect(fixtures().sort()).toEqual([...Object.keys(EXPECTED), ...Object.keys(REFUSED)].sort());
});

describe.each(Object.entries(EXPECTED))("GIVEN the upstream plan %s", (name, expected) => {
  const file = join(DIR, name);

  test("WHEN analysed THEN the counts per action, moves, imports, drift and errored are exact", () => {
    const input = readInput(file);
    if (input.kind !== "plan") throw new Error(`${name} is not read as a plan`);
    const report = analysePlan(input.plan, "upstream", file, RULES);

    expect(report.counts).toEqual({ ...ZERO, ...expected.counts });
    expect(report.changes.filter((c) => c.previousAddress)).toHaveLength(expected.moved ?? 0);
    expect(report.changes.filter((c) => c.importing)).toHaveLength(expected.imported ?? 0);
    expect(report.drift ?? 0).toBe(expected.drift ?? 0);
    expect(report.errored).toBe(expected.errored ?? false);

    // Every resource change is counted exactly once; drift never is.
    const raw = JSON.parse(readFileSync(file, "utf8")) as TerraformPlan;
    const total = Object.values(report.counts).reduce((a, b) => a + b, 0);
    expect(total).toBe(raw.resource_changes?.length ?? 0);
    // Listed: every change but plain no-ops; moved or imported no-ops are listed too.
    const plainNoOps = (raw.resource_changes ?? []).filter(
      (rc) => rc.change.actions.join() === "no-op" && !rc.previous_address && !rc.change.importing,
    ).length;
    expect(report.changes).toHaveLength(total - plainNoOps);
  });
});

describe("upstream plans through the command line", () => {
  async function md(name: string): Promise<string> {
    const run = await runCli(cli, ["--stack", "s", join(DIR, name)], { PLAN_REPORT_ALLOW_DESTROY: undefined });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    return run.stdout;
  }

  test("GIVEN a plan whose only change is a moved block (no-op) THEN Markdown and JSON list the move, and do not say No changes", async () => {
    const text = await md("terraform-json/moved_block.json");
    expect(text).not.toContain("No changes");
    expect(text).toContain("1 moved; no resource is created, updated or destroyed (1 unchanged).");
    expect(text).toContain("| no-op | `random_id.test2` | moved from `random_id.test` |");
    expect(text).toMatch(/\| `s` \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \| 1 \| 1 moved; nothing else changes \|/);

    const json = JSON.parse((await runCli(cli, ["--json", join(DIR, "terraform-json/moved_block.json")])).stdout) as PlanReport;
    expect(json.stacks[0].changes).toEqual([
      {
        address: "random_id.test2",
        type: "random_id",
        action: "no-op",
        replacePaths: [],
        changedAttributes: [],
        previousAddress: "random_id.test",
      },
    ]);
  });

  test("GIVEN an import by resource identity with an update THEN the row says imported and the counts say 1 to import", async () => {
    const text = await md("terraform-json/identity.json");
    expect(text).toContain("1 to update, 1 to import, 0 unchanged.");
    expect(text).toContain("| update | `corner_user_identity.user` | `age`, `name`; imported |");
  });

  test("GIVEN drift next to changes THEN drift is named but not counted", async () => {
    const text = await md("terraform/moved-drift.json");
    expect(text).toContain(
      "2 to update, 1 moved, 0 unchanged. 1 resource changed outside Terraform since the last apply (drift; not counted above).",
    );
    expect(text).toContain("| update | `test_instance.should_refresh_with_move` | `ami`; moved from `test_instance.should_refresh` |");
  });

  test("GIVEN an errored plan with no changes THEN it does not claim No changes, and warns that the plan is incomplete", async () => {
    const text = await md("terraform/plan-error.json");
    expect(text).toContain("| `s` | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ⚠️ plan errored |");
    expect(text).toContain("No changes planned before Terraform stopped with errors (0 unchanged).");
    expect(text).toContain("> Terraform reported errors while planning: this plan is incomplete.");
  });

  test("GIVEN a delete-then-create replace with its action_reason THEN it is one replace with the forcing path", async () => {
    const text = await md("terraform/requires-replace.json");
    expect(text).toContain("1 to replace, 0 unchanged.");
    expect(text).toMatch(/\| \*\*replace\*\* \| `test_instance\.test` \| forced by `ami` \|/);
  });

  test.each(Object.entries(REFUSED))("GIVEN %s THEN one printable line, exit 2", async (name, message) => {
    const run = await runCli(cli, [join(DIR, name)]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    expect(run.stderr.endsWith("\n")).toBe(true);
    // eslint-disable-next-line no-control-regex
    expect(run.stderr.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
