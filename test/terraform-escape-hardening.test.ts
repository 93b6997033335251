// Issue 12, section 2, proven with the real terraform binary: text escaped by the config schema
// ($${, %%{) is read literally by Terraform, while the same text unescaped is evaluated.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { escapeTerraformTemplate } from "../config/schema";

const TF = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0 ? "terraform" : undefined;
if (!TF) console.log("skipped: terraform 1.11.4 is not on PATH");
const maybe = TF ? test : test.skip;

function planned(input: string): { status: number | null; value?: unknown; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-escape."));
  try {
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: { terraform_data: { probe: { input } } } }));
    const env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
    const run = (...args: string[]) => spawnSync("terraform", args, { cwd: dir, env, encoding: "utf8" });
    const init = run("init", "-input=false", "-no-color");
    if (init.status !== 0) return { status: init.status, stderr: init.stderr };
    const plan = run("plan", "-input=false", "-no-color", "-out=plan.bin");
    if (plan.status !== 0) return { status: plan.status, stderr: plan.stderr };
    const show = run("show", "-json", "plan.bin");
    const rc = (JSON.parse(show.stdout) as { resource_changes: { change: { after: { input: unknown } } }[] }).resource_changes[0];
    return { status: 0, value: rc.change.after.input, stderr: "" };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("GIVEN a tag value or contentType that holds a Terraform expression", () => {
  const evil = '${upper("pwned")} and %{ if true }directive%{ endif }';

  maybe("WHEN escaped as the schema does THEN terraform plans the literal text", () => {
    expect(escapeTerraformTemplate(evil)).toBe('$${upper("pwned")} and %%{ if true }directive%%{ endif }');
    expect(planned(escapeTerraformTemplate(evil))).toEqual({ status: 0, value: evil, stderr: "" });
  });

  maybe("WHEN not escaped (the control) THEN terraform evaluates it", () => {
    expect(planned(evil).value).toBe("PWNED and directive");
  });
});
