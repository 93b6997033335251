/**
 * The package as an app team installs it: `npm pack` (prepack builds), the tarball installed into an
 * empty app with the peers linked from this repository's node_modules (offline), the README's
 * "Using the constructs in your own cdktf app" example type-checked and synthesized verbatim, and
 * every published command run from the app's node_modules/.bin: `--help` and one real invocation.
 * Packing and installing happen once for the file; the commands then run concurrently.
 */
import * as fs from "fs";
import * as path from "path";
import { type ConsumerApp, ok, packAndInstall, PEERS, readmeCodeBlock, ROOT, type Run, run } from "./support/consumer-app";
import type { Json } from "./support/json";
import { expectReadmeExampleStack } from "./support/readme-example";

const BINS = ["aks-doctor", "aks-verify", "aks-plan-report", "aks-changed-stacks"] as const;
// TypeScript 5.9 with the cdktf project template's module settings: what an app team's cdktf app
// type-checks with (this repository builds with TypeScript 7; its declarations must serve both).
const TSC = path.join(ROOT, "node_modules", "typescript5", "bin", "tsc");
// And TypeScript 7 (this repository's `typescript`), which has no node10 resolution: node16.
const TSC7 = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

let app: ConsumerApp;
/** The README example's synth output (`cdktf.out` of the app). */
let synthOut: string;
let changedStacks: Run;
const help = new Map<string, Run>();
let doctor: Run;
let planReport: Run;
let verify: Run;

/**
 * GIVEN the README example, copied verbatim into the app's main.ts: type-check with TypeScript 5.9
 * and the cdktf template's settings (no output on a type error) and with TypeScript 7, run, compare.
 */
async function readmeExample(): Promise<void> {
  fs.writeFileSync(path.join(app.dir, "main.ts"), readmeCodeBlock("## Using the constructs in your own cdktf app"));
  const compilerOptions = {
    target: "ES2022",
    module: "commonjs",
    moduleResolution: "node",
    strict: true,
    skipLibCheck: true,
    types: [],
    noEmitOnError: true,
  };
  fs.writeFileSync(path.join(app.dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["main.ts"] }));
  ok(await run(process.execPath, [TSC, "-p", "."], { cwd: app.dir }), "tsc -p <app> (README example, TypeScript 5.9)");
  const ts7 = { compilerOptions: { ...compilerOptions, module: "node16", moduleResolution: "node16", noEmit: true }, files: ["main.ts"] };
  fs.writeFileSync(path.join(app.dir, "tsconfig.ts7.json"), JSON.stringify(ts7));
  ok(await run(process.execPath, [TSC7, "-p", "tsconfig.ts7.json"], { cwd: app.dir }), "tsc -p <app> (README example, TypeScript 7)");
  synthOut = path.join(app.dir, "cdktf.out");
  ok(
    await run(process.execPath, ["main.js"], { cwd: app.dir, env: { ...process.env, CDKTF_OUTDIR: synthOut } }),
    "node main.js (README example)",
  );
  // A second checkout whose synth differs in one value of the stack.
  const head = path.join(app.tmp, "head-cdktf.out");
  fs.cpSync(synthOut, head, { recursive: true });
  const file = path.join(head, "stacks/payments-dev/cdk.tf.json");
  const doc = JSON.parse(fs.readFileSync(file, "utf8"));
  Object.values<Json>(doc.resource.azurerm_key_vault)[0].sku_name = "premium";
  fs.writeFileSync(file, JSON.stringify(doc, null, 2));
  changedStacks = await run(app.bin("aks-changed-stacks"), ["--json", synthOut, head], { cwd: app.dir });
}

/** The guide's platform config (this repository's own values) as a consumer's JSON file and CommonJS module. */
function writeConfigs(): { json: string; module: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const text = JSON.stringify(require("../config/environments").platform, null, 2);
  const json = path.join(app.tmp, "platform.json");
  fs.writeFileSync(json, text);
  const module = path.join(app.tmp, "platform.cjs");
  fs.writeFileSync(module, `exports.platform = ${text};\n`);
  return { json, module };
}

