import * as fs from "fs";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { VaultSecret, type VaultSecretProps } from "../constructs/key-vault-secret";
import { IDS, allKeys, azurermAlias, newStack, onlyResource, resources, synth, validationErrorOf, variables } from "./support/synth";
import type { Construct } from "constructs";

const VAULT_ID = `/subscriptions/${IDS.appSubscription}/resourceGroups/rg-westus2-shared/providers/Microsoft.KeyVault/vaults/kv-westus2-aks`;

function secret(scope: Construct, props: Partial<VaultSecretProps> = {}, id = "Secret"): VaultSecret {
  return new VaultSecret(scope, id, { keyVaultId: VAULT_ID, name: "grafana-admin-username-poc", ...props });
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("VaultSecret", () => {
  test("GIVEN a secret from a variable WHEN synthesized THEN the value goes through value_wo from ${var.X}, with a version, and there is no value attribute", () => {
    // GIVEN / WHEN
    const { stack } = newStack();
    const s = secret(stack);
    const json = synth(stack);

    // THEN
    const r = onlyResource(json, "azurerm_key_vault_secret");
    expect(r.name).toBe("grafana-admin-username-poc");
    expect(r.key_vault_id).toBe(VAULT_ID);
    expect(r.value_wo).toBe("${var.secret_grafana_admin_username_poc}");
    expect(r.value_wo_version).toBe(1);
    expect(r.content_type).toBe("text/plain");
    expect(r).not.toHaveProperty("value");
    expect(r).not.toHaveProperty("lifecycle");
    expect(r).not.toHaveProperty("expiration_date");
    // No plain `value` attribute anywhere in the secret resources.
    expect(allKeys(resources(json, "azurerm_key_vault_secret")).has("value")).toBe(false);
    expect(s.secretName).toBe("grafana-admin-username-poc");
    expect(s.variableName).toBe("secret_grafana_admin_username_poc");
    expect(s.resource).toBeDefined();
  });

  test("GIVEN a secret from a variable THEN the variable is a non-nullable, sensitive, ephemeral string without a default", () => {
    const { stack } = newStack();

    secret(stack);
    const vars = variables(synth(stack));

    expect(Object.keys(vars)).toEqual(["secret_grafana_admin_username_poc"]);
    const v = vars.secret_grafana_admin_username_poc;
    expect(v.type).toBe("string");
    expect(v.sensitive).toBe(true);
    expect(v.ephemeral).toBe(true);
    expect(v.nullable).toBe(false);
    expect(v).not.toHaveProperty("default");
    expect(v.description).toContain("TF_VAR_secret_grafana_admin_username_poc");
  });

  test("GIVEN the value is set in TF_VAR_… at synth time THEN the sentinel appears in no synthesized file", () => {
    // GIVEN
    const sentinel = "S3NT1NEL-do-not-leak-7f3a";
    const before = process.env.TF_VAR_secret_grafana_admin_username_poc;
    process.env.TF_VAR_secret_grafana_admin_username_poc = sentinel;
    try {
      const { stack } = newStack();
      secret(stack);

      // WHEN
      const json = Testing.synth(stack, true);
      const outdir = Testing.fullSynth(stack);

      // THEN
      expect(json).not.toContain(sentinel);
      const files = filesUnder(outdir);
      expect(files.some((f) => f.endsWith("cdk.tf.json"))).toBe(true);
      for (const f of files) expect(fs.readFileSync(f, "utf8")).not.toContain(sentinel);
      fs.rmSync(outdir, { recursive: true, force: true });
    } finally {
      if (before === undefined) delete process.env.TF_VAR_secret_grafana_admin_username_poc;
      else process.env.TF_VAR_secret_grafana_admin_username_poc = before;
    }
  });

  test("GIVEN expiry, content type, a bumped version, a variable name, prevent-destroy and a provider THEN all reach the resource", () => {
    const { stack } = newStack();
    const shared = azurermAlias(stack, "shared", IDS.appSubscription);

    secret(stack, {
      expirationDate: "2027-06-30T00:00:00Z",
      contentType: "application/json",
      valueVersion: 3,
      variableName: "grafana_admin",
      preventDestroy: true,
      provider: shared,
    });
    const json = synth(stack);

    const r = onlyResource(json, "azurerm_key_vault_secret");
    expect(r.expiration_date).toBe("2027-06-30T00:00:00Z");
    expect(r.content_type).toBe("application/json");
    expect(r.value_wo_version).toBe(3);
    expect(r.value_wo).toBe("${var.grafana_admin}");
    expect(r.lifecycle).toEqual({ prevent_destroy: true });
    expect(r.provider).toBe("azurerm.shared");
    expect(Object.keys(variables(json))).toEqual(["grafana_admin"]);
  });

  test("GIVEN source external THEN no resource and no variable are created, only the name is known", () => {
    const { stack } = newStack();

    const s = secret(stack, { source: "external" });
    const json = synth(stack);

    expect(resources(json, "azurerm_key_vault_secret")).toEqual({});
    expect(variables(json)).toEqual({});
    expect(json.resource).toBeUndefined();
    expect(s.secretName).toBe("grafana-admin-username-poc");
    expect(s.resource).toBeUndefined();
    expect(s.variableName).toBeUndefined();
  });

  test("GIVEN bad props WHEN created THEN one ValidationError reports each field with its value", () => {
    const { stack } = newStack();

    const e = validationErrorOf(() =>
      secret(stack, { name: "grafana_admin", expirationDate: "2027-06-30", valueVersion: 0, variableName: "1password" }),
    );

    expect(e.issues.map((i) => [i.field, i.value])).toEqual([
      ["name", "grafana_admin"],
      ["expirationDate", "2027-06-30"],
      ["valueVersion", 0],
      ["variableName", "1password"],
    ]);
    expect(e.message).toContain('test/Secret: name "grafana_admin" is invalid');
    expect(e.message).toContain("Fix: replace underscores, dots and spaces with hyphens");
  });

  test.each([[1.5], [-1]])("GIVEN valueVersion %p WHEN created THEN it throws", (valueVersion) => {
    const { stack } = newStack();
    const e = validationErrorOf(() => secret(stack, { valueVersion }));
    expect(e.issues.map((i) => [i.field, i.value])).toEqual([["valueVersion", valueVersion]]);
  });

  test("GIVEN an impossible expiry date WHEN created THEN it throws (terraform would reject it at plan time)", () => {
    const { stack } = newStack();
    const e = validationErrorOf(() => secret(stack, { expirationDate: "2027-02-30T00:00:00Z" }));
    expect(e.issues.map((i) => i.field)).toEqual(["expirationDate"]);
  });
});

describe("variable names are unique per stack", () => {
  test("GIVEN two secrets with the same explicit variableName in one stack WHEN the second is created THEN it throws naming both", () => {
    const stack = new TerraformStack(Testing.app(), "dup");
    new VaultSecret(stack, "A", { keyVaultId: "/subscriptions/x/kv-a", name: "db-password", variableName: "db_password" });
    expect(
      () => new VaultSecret(stack, "B", { keyVaultId: "/subscriptions/x/kv-b", name: "db-password", variableName: "db_password" }),
    ).toThrow(/dup\/B: variableName "db_password" is already the variable of dup\/A: both secrets would get one value/);
  });
});
