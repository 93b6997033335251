// The README's library example is real code: the same text as examples/app-team-stack.ts,
// type-checked by `npm test`, and it synthesizes the guide's pieces.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expectReadmeExampleStack } from "./support/readme-example";

const root = path.resolve(__dirname, "..");

test("GIVEN the README WHEN its library example is compared with examples/app-team-stack.ts THEN they are the same code", () => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const example = fs.readFileSync(path.join(root, "examples/app-team-stack.ts"), "utf8");
  // The file's leading comment is not part of the README's copy.
  const lines = example.split("\n");
  const code = lines.slice(lines.findIndex((l) => !l.startsWith("//"))).join("\n");
  expect(readme).toContain("```ts\n" + code + "```");
});

test("GIVEN the example app WHEN it runs THEN it synthesizes namespace, identity, grants, binding and workload, with Terraform ≥ 1.11 and Key Vault data safety", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "readme-example-"));
  const previous = process.env.CDKTF_OUTDIR;
  process.env.CDKTF_OUTDIR = out;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- isolateModules is synchronous: the example app synthesizes on load, in a fresh module registry
    jest.isolateModules(() => require("../examples/app-team-stack"));
  } finally {
    if (previous === undefined) delete process.env.CDKTF_OUTDIR;
    else process.env.CDKTF_OUTDIR = previous;
  }
  const json = JSON.parse(fs.readFileSync(path.join(out, "stacks/payments-dev/cdk.tf.json"), "utf8"));
  expectReadmeExampleStack(json);
  fs.rmSync(out, { recursive: true, force: true });
});
