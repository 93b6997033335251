/**
 * The doctor command: exit codes, files and standard input, --json, --env, --verbose.
 */
import * as path from "path";
import { PassThrough, Readable } from "stream";
import { cli } from "../tools/doctor/cli";

const LOGS = path.join(__dirname, "fixtures", "logs");
/** This repository's platform config, as `npm run doctor` passes it (a module exporting `platform`). */
const CONFIG = path.join(__dirname, "..", "config", "environments.ts");

async function run(argv: string[], stdinText?: string): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const stdin = Object.assign(Readable.from(stdinText === undefined ? [] : [stdinText]), { isTTY: false });
  const code = await cli(argv, { stdin, stdout, stderr });
  return { code, out, err };
}

describe("doctor cli", () => {
  it("GIVEN a guide log file WHEN run THEN exit 1 and the text names the finding, step and fix", async () => {
    const r = await run([path.join(LOGS, "guide-step3-mic.log")]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("✗ missing-managed-identity-operator");
    expect(r.out).toContain("guide step   3:");
    expect(r.out).toContain("ManagedIdentityOperatorAssignment");
    expect(r.out).toContain("seen 2× from 12-16 00:29:01.522258 to 12-16 00:29:02.006234");
    expect(r.err).toBe("");
  });

  it("GIVEN a clean log on standard input WHEN run THEN exit 0", async () => {
    const r = await run([], "I1216 00:29:01.522258       1 mic.go:1023] all fine\n");
    expect(r.code).toBe(0);
    expect(r.out).toContain("no known failure found in 1 line (<stdin>)");
  });

  it("GIVEN --json and --env prod WHEN the dev-test cluster's log is read THEN the JSON says the client is not prod's agent pool", async () => {
    const r = await run(["--json", "--config", CONFIG, "--env", "prod", path.join(LOGS, "guide-step7-mic.log")]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ tool: "doctor", version: 1, env: "prod", summary: { findings: 1, occurrences: 2, lines: 2 } });
    const f = report.findings[0];
    expect(f.id).toBe("missing-node-resource-group-roles");
    expect(f.values.principalId).toEqual(["b9276f33-e80c-4f09-9cdf-24c28c0feea4"]);
    const mismatches = f.config.checks
      .filter((c: { status: string }) => c.status === "mismatch")
      .map((c: { message: string }) => c.message);
    expect(mismatches).toEqual([
      "the client b9276f33-e80c-4f09-9cdf-24c28c0feea4 in the log is not the agent-pool identity configured for prod: it is dev-test's agent pool (aks-xcEwmVSi-agentpool): a wrong cluster or a stale config",
      "node resource group MC_rg-aks-poc-container-westus2 in the log is not prod's (MC_rg-aks-prod-container-westus2): a wrong cluster or a stale config",
      "the cluster subscription 7e242177-ef0b-431f-8c76-e40907843aa7 in the log is not prod's (00000000-0000-0000-0000-000000000000)",
    ]);
  });

  it("GIVEN --verbose WHEN lines are skipped THEN they are counted, per source", async () => {
    const r = await run(["--verbose", "-"], "noise\nmore noise\n");
    expect(r.code).toBe(0);
    expect(r.out).toContain("0 lines recognised, 2 skipped as not recognised");
    expect(r.out).toContain("<stdin>: 2 lines, 0 recognised, 2 skipped");
  });

  it.each([
    [["--bogus"], 'doctor: unknown option "--bogus"'],
    [
      ["--config", CONFIG, "--env", "staging", "x.log"],
      `doctor: unknown environment "staging" in --config "${CONFIG}" (known: dev-test, prod); use --env dev-test or --env prod`,
    ],
    [["--env", "prod", "x.log"], "doctor: --env prod needs --config <file>, the platform config that defines the environment"],
    [
      ["--config", path.join(LOGS, "no-such-config.json"), "--env", "prod", "x.log"],
      `--config "${path.join(LOGS, "no-such-config.json")}": no such file`,
    ],
    [["--config", path.join(LOGS, "nmi-kubenet.log"), "--env", "prod", "x.log"], 'nmi-kubenet.log": cannot load the module: '],
    [
      ["--config", path.join(__dirname, "fixtures", "plans", "dev-test-apps.plan.json")],
      'holds no platform config; expected { "environments": [...] }',
    ],
    [["--env"], "doctor: --env needs an environment name"],
    [["--config"], "doctor: --config needs a file"],
    [[path.join(LOGS, "does-not-exist.log")], "no such file"],
    [[LOGS], "it is a directory"],
  ])("GIVEN bad usage %j WHEN run THEN exit 2 with a one-line message", async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.out).toBe("");
  });

  it("GIVEN a terminal on standard input and no file WHEN run THEN exit 2 instead of waiting", async () => {
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (d) => (err += d));
    const stdin = Object.assign(Readable.from([]), { isTTY: true });
    expect(await cli([], { stdin, stdout: new PassThrough(), stderr })).toBe(2);
    expect(err).toContain("no input");
  });

  it("GIVEN --help WHEN run THEN exit 0 and the exit codes are documented", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("exit codes: 0 nothing found, 1 findings, 2 usage error");
  });
});
