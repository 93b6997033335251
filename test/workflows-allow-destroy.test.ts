/**
 * allow-destroy as CI uses it: a maintainer's `/allow-destroy <stack> <address>` comment names
 * the exact deletes the pull request's report blocked; allow-cli turns the merged pull request's
 * comments into an allow list (checking who wrote them), and the guard lets exactly those
 * through. Deletes that main's plan adds (drift, another merge) stay blocked.
 * Real plans: terraform on PATH, built-in terraform_data only (nothing downloaded).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { allowancesFromComments, allowancesFromInput, GitHubComment } from "../tools/plan-report/allow";
import { cli as allowCli } from "../tools/plan-report/allow-cli";
import { cli } from "../tools/plan-report/cli";
import { PlanReport } from "../tools/plan-report/types";
import { runCli } from "./fixtures/plans/capture";
import { realPlan, RealPlan, terraformMissing } from "./fixtures/plans/terraform";

const MERGED_AT = "2025-03-02T10:00:00Z";

function comment(login: string, body: string, at = "2025-03-01T09:00:00Z", editedAt = at): GitHubComment {
  return {
    html_url: `https://github.com/OWNER/REPO/pull/7#issuecomment-${login}`,
    user: { login },
    created_at: at,
    updated_at: editedAt,
    body,
  };
}

const ROLES = { alice: "maintain", bob: "admin", carol: "write", dave: "triage", author: "admin" };

describe("allowances from pull-request comments", () => {
  test("GIVEN comments by a maintainer, the author, a writer, an edited one and one after the merge THEN only the maintainer's exact lines count", () => {
    const list = allowancesFromComments({
      prAuthor: "author",
      roles: ROLES,
      mergedAt: MERGED_AT,
      comments: [
        comment(
          "alice",
          "Reviewed.\n/allow-destroy dev-test-apps azurerm_role_assignment.node_rg_reader\n/allow-destroy dev-test-apps kubernetes_manifest.binding",
        ),
        comment("author", "/allow-destroy dev-test-apps azurerm_key_vault.vault"),
        comment("carol", "/allow-destroy dev-test-apps azurerm_key_vault.vault"),
        comment("dave", "/allow-destroy dev-test-apps azurerm_key_vault.vault"),
        comment("bob", "/allow-destroy dev-test-apps azurerm_key_vault.vault", "2025-03-01T09:00:00Z", "2025-03-01T12:00:00Z"),
        comment("bob", "/allow-destroy prod-apps azurerm_key_vault.vault", "2025-03-03T09:00:00Z"),
        comment("bob", "/allow-destroy dev-test-apps azurerm_role_assignment.*"),
        comment("carol", "looks good, no command here"),
      ],
    });
    expect(list.allowed).toEqual([
      { stack: "dev-test-apps", address: "azurerm_role_assignment.node_rg_reader", by: "alice", source: expect.stringContaining("alice") },
      { stack: "dev-test-apps", address: "kubernetes_manifest.binding", by: "alice", source: expect.stringContaining("alice") },
    ]);
    expect(list.ignored.map((i) => `${i.by}: ${i.reason}`)).toEqual([
      "author: the pull request's author cannot allow their own deletes",
      'carol: @carol has the role "write"; only admin or maintain can allow deletes',
      'dave: @dave has the role "triage"; only admin or maintain can allow deletes',
      "bob: the comment was edited after it was posted; post a new one",
      "bob: posted after the merge",
      'bob: "/allow-destroy dev-test-apps azurerm_role_assignment.*": name the exact address the report blocked, not a glob',
    ]);
  });

  test("GIVEN a commenter whose role lookup failed THEN the comment allows nothing", () => {
    const list = allowancesFromComments({ prAuthor: "author", roles: {}, comments: [comment("erin", "/allow-destroy dev-test-apps x.y")] });
    expect(list.allowed).toEqual([]);
    expect(list.ignored[0].reason).toBe('@erin has the role "none"; only admin or maintain can allow deletes');
  });

  test("GIVEN a manual run THEN its lines count only for an admin or maintainer", () => {
    const text = "dev-test-apps azurerm_role_assignment.node_rg_reader; prod-apps azurerm_key_vault.vault";
    expect(allowancesFromInput({ actor: "bob", role: "admin", text, source: "run" }).allowed.map((a) => `${a.stack} ${a.address}`)).toEqual(
      ["dev-test-apps azurerm_role_assignment.node_rg_reader", "prod-apps azurerm_key_vault.vault"],
    );
    const writer = allowancesFromInput({ actor: "carol", role: "write", text, source: "run" });
    expect(writer.allowed).toEqual([]);
    expect(writer.ignored[0].reason).toContain('@carol has the role "write"');
  });
});

const missing = terraformMissing();
if (missing) {
  console.warn(`allow-destroy real-plan tests skipped: ${missing}. Install terraform >= 1.7 to run them.`);
}

(missing ? describe.skip : describe)("allow-destroy on real plans whose deletes differ from the reviewed ones", () => {
  const V1 = ["a", "b", "c"].map((n) => `resource "terraform_data" "${n}" {\n  input = "${n}"\n}\n`).join("\n");
  let dir: string;
  let prPlan: RealPlan;
  let mainPlan: RealPlan;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "allow-destroy-"));
    writeFileSync(join(dir, "v1.tf"), V1);
    // The pull request removes a. By the time main plans, another merge also removed b.
    writeFileSync(join(dir, "v2-pr.tf"), V1.replace(/resource "terraform_data" "a" \{[^}]*\}\n/, ""));
    writeFileSync(
      join(dir, "v2-main.tf"),
      V1.replace(/resource "terraform_data" "a" \{[^}]*\}\n/, "").replace(/resource "terraform_data" "b" \{[^}]*\}\n/, ""),
    );
    prPlan = realPlan(join(dir, "v1.tf"), join(dir, "v2-pr.tf"), "plan-dev-test-apps.json");
    mainPlan = realPlan(join(dir, "v1.tf"), join(dir, "v2-main.tf"), "plan-dev-test-apps.json");
  }, 120_000);
  afterAll(() => {
    prPlan?.cleanup();
    mainPlan?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const guard = (plan: RealPlan, extra: string[] = []) =>
    runCli(cli, ["--json", "--protect", "terraform_data", ...extra, plan.planJsonFile], { PLAN_REPORT_ALLOW_DESTROY: undefined });

  test("GIVEN the pull request's plan THEN its report blocks the one delete it shows", async () => {
    const run = await guard(prPlan);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as PlanReport;
    expect(report.stacks[0].protectedChanges.map((p) => `${report.stacks[0].stack} ${p.action} ${p.address}`)).toEqual([
      "dev-test-apps delete terraform_data.a",
    ]);
  });

  test("GIVEN a maintainer allowed exactly that delete WHEN main's plan also deletes b THEN a goes through and b is blocked", async () => {
    writeFileSync(join(dir, "pull.json"), JSON.stringify({ number: 7, user: { login: "author" }, merged_at: MERGED_AT }));
    writeFileSync(join(dir, "comments.json"), JSON.stringify([[comment("alice", "/allow-destroy dev-test-apps terraform_data.a")]]));
    writeFileSync(join(dir, "roles.json"), JSON.stringify(ROLES));
    const allowFile = join(dir, "allow.json");
    const made = await runCli(allowCli, [
      "comments",
      "--merged",
      "--pull",
      join(dir, "pull.json"),
      "--comments",
      join(dir, "comments.json"),
      "--roles",
      join(dir, "roles.json"),
      "--out",
      allowFile,
    ]);
    expect(made).toMatchObject({ code: 0, stdout: expect.stringContaining("allowed: dev-test-apps terraform_data.a (by @alice") });

    const run = await guard(mainPlan, ["--allow-file", allowFile]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as PlanReport;
    expect(report.stacks[0].protectedChanges.map((p) => [p.address, p.allowedBy ?? "blocked"])).toEqual([
      ["terraform_data.a", "allowed by @alice"],
      ["terraform_data.b", "blocked"],
    ]);
    expect(run.stderr).toContain("dev-test-apps: delete terraform_data.b");
    expect(run.stderr).not.toContain("terraform_data.a");
  });

  test("GIVEN an allowance for another stack THEN it does not let the same address through here", async () => {
    const allowFile = join(dir, "allow-other.json");
    writeFileSync(
      allowFile,
      JSON.stringify({
        kind: "aks-allow-destroy",
        version: 1,
        allowed: [{ stack: "prod-apps", address: "terraform_data.a", by: "bob", source: "x" }],
        ignored: [],
      }),
    );
    const report = JSON.parse((await guard(prPlan, ["--allow-file", allowFile])).stdout) as PlanReport;
    expect(report.blocked).toBe(true);
  });

  test("GIVEN an allow file with a glob THEN the report refuses it (exit 2) naming the fix", async () => {
    const allowFile = join(dir, "allow-glob.json");
    writeFileSync(
      allowFile,
      JSON.stringify({
        kind: "aks-allow-destroy",
        version: 1,
        allowed: [{ stack: "dev-test-apps", address: "terraform_data.*", by: "bob", source: "x" }],
      }),
    );
    const run = await guard(mainPlan, ["--allow-file", allowFile]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('not an allow list (kind "aks-allow-destroy", exact stack and address per entry)');
    expect(readFileSync(allowFile, "utf8")).toContain("terraform_data.*");
  });
});
