/**
 * Selective plans: which stacks' synthesized JSON changed between the base branch and the head.
 * Each test writes two real synth output directories (base and head checkouts) the way cdktf does.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { cli } from "../tools/changed-stacks/cli";
import { compareSynthOutputs, stripMetadata } from "../tools/changed-stacks/compare";
import { ChangedStacks, compareDeployOrder, deployWaves, parseStackName } from "../tools/shared/stacks";
import { runCli } from "./fixtures/plans/capture";

type Json = Record<string, unknown>;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "changed-stacks-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A stack document as cdktf writes it, with `//` metadata and a local backend path inside `checkout`. */
function stackJson(checkout: string, stack: string, resources: Json, extra: Json = {}): Json {
  const withMeta: Json = {};
  for (const [type, byName] of Object.entries(resources)) {
    withMeta[type] = Object.fromEntries(
      Object.entries(byName as Json).map(([name, body]) => [
        name,
        { "//": { metadata: { path: `${stack}/${name}`, uniqueId: name } }, ...(body as Json) },
      ]),
    );
  }
  return {
    "//": { metadata: { backend: "local", stackName: stack, version: "0.21.0" }, outputs: {} },
    provider: { azurerm: [{ features: [{}] }] },
    resource: withMeta,
    terraform: {
      backend: { local: { path: join(checkout, `terraform.${stack}.tfstate`) } },
      required_providers: { azurerm: { source: "azurerm", version: "4.55.0" } },
    },
    ...extra,
  };
}

/** Writes `<root>/<checkout>/cdktf.out/stacks/<name>/cdk.tf.json` for each stack; returns the cdktf.out path. */
function synth(checkout: string, stacks: Record<string, (dir: string) => Json>, pretty = true): string {
  const out = join(root, checkout, "cdktf.out");
  for (const [name, doc] of Object.entries(stacks)) {
    mkdirSync(join(out, "stacks", name), { recursive: true });
    writeFileSync(join(out, "stacks", name, "cdk.tf.json"), JSON.stringify(doc(join(root, checkout)), null, pretty ? 2 : 0));
  }
  writeFileSync(join(out, "manifest.json"), JSON.stringify({ version: "0.21.0", stacks: {} }));
  return out;
}

const vault = { azurerm_key_vault: { vault: { name: "kv-payments-dev", sku_name: "standard", tags: { team: "payments" } } } };
const roles = (principal: string) => ({
  azurerm_role_assignment: { kubelet_reader: { principal_id: principal, scope: "/subscriptions/s/resourceGroups/MC_rg" } },
});