beforeAll(async () => {
  app = await packAndInstall();
  const config = writeConfigs();
  // Only node on PATH for verify: the bins' `#!/usr/bin/env node` needs it, kubectl must be missing.
  const onlyNode = path.join(app.tmp, "only-node");
  fs.mkdirSync(onlyNode);
  fs.symlinkSync(process.execPath, path.join(onlyNode, "node"));
  const cwd = app.dir;
  await Promise.all([
    readmeExample(),
    ...BINS.map(async (bin) => help.set(bin, await run(app.bin(bin), ["--help"], { cwd }))),
    (async () =>
      (doctor = await run(
        app.bin("aks-doctor"),
        ["--json", "--config", config.module, "--env", "dev-test", path.join(ROOT, "test/fixtures/logs/guide-step7-mic.log")],
        { cwd },
      )))(),
    (async () =>
      (planReport = await run(app.bin("aks-plan-report"), [path.join(ROOT, "test/fixtures/plans/dev-test-apps.plan.json")], { cwd })))(),
    (async () =>
      (verify = await run(app.bin("aks-verify"), ["--config", config.json, "--env", "prod"], {
        cwd,
        env: { ...process.env, PATH: onlyNode },
      })))(),
  ]);
}, 180_000);

afterAll(() => {
  if (app) fs.rmSync(app.tmp, { recursive: true, force: true });
});

test("GIVEN the tarball THEN it holds every bin and the typed constructs, no output of a deleted source, and not this repository's environments, stacks or sources", () => {
  for (const file of Object.values<string>(pkg.bin)) expect(app.packedFiles).toContain(file);
  expect(app.packedFiles).toEqual(
    expect.arrayContaining(["dist/constructs/index.js", "dist/constructs/index.d.ts", "package.json", "README.md"]),
  );
  expect(app.packedFiles.filter((f) => /environments|^dist\/stacks\/|^dist\/main|^test\/|tsbuildinfo|(?<!\.d)\.ts$/.test(f))).toEqual([]);
  // No stale output: every packed dist/ file is the output of a source that exists today.
  const orphans = app.packedFiles
    .filter((f) => f.startsWith("dist/"))
    .filter((f) => !fs.existsSync(path.join(ROOT, f.replace(/^dist\//, "").replace(/(\.d\.ts|\.js)$/, ".ts"))));
  expect(orphans).toEqual([]);
});

test("GIVEN the peers at this repository's versions WHEN the tarball is installed THEN npm accepts the peer ranges without a conflict", () => {
  expect(app.install.stderr).not.toMatch(/ERESOLVE|overriding peer|invalid|conflict/i);
  const installed = PEERS.map((p) => JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", p, "package.json"), "utf8")).version);
  expect(Object.keys(pkg.peerDependencies).sort()).toEqual([...PEERS].sort());
  // Ranges, not pins (a team a patch or minor later must not get ERESOLVE), on the major line the tests run.
  PEERS.forEach((p, i) => {
    const range = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(pkg.peerDependencies[p]);
    expect([p, range !== null]).toEqual([p, true]);
    expect([p, installed[i].split(".")[0]]).toEqual([p, range![1]]);
  });
});

test("GIVEN the README example in the app WHEN type-checked and run THEN it synthesizes namespace, identity, grants, binding and workload, with Terraform ≥ 1.11 and Key Vault data safety", () => {
  const json = JSON.parse(fs.readFileSync(path.join(synthOut, "stacks/payments-dev/cdk.tf.json"), "utf8"));
  expectReadmeExampleStack(json);
});

test.each(BINS)("GIVEN the installed %s WHEN run with --help THEN it prints its usage and exits 0", (bin) => {
  const r = help.get(bin)!;
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/usage:/);
});

test("GIVEN the README example's synth output and an edited copy WHEN aks-changed-stacks compares them THEN it plans the changed stack", () => {
  expect(changedStacks.stderr).toBe("");
  expect(changedStacks.code).toBe(0);
  expect(JSON.parse(changedStacks.stdout).plan).toEqual(["payments-dev"]);
});

test("GIVEN the guide's step-7 MIC log WHEN aks-doctor reads it with the consumer's --config (a CommonJS module) and --env THEN it reports the missing VM roles and exits 1", () => {
  expect(doctor.stderr).toBe("");
  expect(doctor.code).toBe(1);
  const report = JSON.parse(doctor.stdout);
  expect(report.env).toBe("dev-test");
  expect(report.findings.map((f: { id: string }) => f.id)).toEqual(["missing-node-resource-group-roles"]);
});

test("GIVEN a recorded plan with protected deletes WHEN aks-plan-report renders it THEN Markdown names the stack and the guard exits 1", () => {
  expect(planReport.code).toBe(1);
  expect(planReport.stdout).toContain("dev-test-apps");
  expect(planReport.stderr).toMatch(/^plan-report: blocked: 4 protected change\(s\) \(dev-test-apps: delete kubernetes_manifest\.binding;/);
});

test("GIVEN no kubectl on PATH WHEN aks-verify runs with the consumer's --config (JSON) THEN it says so and exits 2", () => {
  expect(verify.stderr).toBe("verify: kubectl not found on PATH (kubectl): install kubectl, or put it on PATH\n");
  expect(verify.code).toBe(2);
});
