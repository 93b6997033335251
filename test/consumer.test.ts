/**
 * The package as an app team installs it: `npm pack` (prepack builds), the tarball installed into an
 * empty app with the peers linked from this repository's node_modules (offline), the README's
 * "Using the constructs in your own cdktf app" example type-checked and synthesized verbatim, and
 * every published command run from the app's node_modules/.bin: `--help` and one real invocation.
 * Packing and installing happen once for the whole file.
 */
import * as fs from "fs";
import * as path from "path";
import { type ConsumerApp, ok, packAndInstall, readmeCodeBlock, ROOT, run } from "./support/consumer-app";

const BINS = ["aks-doctor", "aks-verify", "aks-plan-report", "aks-changed-stacks"] as const;
const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

let app: ConsumerApp;
/** The README example's synth output (`cdktf.out` of the app). */
let synthOut: string;

beforeAll(async () => {
  app = await packAndInstall();
  // GIVEN the README example, copied verbatim into the app's main.ts
  fs.writeFileSync(path.join(app.dir, "main.ts"), readmeCodeBlock("## Using the constructs in your own cdktf app"));
  fs.writeFileSync(
    path.join(app.dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2022", module: "commonjs", moduleResolution: "node", strict: true, skipLibCheck: true, types: [], noEmitOnError: true },
      files: ["main.ts"],
    }),
  );
}, 120_000);

afterAll(() => {
  if (app) fs.rmSync(app.tmp, { recursive: true, force: true });
});

test("GIVEN the tarball THEN it holds every bin and the typed constructs, and not this repository's environments", () => {
  for (const file of Object.values<string>(pkg.bin)) expect(app.packedFiles).toContain(file);
  expect(app.packedFiles).toEqual(expect.arrayContaining(["dist/constructs/index.js", "dist/constructs/index.d.ts", "package.json", "README.md"]));
  expect(app.packedFiles.filter((f) => /config\/environments|^stacks\/|^test\/|\.ts$(?<!\.d\.ts)/.test(f))).toEqual([]);
});

test("GIVEN the installed tarball WHEN npm ls checks the tree THEN the peer ranges accept the linked peers", async () => {
  const r = await run("npm", ["ls", "--all", "--offline"], { cwd: app.dir });
  expect(r.stderr).not.toMatch(/ERR|invalid|missing/i);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`aks-app-identity@${pkg.version}`);
});

describe("the README example in the app", () => {
  beforeAll(async () => {
    // WHEN it is type-checked with the repository's TypeScript (no output on a type error) and run
    ok(await run(process.execPath, [TSC, "-p", "."], { cwd: app.dir }), "tsc -p <app> (README example)");
    synthOut = path.join(app.dir, "cdktf.out");
    ok(await run(process.execPath, ["main.js"], { cwd: app.dir, env: { ...process.env, CDKTF_OUTDIR: synthOut } }), "node main.js (README example)");
  }, 60_000);

  test("THEN it synthesizes identity, grants, binding and workload", () => {
    const json = JSON.parse(fs.readFileSync(path.join(synthOut, "stacks/payments-dev/cdk.tf.json"), "utf8"));
    expect(Object.keys(json.resource).sort()).toEqual([
      "azurerm_key_vault",
      "azurerm_key_vault_access_policy",
      "azurerm_key_vault_secret",
      "azurerm_role_assignment",
      "azurerm_user_assigned_identity",
      "kubernetes_deployment_v1",
      "kubernetes_manifest",
    ]);
    const labels = Object.values<any>(json.resource.kubernetes_deployment_v1)[0].spec.template.metadata.labels;
    expect(labels.aadpodidbinding).toBe("payments");
  });

  test("WHEN aks-changed-stacks compares the synth output with an edited copy THEN it names the changed stack", async () => {
    const head = path.join(app.tmp, "head-cdktf.out");
    fs.cpSync(synthOut, head, { recursive: true });
    const file = path.join(head, "stacks/payments-dev/cdk.tf.json");
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    Object.values<any>(doc.resource.azurerm_key_vault)[0].sku_name = "premium";
    fs.writeFileSync(file, JSON.stringify(doc, null, 2));
    const r = await run(app.bin("aks-changed-stacks"), ["--json", synthOut, head], { cwd: app.dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).plan).toEqual(["payments-dev"]);
  });
});

test.each(BINS)("GIVEN the installed %s WHEN run with --help THEN it prints its usage and exits 0", async (bin) => {
  const r = await run(app.bin(bin), ["--help"], { cwd: app.dir });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/usage:/);
});

test("GIVEN the guide's step-7 MIC log WHEN aks-doctor reads it with the consumer's --config and --env THEN it reports the missing VM roles and exits 1", async () => {
  const config = writeJsonConfig();
  const log = path.join(ROOT, "test/fixtures/logs/guide-step7-mic.log");
  const r = await run(app.bin("aks-doctor"), ["--json", "--config", config, "--env", "dev-test", log], { cwd: app.dir });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(1);
  const ids = JSON.parse(r.stdout).findings.map((f: { id: string }) => f.id);
  expect(ids.length).toBeGreaterThan(0);
  expect(r.stdout).toMatch(/virtualMachineScaleSets/);
});

test("GIVEN a recorded plan WHEN aks-plan-report renders it THEN Markdown names the stack and exits 0", async () => {
  const plan = path.join(ROOT, "test/fixtures/plans/dev-test-apps.plan.json");
  const r = await run(app.bin("aks-plan-report"), [plan], { cwd: app.dir });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("dev-test-apps");
});

test("GIVEN no kubectl on PATH WHEN aks-verify runs with the consumer's --config THEN it says so and exits 2", async () => {
  const config = writeJsonConfig();
  // Only node on PATH: the bins' `#!/usr/bin/env node` needs it, kubectl must be missing.
  const onlyNode = path.join(app.tmp, "only-node");
  fs.mkdirSync(onlyNode, { recursive: true });
  if (!fs.existsSync(path.join(onlyNode, "node"))) fs.symlinkSync(process.execPath, path.join(onlyNode, "node"));
  const r = await run(app.bin("aks-verify"), ["--config", config, "--env", "prod"], { cwd: app.dir, env: { ...process.env, PATH: onlyNode } });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe("verify: kubectl not found on PATH (kubectl): install kubectl, or put it on PATH\n");
});

/** The guide's platform config as a consumer's JSON file (this repository's own values). */
function writeJsonConfig(): string {
  const file = path.join(app.tmp, "platform.json");
  if (!fs.existsSync(file)) {
    const { platform } = require("../config/environments");
    fs.writeFileSync(file, JSON.stringify(platform, null, 2));
  }
  return file;
}
