// The README's library example is real code: the same text as examples/app-team-stack.ts,
// type-checked by `npm test`, and it synthesizes the guide's pieces.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Json } from "./support/json";

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
  expect(Object.keys(json.resource).sort()).toEqual([
    "azurerm_key_vault",
    "azurerm_key_vault_access_policy",
    "azurerm_key_vault_secret",
    "azurerm_role_assignment",
    "azurerm_user_assigned_identity",
    "kubernetes_deployment_v1",
    "kubernetes_manifest",
    "kubernetes_namespace_v1",
  ]);
  // AppIdentityStack: write-only secrets need Terraform 1.11; soft-deleted vaults and secrets are recovered, never purged.
  expect(json.terraform.required_version).toBe(">= 1.11.0");
  for (const p of json.provider.azurerm) {
    expect(p.features[0].key_vault[0]).toEqual({
      purge_soft_delete_on_destroy: false,
      purge_soft_deleted_secrets_on_destroy: false,
      recover_soft_deleted_key_vaults: true,
      recover_soft_deleted_secrets: true,
    });
  }
  const labels = Object.values<Json>(json.resource.kubernetes_deployment_v1)[0].spec.template.metadata.labels;
  expect(labels.aadpodidbinding).toBe("payments");
  fs.rmSync(out, { recursive: true, force: true });
});
