// The exit to plain Terraform (docs/exit.md): `cdktf synth --hcl` writes every stack as HCL
// (cdk.tf). It runs the app with SYNTH_HCL_OUTPUT=true, which cdktf's App reads; this test does
// the same in-process through synthesize(), as `npm run synth` runs it, and hands every file to
// the real `terraform fmt`. Before patches/cdktf+0.21.0.patch every stack's terraform block held
// `0 = "required_version"`, which Terraform rejects ("Argument or block definition required").
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { devTest, platform } from "../config/environments";
import type { EnvironmentConfig, PlatformConfig } from "../config/types";
import { REQUIRED_TERRAFORM } from "../stacks/environment-stack";
import { synthesize } from "../stacks/synthesize";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hcl-export-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TERRAFORM = spawnSync("terraform", ["version"], { encoding: "utf8" });
const HAS_TERRAFORM = !TERRAFORM.error && TERRAFORM.status === 0;
if (!HAS_TERRAFORM) {
  // Printed so a skipped proof is never mistaken for a passed one.
  console.warn(
    `hcl-export: skipping the terraform fmt checks: \`terraform\` is not on PATH (${TERRAFORM.error?.message ?? TERRAFORM.stderr})`,
  );
}
const withTerraform = HAS_TERRAFORM ? test : test.skip;

/** Dev/Test with workload identity beside pod identity, one stack per team: the other stack kinds. */
const perTeamBoth: EnvironmentConfig = {
  ...devTest,
  stackLayout: "per-team",
  cluster: {
    ...devTest.cluster,
    oidcIssuerUrl: "https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/",
  },
  teams: devTest.teams.map((t) => ({
    ...t,
    identityMode: "both" as const,
    workloadIdentity: { serviceAccountName: "az-keyvault-reader" },
  })),
};

/** Synthesizes `config` as `cdktf synth --hcl` would; returns stack name → cdk.tf path. */
function exportHcl(name: string, config: PlatformConfig): Map<string, string> {
  const outdir = path.join(tmp, name);
  const previous = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = "true";
  try {
    const r = synthesize(config, [], {}, outdir);
    if (!r.ok) throw new Error(r.messages.join("\n"));
    return new Map(r.stacks.map((s) => [s, path.join(outdir, "stacks", s, "cdk.tf")]));
  } finally {
    if (previous === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = previous;
  }
}

/** Runs terraform with no CLI config file (none exists here; it would only warn). */
const terraform = (args: string[], cwd: string) =>
  spawnSync("terraform", args, { cwd, encoding: "utf8", env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", NO_COLOR: "1" } });

describe.each([
  ["the default app (both environments, shared layout)", "default", platform],
  ["Dev/Test with pod and workload identity, one stack per team", "per-team-both", { environments: [perTeamBoth] }],
])("GIVEN %s", (_title, name, config) => {
  const files = exportHcl(name, config);

  test("WHEN exported as HCL THEN every stack has a cdk.tf whose terraform block requires Terraform " + REQUIRED_TERRAFORM, () => {
    expect(files.size).toBeGreaterThanOrEqual(2);
    for (const [stack, file] of files) {
      const hcl = fs.readFileSync(file, "utf8");
      // Unformatted output: the terraform block is everything before the first provider block.
      const block = hcl.slice(0, hcl.indexOf('\nprovider "'));
      expect({ stack, starts: block.startsWith("terraform {") }).toEqual({ stack, starts: true });
      expect(block).toContain(`required_version = "${REQUIRED_TERRAFORM}"`);
      expect(hcl).not.toMatch(/^\s*\d+ = "/m);
      expect(fs.existsSync(path.join(path.dirname(file), "cdk.tf.json"))).toBe(false);
    }
  });

  withTerraform("WHEN terraform fmt formats the export THEN every file parses, and terraform fmt -check then passes", () => {
    const stacksDir = path.dirname(path.dirname([...files.values()][0]));
    const fmt = terraform(["fmt", "-recursive", "-list=false"], stacksDir);
    expect({ status: fmt.status, stderr: fmt.stderr }).toEqual({ status: 0, stderr: "" });
    const check = terraform(["fmt", "-check", "-recursive"], stacksDir);
    expect({ status: check.status, stdout: check.stdout, stderr: check.stderr }).toEqual({ status: 0, stdout: "", stderr: "" });
  });
});
