// Issue 10, point 4: the deploy paths refuse a stack that still holds a config placeholder.
// Proven through the real commands: `npm run deploy` (tools/deploy-guard before cdktf deploy),
// the guard's --check-only as the deploy workflow runs it, and the stack's own output
// precondition with the real terraform binary (the precondition refers only to built-ins).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..");
const TF = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!TF) console.log("skipped: terraform 1.11.4 is not on PATH (precondition tests)");
const withTerraform = TF ? test : test.skip;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-guard."));
const outdir = path.join(dir, "cdktf.out");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const guard = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, "tools", "run.js"), "tools/deploy-guard/cli.ts", ...args], { cwd: ROOT, encoding: "utf8" });
const stackJson = (s: string) => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", s, "cdk.tf.json"), "utf8"));

describe("GIVEN the default config (Dev/Test's kube context and secret writer are placeholders)", () => {
  // WHEN (once; the synth leaves cdktf.out for the checks below)
  const run = spawnSync("npm", ["run", "--silent", "deploy", "--", "dev-test-apps"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CDKTF_OUTDIR: outdir },
  });

  test("WHEN `npm run deploy -- dev-test-apps` THEN it synthesizes, refuses with exit 1 listing each placeholder and where to find it, and cdktf deploy is not started", () => {
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "deploy-guard: refused: 1 selected stack(s) still contain 2 placeholder(s) from config/environments.ts; nothing was planned or applied:",
    );
    expect(run.stderr).toContain(
      '    - dev-test: cluster.kubernetes.context = "aks-poc-container-westus2" is a placeholder; real value: the guide does not name it;',
    );
    expect(run.stderr).toContain(
      '    - dev-test: secretWriter.objectId = "00000000-0000-0000-0000-00000000d1a0" is a placeholder; real value: object ID of the Dev/Test deploy identity:',
    );
    expect(run.stderr).toContain("cdktf deploy was not started.");
    expect(run.stderr).not.toMatch(/^\s+at /m);
    // cdktf never ran: it would have created the stack's .terraform directory.
    expect(fs.existsSync(path.join(outdir, "stacks", "dev-test-apps", ".terraform"))).toBe(false);
  });

  test("WHEN the workflow's check runs on a stack without placeholders THEN it passes (exit 0); on one with placeholders it refuses (exit 1)", () => {
    const clean = guard("--check-only", "--outdir", outdir, "dev-test-cluster-admin");
    expect([clean.status, clean.stderr]).toEqual([0, "deploy-guard: no placeholders in dev-test-cluster-admin\n"]);
    const prod = guard("--check-only", "--outdir", outdir, "prod-*");
    expect(prod.status).toBe(1);
    expect(prod.stderr).toContain("refused: 2 selected stack(s) still contain 6 placeholder(s)");
    expect(prod.stderr).toMatch(/ {2}prod-apps:\n(.*\n){4} {2}prod-cluster-admin:\n/);
  });

  test("WHEN the check names a stack that was not synthesized, or none THEN it is a usage error (exit 2), one line, never a pass", () => {
    const typo = guard("--check-only", "--outdir", outdir, "dev-test-app");
    expect(typo.status).toBe(2);
    expect(typo.stderr).toBe(
      `deploy-guard: no synthesized stack is named "dev-test-app" (synthesized: dev-test-apps, dev-test-cluster-admin, prod-apps, prod-cluster-admin). Fix: name a synthesized stack.\n`,
    );
    expect(guard("--check-only", "--outdir", outdir).status).toBe(2);
    expect(guard("--check-only", "--outdir", path.join(dir, "missing"), "dev-test-apps").stderr).toMatch(
      /missing[\\/]stacks does not exist\. Fix: run npm run synth first\.\n$/,
    );
  });

  test("WHEN --help THEN usage on stdout, exit 0", () => {
    const help = guard("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run deploy -- <stack\|glob>\.\.\./);
  });

  /** terraform init + plan of a config made of the stack's own `locals` and `output` blocks. */
  function planGuardOf(stack: string, lines?: string[]): { status: number | null; stderr: string } {
    const json = stackJson(stack);
    const tfdir = fs.mkdtempSync(path.join(dir, "tf."));
    const locals = lines ? { ...json.locals, aksid_placeholders: lines } : json.locals;
    fs.writeFileSync(
      path.join(tfdir, "main.tf.json"),
      JSON.stringify({ locals, output: json.output, resource: { terraform_data: { probe: { input: "x" } } } }),
    );
    const env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
    const tf = (...a: string[]) => spawnSync("terraform", a, { cwd: tfdir, env, encoding: "utf8" });
    const init = tf("init", "-input=false", "-no-color");
    if (init.status !== 0) return init;
    return tf("plan", "-input=false", "-no-color");
  }

  withTerraform(
    "WHEN `terraform plan` (as cdktf deploy runs it) meets the stack's placeholder precondition THEN the plan fails with the list",
    () => {
      const plan = planGuardOf("dev-test-apps");
      expect(plan.status).toBe(1);
      const text = plan.stderr.replace(/│ ?/g, "").replace(/\s+/g, " ");
      expect(text).toContain(
        "Stack dev-test-apps still contains 2 placeholder(s) from config/environments.ts; nothing is planned or applied.",
      );
      expect(text).toContain('- dev-test: secretWriter.objectId = "00000000-0000-0000-0000-00000000d1a0" is a placeholder;');
      expect(text).toContain("Fix: replace each placeholder(...) with the real value");
    },
  );

  withTerraform("WHEN the same precondition sees an empty list (control) THEN terraform plans", () => {
    expect(planGuardOf("dev-test-apps", []).status).toBe(0);
  });
});

describe("GIVEN the deploy workflow (.github/workflows/deploy-stacks.yml)", () => {
  test("WHEN a stack is planned THEN the same guard runs on it first, before terraform is even installed", () => {
    const wf = parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "deploy-stacks.yml"), "utf8"));
    const steps: { name?: string; run?: string; uses?: string }[] = wf.jobs.plan.steps;
    const at = steps.findIndex((s) => s.run?.includes('deploy-guard/cli.js --check-only --outdir deploy-inputs/cdktf.out "$STACK"'));
    expect(at).toBeGreaterThan(0);
    const later = (re: RegExp) => steps.findIndex((s) => re.test(`${s.uses ?? ""} ${s.run ?? ""}`));
    expect(at).toBeLessThan(later(/setup-terraform/));
    expect(at).toBeLessThan(later(/terraform -chdir="\$STACK_DIR" plan/));
  });

  test("the package's deploy script is the guard (which then runs cdktf deploy)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.scripts.deploy).toBe("node tools/run.js tools/deploy-guard/cli.ts");
  });
});