describe("compareSynthOutputs", () => {
  test("GIVEN identical stacks synthesized in two checkouts THEN nothing changed (backend path is relative to the checkout)", () => {
    const stacks = { "dev-test-apps": (c: string) => stackJson(c, "dev-test-apps", vault) };
    const result = compareSynthOutputs(synth("base", stacks), synth("head", stacks, false));
    expect(result.stacks).toEqual([{ name: "dev-test-apps", status: "unchanged" }]);
    expect(result.plan).toEqual([]);
  });

  test("GIVEN one stack's resource changes THEN only that stack is to plan, and the resource is named", () => {
    const base = synth("base", {
      "dev-test-cluster-admin": (c) => stackJson(c, "dev-test-cluster-admin", roles("kubelet-1")),
      "dev-test-apps": (c) => stackJson(c, "dev-test-apps", vault),
    });
    const head = synth("head", {
      "dev-test-cluster-admin": (c) => stackJson(c, "dev-test-cluster-admin", roles("kubelet-2")),
      "dev-test-apps": (c) => stackJson(c, "dev-test-apps", vault),
    });
    const result = compareSynthOutputs(base, head);
    expect(result.stacks).toEqual([
      { name: "dev-test-cluster-admin", status: "changed", differences: ["resource.azurerm_role_assignment.kubelet_reader"] },
      { name: "dev-test-apps", status: "unchanged" },
    ]);
    expect(result.plan).toEqual(["dev-test-cluster-admin"]);
  });

  test("GIVEN only cdktf metadata (`//`: construct paths, cdktf version) changes THEN the stack is unchanged", () => {
    const base = synth("base", { "prod-apps": (c) => stackJson(c, "prod-apps", vault) });
    const head = synth("head", {
      "prod-apps": (c) => {
        const doc = stackJson(c, "prod-apps", vault);
        (doc["//"] as Json).metadata = { backend: "local", stackName: "prod-apps", version: "0.21.1" };
        ((doc.resource as Json).azurerm_key_vault as Json).vault = {
          ...(((doc.resource as Json).azurerm_key_vault as Json).vault as Json),
          "//": { metadata: { path: "prod-apps/renamed-construct/vault", uniqueId: "vault" } },
        };
        return doc;
      },
    });
    expect(compareSynthOutputs(base, head).stacks).toEqual([{ name: "prod-apps", status: "unchanged" }]);
  });

  test("GIVEN a `//` key inside an attribute value (a tag) changes THEN the stack changed: it is a real value", () => {
    const withTag = (v: string) => ({ azurerm_key_vault: { vault: { name: "kv", tags: { "//": v } } } });
    const base = synth("base", { "prod-apps": (c) => stackJson(c, "prod-apps", withTag("a")) });
    const head = synth("head", { "prod-apps": (c) => stackJson(c, "prod-apps", withTag("b")) });
    expect(compareSynthOutputs(base, head).plan).toEqual(["prod-apps"]);
  });

  test("GIVEN a backend, provider or variable change THEN the stack changed", () => {
    const base = synth("base", { "prod-apps": (c) => stackJson(c, "prod-apps", vault) });
    const head = synth("head", {
      "prod-apps": (c) => ({
        ...stackJson(c, "prod-apps", vault),
        variable: { kv_secret_db: { type: "string", sensitive: true, ephemeral: true } },
        terraform: { backend: { azurerm: { key: "prod-apps.tfstate", use_azuread_auth: true } } },
      }),
    });
    const [stack] = compareSynthOutputs(base, head).stacks;
    expect(stack.status).toBe("changed");
    expect(stack.differences).toEqual(["terraform.backend", "terraform.required_providers", "variable.kv_secret_db"]);
  });

  test("GIVEN stacks added and removed THEN both are reported; added ones are to plan, in deploy order", () => {
    const base = synth("base", { "prod-apps-legacy": (c) => stackJson(c, "prod-apps-legacy", vault) });
    const head = synth("head", {
      "prod-apps": (c) => stackJson(c, "prod-apps", vault),
      "prod-cluster-admin": (c) => stackJson(c, "prod-cluster-admin", roles("k")),
      "dev-test-apps": (c) => stackJson(c, "dev-test-apps", vault),
    });
    const result = compareSynthOutputs(base, head);
    expect(result.stacks.map((s) => [s.name, s.status])).toEqual([
      ["dev-test-apps", "added"],
      ["prod-cluster-admin", "added"],
      ["prod-apps", "added"],
      ["prod-apps-legacy", "removed"],
    ]);
    expect(result.plan).toEqual(["dev-test-apps", "prod-cluster-admin", "prod-apps"]);
  });

  test("GIVEN an extra file in a stack directory (an asset) changes THEN the stack changed; .terraform/ and plans are ignored", () => {
    const stacks = { "dev-test-apps": (c: string) => stackJson(c, "dev-test-apps", vault) };
    const base = synth("base", stacks);
    const head = synth("head", stacks);
    mkdirSync(join(base, "stacks", "dev-test-apps", ".terraform"), { recursive: true });
    writeFileSync(join(base, "stacks", "dev-test-apps", ".terraform", "terraform.tfstate"), "x");
    writeFileSync(join(head, "stacks", "dev-test-apps", "tfplan"), "binary plan");
    expect(compareSynthOutputs(base, head).plan).toEqual([]);

    mkdirSync(join(head, "stacks", "dev-test-apps", "assets"), { recursive: true });
    writeFileSync(join(head, "stacks", "dev-test-apps", "assets", "values.yaml"), "replicas: 2\n");
    expect(compareSynthOutputs(base, head).stacks[0]).toEqual({
      name: "dev-test-apps",
      status: "changed",
      differences: ["file assets/values.yaml"],
    });
  });

  test("GIVEN no base synth output THEN it fails, unless --allow-missing-base makes every stack added", () => {
    const head = synth("head", { "dev-test-apps": (c) => stackJson(c, "dev-test-apps", vault) });
    expect(() => compareSynthOutputs(join(root, "base", "cdktf.out"), head)).toThrow(
      /no synth output of the base branch.*--allow-missing-base/,
    );
    const result = compareSynthOutputs(join(root, "base", "cdktf.out"), head, { allowMissingBase: true });
    expect(result).toMatchObject({ baseAvailable: false, plan: ["dev-test-apps"] });
  });

  test("stripMetadata keeps every value Terraform reads", () => {
    expect(
      stripMetadata({
        "//": { x: 1 },
        resource: { t: { n: { "//": { m: 1 }, a: 1, tags: { "//": "kept" } } } },
        provider: { azurerm: [{ "//": 1, features: [{}] }] },
        terraform: { "//": 1, backend: { local: {} } },
      }),
    ).toEqual({
      resource: { t: { n: { a: 1, tags: { "//": "kept" } } } },
      provider: { azurerm: [{ features: [{}] }] },
      terraform: { backend: { local: {} } },
    });
  });
});

