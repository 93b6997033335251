/**
 * The identity table of docs/ci-trust.md is what the workflows do: every job that can get an
 * OIDC token signs in with the identity the table names for it, in an environment the identity's
 * federated subject trusts, and no other job can get a token. The table is parsed from the doc,
 * so doc and workflows cannot drift apart.
 */
import { readFileSync } from "fs";
import { join } from "path";
import { clientIdVariable, EffectiveJob, effectiveJobs, environmentsOf, ROOT } from "./support/workflows";

interface IdentityRow {
  identity: string;
  clientIdVariable: string;
  subjects: string[];
  devTest: string;
  prod: string;
  jobs: string[];
}

const DOC = readFileSync(join(ROOT, "docs", "ci-trust.md"), "utf8");

/** The rows of the table under "## Identities". */
function identityTable(): IdentityRow[] {
  const section = DOC.split(/^## Identities$/m)[1]?.split(/^## /m)[0] ?? "";
  const rows = section.split("\n").filter((l) => l.startsWith("|"));
  const header = rows[0].split("|").map((c) => c.trim());
  expect(header).toEqual(["", "identity", "client ID variable", "federated subjects", "Dev/Test", "Prod", "jobs", ""]);
  const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  return rows.slice(2).map((row) => {
    const c = row.split("|").map((x) => x.trim());
    return { identity: c[1], clientIdVariable: ticks(c[2])[0], subjects: ticks(c[3]), devTest: c[4], prod: c[5], jobs: ticks(c[6]) };
  });
}

const TABLE = identityTable();
const JOBS = effectiveJobs();
const withToken = (e: EffectiveJob) => e.job.permissions?.["id-token"] === "write";

describe("docs/ci-trust.md identity table", () => {
  test("GIVEN the table THEN it has the five identities, and only the dev-test-plan identity trusts pull requests", () => {
    expect(TABLE.map((r) => r.identity)).toEqual(["dev-test-plan", "prod-preview", "prod-plan", "dev-test-deploy", "prod-deploy"]);
    const prTrusting = TABLE.filter((r) => r.subjects.includes("repo:OWNER/REPO:pull_request"));
    expect(prTrusting.map((r) => r.identity)).toEqual(["dev-test-plan"]);
    expect(prTrusting[0].prod).toBe("nothing");
  });

  test("GIVEN an identity that can read or write Prod THEN it trusts only environment subjects", () => {
    for (const row of TABLE.filter((r) => r.prod !== "nothing")) {
      expect([row.identity, row.subjects.every((s) => /^repo:OWNER\/REPO:environment:[\w-]+$/.test(s))]).toEqual([row.identity, true]);
    }
  });

  test("GIVEN the Prod preview identity THEN it has no Key Vault data-plane role", () => {
    const preview = TABLE.find((r) => r.identity === "prod-preview")!;
    expect(preview.prod).toMatch(/\*\*no\*\* Key Vault data-plane role/);
    expect(preview.prod).not.toMatch(/Secrets User|Secrets Officer/);
  });
});

describe("workflows against the identity table", () => {
  test("GIVEN every job THEN exactly the jobs the table lists can get an OIDC token", () => {
    expect(
      JOBS.filter(withToken)
        .map((e) => e.id)
        .sort(),
    ).toEqual(TABLE.flatMap((r) => r.jobs).sort());
  });

  test.each(TABLE.flatMap((r) => r.jobs.map((j) => [j, r] as const)))(
    "GIVEN %s THEN it signs in as its identity, in an environment its subjects trust",
    (id, row) => {
      const e = JOBS.find((x) => x.id === id);
      expect(e).toBeDefined();
      // identity: the client ID comes from the row's repository variable
      expect(clientIdVariable(e!)).toBe(row.clientIdVariable);
      // permissions: OIDC plus read access to the code, nothing else
      expect(e!.job.permissions).toEqual({ contents: "read", "id-token": "write" });
      // environment: each one the job can run in is a trusted subject; no environment only for pull_request
      const environments = environmentsOf(e!);
      if (environments.length === 0) {
        expect(row.subjects).toContain("repo:OWNER/REPO:pull_request");
        expect(e!.trigger).toEqual(["pull_request"]);
      } else {
        for (const env of environments) expect(row.subjects).toContain(`repo:OWNER/REPO:environment:${env}`);
      }
    },
  );

  test("GIVEN the deploy workflow THEN its four waves expand to plan, select and apply, and pass no secrets", () => {
    const calls = JOBS.filter((e) => e.id.split(":").length === 3);
    expect(calls.length).toBe(12);
    const deploy = readFileSync(join(ROOT, ".github", "workflows", "deploy.yml"), "utf8");
    expect(deploy).not.toMatch(/secrets:\s*inherit/);
  });

  test("GIVEN the Prod preview job THEN it plans without refresh, and waits in prod-preview", () => {
    const e = JOBS.find((x) => x.id === "pull-request.yml:plan-prod")!;
    expect(environmentsOf(e)).toEqual(["prod-preview"]);
    expect(e.job.env?.REFRESH).toBe("false");
    expect(e.job.env?.AKS_CREDENTIALS).toBe("${{ vars.AKS_CREDENTIALS_PROD }}");
    const plan = e.job.steps?.find((s) => s.name === "terraform plan")?.run ?? "";
    expect(plan).toContain('-refresh="$REFRESH"');
    const dev = JOBS.find((x) => x.id === "pull-request.yml:plan")!;
    expect(dev.job.env?.AKS_CREDENTIALS).toBe("${{ vars.AKS_CREDENTIALS_DEV_TEST }}");
  });

  test("GIVEN a deploy wave THEN plans run in <env>-plan and applies in <env>, or in the destructive environment with reviewers", () => {
    for (const wave of ["dev-test-cluster-admin", "dev-test-apps", "prod-cluster-admin", "prod-apps"]) {
      const env = wave.startsWith("prod") ? "prod" : "dev-test";
      expect(environmentsOf(JOBS.find((x) => x.id === `deploy.yml:${wave}:plan`)!)).toEqual([`${env}-plan`]);
      expect(environmentsOf(JOBS.find((x) => x.id === `deploy.yml:${wave}:apply`)!)).toEqual([
        env === "prod" ? "prod" : "dev-test-destructive",
        env,
      ]);
    }
    const envTable = DOC.split(/^## GitHub environments$/m)[1]?.split(/^## /m)[0] ?? "";
    for (const reviewed of ["dev-test-destructive", "prod", "prod-preview"])
      expect(envTable).toMatch(new RegExp(`\\| \`${reviewed}\` \\| yes`));
    expect(envTable).toMatch(/\| `prod` \| yes, \*\*prevent self-review\*\* on/);
  });
});
