/**
 * The plan report's command line: bad input, the pull-request comment parts (skipped plans,
 * unchanged stacks, checks), the size cap, stack names and globs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { cli } from "../tools/plan-report/cli";
import { addressMatcher, resourceMatcher, splitPatterns } from "../tools/plan-report/glob";
import { stackNameFromFile } from "../tools/plan-report/parse";
import { COMMENT_MARKER } from "../tools/plan-report/render";
import { runCli } from "./fixtures/plans/capture";

const FIXTURE = join(__dirname, "fixtures", "plans", "dev-test-apps.plan.json");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "plan-report-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function report(argv: string[], env: Record<string, string | undefined> = {}) {
  return runCli(cli, argv, { PLAN_REPORT_ALLOW_DESTROY: undefined, ...env });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("bad input", () => {
  const cases: [string, () => string, RegExp][] = [
    [
      "the text of terraform plan",
      () => file("text.json", "Terraform will perform the following actions:\n"),
      /text\.json: is the text output of `terraform plan`, not JSON\. Save the plan with `terraform plan -out=tfplan`, then give `terraform show -json tfplan > plan\.json`/,
    ],
    [
      "text that is not JSON",
      () => file("notes.json", "hello: world\n"),
      /notes\.json: not JSON \(.*\)\. Give the output of `terraform show -json <planfile> > plan\.json`/,
    ],
    [
      "a plan format it does not know",
      () => file("future.json", JSON.stringify({ format_version: "2.0", resource_changes: [] })),
      /future\.json: plan format_version "2\.0" is not supported \(this tool reads 1\.x/,
    ],
    ["a missing file", () => join(dir, "nope.json"), /nope\.json: no such file\. Check the path/],
    ["a directory", () => dir, /is a directory; give the plan JSON file inside it/],
    [
      "JSON that is no plan",
      () => file("other.json", JSON.stringify({ hello: "world" })),
      /other\.json: no "format_version": this is not a Terraform plan/,
    ],
    [
      "a state file",
      () => file("state.json", JSON.stringify({ format_version: "1.0", values: {} })),
      /state\.json: this looks like state, not a plan/,
    ],
    [
      "an action it does not know",
      () =>
        file(
          "act.json",
          JSON.stringify({ format_version: "1.2", resource_changes: [{ address: "a.b", type: "a", change: { actions: ["explode"] } }] }),
        ),
      /act\.json: a\.b: unknown change actions \[explode\].*Update the plan report tool/,
    ],
  ];

  test.each(cases)("GIVEN %s THEN one clear line on stderr, exit 2, no stack trace", async (_name, make, message) => {
    const run = await report([make()]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^plan-report: /);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  test("GIVEN an unknown option, no files, or a --stack without a file THEN usage errors exit 2", async () => {
    expect(await report(["--bogus", FIXTURE])).toMatchObject({ code: 2, stderr: "plan-report: unknown option --bogus; see --help\n" });
    expect(await report([])).toMatchObject({ code: 2, stderr: "plan-report: no plan files given; see --help\n" });
    expect((await report([FIXTURE, "--stack", "x"])).stderr).toContain("--stack x names no plan file");
    expect((await report(["--max-rows", "many", FIXTURE])).stderr).toContain('--max-rows needs a whole number, not "many"');
  });

  test("GIVEN two files for one stack THEN it asks for --stack", async () => {
    const run = await report([FIXTURE, FIXTURE]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('stack "dev-test-apps" comes from two files');
  });
});

describe("pull-request comment parts", () => {
  const changed = () =>
    file(
      "changed.json",
      JSON.stringify({
        kind: "aks-changed-stacks",
        version: 1,
        base: "base/cdktf.out",
        head: "cdktf.out",
        baseAvailable: true,
        stacks: [
          { name: "dev-test-cluster-admin", status: "unchanged" },
          { name: "dev-test-apps", status: "changed", differences: ["resource.azurerm_role_assignment.kubelet_mio"] },
          { name: "prod-apps", status: "changed" },
          { name: "prod-apps-legacy", status: "removed" },
        ],
        plan: ["dev-test-apps", "prod-apps"],
      }),
    );

  test("GIVEN a fork PR (plans skipped) THEN the comment carries the marker, the checks, the reason, and every stack", async () => {
    const run = await report([
      "--skipped",
      "pull requests from forks get no Azure credentials.",
      "--changed-stacks",
      changed(),
      "--check",
      "npm test=success",
      "--check",
      "synth=success",
    ]);
    expect(run.code).toBe(0);
    const md = run.stdout;
    expect(md.startsWith(COMMENT_MARKER)).toBe(true);
    expect(md).toContain("**Checks:** `npm test` ✅ success · `synth` ✅ success");
    expect(md).toContain("> **Plans were skipped.** pull requests from forks get no Azure credentials.");
    expect(md).toMatch(/\| `dev-test-cluster-admin` \|.*unchanged since the base branch, not planned \|/);
    expect(md).toMatch(/\| `dev-test-apps` \|.*changed, not planned \(plans skipped\) \|/);
    expect(md).toMatch(/\| `prod-apps-legacy` \|.*\*\*removed\*\* from the synth output/);
  });

  test("GIVEN a changed stack whose plan is missing THEN the comment says so", async () => {
    const md = (await report(["--changed-stacks", changed(), FIXTURE, "--check", "npm test=failure"])).stdout;
    expect(md).toMatch(/\| `prod-apps` \|.*\*\*no plan\*\*: the plan job failed or was cancelled/);
    expect(md).toContain("`npm test` ❌ failure");
    expect(md).not.toMatch(/\| `dev-test-apps` \|[^\n]*not planned/);
  });

  test("GIVEN --out THEN the report goes to the file, and --json output parses", async () => {
    const out = join(dir, "sub", "report.json");
    const run = await report(["--json", "--out", out, FIXTURE], { PLAN_REPORT_ALLOW_DESTROY: "*" });
    expect(run).toMatchObject({ code: 0, stdout: "" });
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ kind: "aks-plan-report", blocked: false });
  });

  test("GIVEN 10,000 changes THEN the Markdown fits a GitHub comment and says how many rows it left out", async () => {
    const plan = JSON.parse(readFileSync(FIXTURE, "utf8"));
    const base = plan.resource_changes;
    plan.resource_changes = Array.from({ length: 10_000 }, (_, i) => {
      const rc = base[i % base.length];
      return { ...rc, address: `${rc.address}_${i}`, name: `${rc.name}_${i}` };
    });
    const big = file("big.json", JSON.stringify(plan));
    const run = await report([big]);
    expect(run.code).toBe(1);
    expect(run.stdout.length).toBeLessThanOrEqual(60_000);
    expect(run.stdout).toMatch(/…and \d+ more changed resources/);
    expect(run.stdout).toContain("> [!CAUTION]");
  });
});

describe("stack names and globs", () => {
  test.each([
    ["plans/dev-test-apps.json", "dev-test-apps"],
    ["plan-prod-apps.json", "prod-apps"],
    ["prod-cluster-admin.plan.json", "prod-cluster-admin"],
    ["tfplan-dev-test-apps-payments.json", "dev-test-apps-payments"],
    ["cdktf.out/stacks/prod-apps/plan.json", "prod-apps"],
    ["cdktf.out/stacks/prod-apps/tfplan.json", "prod-apps"],
  ])("GIVEN %s THEN the stack is %s", (path, name) => {
    expect(stackNameFromFile(path)).toBe(name);
  });

  test("GIVEN a pattern without a dot THEN it matches types; with a dot, addresses; * spans dots and brackets", () => {
    expect(resourceMatcher("azurerm_*").matches("module.a.azurerm_key_vault.v", "azurerm_key_vault")).toBe(true);
    expect(resourceMatcher("azurerm_key_vault").matches("azurerm_key_vault_secret.s", "azurerm_key_vault_secret")).toBe(false);
    expect(resourceMatcher("module.apps.*").matches('module.apps.azurerm_role_assignment.r["x"]', "azurerm_role_assignment")).toBe(true);
    expect(addressMatcher('azurerm_role_assignment.r["x"]').matches('azurerm_role_assignment.r["x"]', "")).toBe(true);
    expect(addressMatcher("azurerm_role_assignment.r?").matches("azurerm_role_assignment.r1", "")).toBe(true);
    expect(splitPatterns(" a.b, c.*\nd ")).toEqual(["a.b", "c.*", "d"]);
  });
});