describe("changed-stacks command line", () => {
  test("GIVEN base and head WHEN --json THEN it prints the comparison; --format github prints $GITHUB_OUTPUT lines", async () => {
    const base = synth("base", {
      "dev-test-apps": (c) => stackJson(c, "dev-test-apps", vault),
      "prod-apps": (c) => stackJson(c, "prod-apps", vault),
    });
    const head = synth("head", {
      "dev-test-apps": (c) => stackJson(c, "dev-test-apps", roles("p")),
      "prod-apps": (c) => stackJson(c, "prod-apps", vault),
    });

    const json = await runCli(cli, ["--json", base, head]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as ChangedStacks;
    expect(parsed).toMatchObject({ kind: "aks-changed-stacks", plan: ["dev-test-apps"] });

    const gh = await runCli(cli, ["--format", "github", base, head]);
    expect(gh.stdout).toBe('plan=["dev-test-apps"]\nunchanged=["prod-apps"]\nremoved=[]\nany-to-plan=true\n');

    const text = await runCli(cli, [base, head]);
    expect(text.stdout).toContain(
      "changed   dev-test-apps  (resource.azurerm_key_vault.vault, resource.azurerm_role_assignment.kubelet_reader)",
    );
    expect(text.stdout).toContain("unchanged prod-apps");
  });

  test("GIVEN a missing head or a damaged cdk.tf.json THEN one line and exit 2", async () => {
    const missing = await runCli(cli, [join(root, "a"), join(root, "b")]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toMatch(/^changed-stacks: .*b: no synth output \(no stacks\/ directory\)\. Run `npm run synth` first\.\n$/);

    const base = synth("base", { "prod-apps": (c) => stackJson(c, "prod-apps", vault) });
    const head = synth("head", { "prod-apps": (c) => stackJson(c, "prod-apps", vault) });
    writeFileSync(join(head, "stacks", "prod-apps", "cdk.tf.json"), "{ not json");
    const bad = await runCli(cli, [base, head]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cdk\.tf\.json: not valid JSON .*re-run `npm run synth`/);
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  test("GIVEN a synth output WHEN --waves THEN stacks come in deploy waves; an unknown name fails with exit 1", async () => {
    const names = ["prod-apps-payments", "dev-test-apps-payments", "prod-cluster-admin", "dev-test-cluster-admin", "dev-test-apps-orders"];
    const out = synth("head", Object.fromEntries(names.map((n) => [n, (c: string) => stackJson(c, n, vault)])));
    const gh = await runCli(cli, ["--waves", "--format", "github", out]);
    expect(gh.code).toBe(0);
    expect(gh.stdout).toBe(
      [
        'dev-test-cluster-admin=["dev-test-cluster-admin"]',
        'dev-test-apps=["dev-test-apps-orders","dev-test-apps-payments"]',
        'prod-cluster-admin=["prod-cluster-admin"]',
        'prod-apps=["prod-apps-payments"]',
        "unknown=[]",
        "",
      ].join("\n"),
    );

    synth("head", { "staging-apps": (c) => stackJson(c, "staging-apps", vault) });
    const unknown = await runCli(cli, ["--waves", out]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("staging-apps fit no deploy wave");
  });
});

describe("stack names", () => {
  test("GIVEN the naming convention THEN environment, kind and team are read back", () => {
    expect(parseStackName("dev-test-apps-payments")).toEqual({
      name: "dev-test-apps-payments",
      environment: "dev-test",
      kind: "apps",
      team: "payments",
    });
    expect(parseStackName("prod-cluster-admin")).toEqual({ name: "prod-cluster-admin", environment: "prod", kind: "cluster-admin" });
    expect(parseStackName("something-else")).toBeUndefined();
  });

  test("GIVEN stacks THEN Dev/Test comes before Prod and cluster-admin before apps", () => {
    const sorted = ["prod-apps", "prod-cluster-admin", "dev-test-apps-b", "dev-test-apps-a", "dev-test-cluster-admin"].sort(
      compareDeployOrder,
    );
    expect(sorted).toEqual(["dev-test-cluster-admin", "dev-test-apps-a", "dev-test-apps-b", "prod-cluster-admin", "prod-apps"]);
    expect(deployWaves(sorted).unknown).toEqual([]);
  });
});
