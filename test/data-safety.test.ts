// Issue 3, guard rail 3: data safety. What Prod protects (prevent_destroy, Key Vault recovery
// instead of purge), deterministic role assignment names, typed principals, and secret values
// that never reach cdk.tf.json, state or a saved plan — the last proven with real Terraform
// (built-in terraform_data only: no provider download is possible here).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { execFile, spawnSync } from "child_process";
import { platform } from "../config/environments";
import type { PlatformConfig, SecretConfig } from "../config/types";
import { synthesize } from "../stacks/synthesize";
import type { Json } from "./support/json";

type Draft<T> = T extends readonly (infer U)[] ? Draft<U>[] : T extends object ? { -readonly [K in keyof T]: Draft<T[K]> } : T;
type Config = Draft<PlatformConfig>;
const envOf = (c: Config, name: string) => c.environments.find((e) => e.name === name)!;

const madeDirs: string[] = [];
afterAll(() => madeDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tmp = (prefix: string): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  madeDirs.push(d);
  return d;
};

/** Synthesizes (a mutation of) the real config like `npm run synth`; returns every stack's JSON by name. */
function synthStacks(
  mutate: (c: Config) => void = () => undefined,
  vars: NodeJS.ProcessEnv = {},
): { stacks: Map<string, Json>; outdir: string } {
  const c = structuredClone(platform) as Config;
  mutate(c);
  const outdir = path.join(tmp("data-safety."), "cdktf.out");
  const r = synthesize(c, [], vars, outdir);
  if (!r.ok) throw new Error(r.messages.join("\n"));
  const stacks = new Map(
    r.stacks.map((s) => [s, JSON.parse(fs.readFileSync(path.join(outdir, "stacks", s, "cdk.tf.json"), "utf8")) as Json]),
  );
  return { stacks, outdir };
}

const resourcesOf = (json: Json, type: string): Json[] => Object.values<Json>(json.resource?.[type] ?? {});
const PROTECTED = ["azurerm_key_vault", "azurerm_key_vault_secret", "azurerm_user_assigned_identity"] as const;

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const defaults = synthStacks();

describe("GIVEN the default config", () => {
  test.each(["prod-apps"])("WHEN %s is synthesized THEN vaults, secrets and identities carry prevent_destroy", (name) => {
    const json = defaults.stacks.get(name)!;
    for (const type of PROTECTED) {
      const list = resourcesOf(json, type);
      expect(list.length).toBeGreaterThan(0);
      for (const r of list) expect(r.lifecycle).toEqual({ prevent_destroy: true });
    }
  });

  test("WHEN dev-test-apps is synthesized THEN nothing carries prevent_destroy (Dev/Test can be torn down)", () => {
    const json = defaults.stacks.get("dev-test-apps")!;
    for (const type of PROTECTED) {
      const list = resourcesOf(json, type);
      expect(list.length).toBeGreaterThan(0);
      for (const r of list) expect(r.lifecycle).toBeUndefined();
    }
  });

  test.each(["dev-test-cluster-admin", "dev-test-apps", "prod-cluster-admin", "prod-apps"])(
    "WHEN %s is synthesized THEN every azurerm provider recovers soft-deleted vaults and secrets and never purges them",
    (name) => {
      const providers: Json[] = defaults.stacks.get(name)!.provider.azurerm;
      expect(providers.length).toBe(name.endsWith("-apps") ? 2 : 1);
      for (const p of providers) {
        expect(p.features).toEqual([
          {
            key_vault: [
              {
                purge_soft_delete_on_destroy: false,
                purge_soft_deleted_secrets_on_destroy: false,
                recover_soft_deleted_key_vaults: true,
                recover_soft_deleted_secrets: true,
              },
            ],
          },
        ]);
      }
      if (name === "prod-apps") expect(providers.map((p) => p.alias)).toEqual([undefined, "cluster"]);
    },
  );

  test("WHEN synthesized THEN every role assignment is named by uuidv5 of its own scope, role and principal", () => {
    const expr = (v: string): string => /^\$\{(.*)\}$/.exec(v)?.[1] ?? JSON.stringify(v);
    const all = [...defaults.stacks.values()].flatMap((j) => resourcesOf(j, "azurerm_role_assignment"));
    expect(all.length).toBe(6); // per environment: MIO (apps), VM Contributor and Reader (cluster-admin)
    for (const ra of all) {
      expect(ra.name).toBe(`\${uuidv5("url", join("|", [${expr(ra.scope)}, ${expr(ra.role_definition_id)}, ${expr(ra.principal_id)}]))}`);
    }
    // Within a stack no two assignments share an expression (across stacks the same text resolves to other IDs).
    for (const j of defaults.stacks.values()) {
      const names = resourcesOf(j, "azurerm_role_assignment").map((ra) => ra.name);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  test("WHEN synthesized twice THEN the role assignment names are identical (re-runs never hit RoleAssignmentExists)", () => {
    const names = (stacks: Map<string, Json>) =>
      Object.fromEntries(
        [...stacks].flatMap(([s, j]) =>
          Object.entries<Json>(j.resource?.azurerm_role_assignment ?? {}).map(([id, ra]) => [`${s}/${id}`, ra.name]),
        ),
      );
    const again = synthStacks();
    expect(names(again.stacks)).toEqual(names(defaults.stacks));
    expect(Object.keys(names(defaults.stacks))).toHaveLength(6);
  });

  test("WHEN synthesized THEN every principal is typed ServicePrincipal and skips the Entra ID replication check", () => {
    const all = [...defaults.stacks.values()].flatMap((j) => resourcesOf(j, "azurerm_role_assignment"));
    for (const ra of all) expect(ra).toMatchObject({ principal_type: "ServicePrincipal", skip_service_principal_aad_check: true });
  });
});

describe("GIVEN the data-protection settings are config values", () => {
  // One synth for both tests: Dev/Test protected and allowed to purge, Prod unprotected.
  let stacks: Map<string, Json>;
  beforeAll(() => {
    stacks = synthStacks((c) => {
      envOf(c, "dev-test").dataProtection.preventDestroy = true;
      envOf(c, "dev-test").dataProtection.purgeOnDestroy = true;
      envOf(c, "prod").dataProtection.preventDestroy = false;
    }).stacks;
  });

  test("WHEN Dev/Test turns preventDestroy on and Prod turns it off THEN the lifecycle blocks follow", () => {
    for (const type of PROTECTED) {
      for (const r of resourcesOf(stacks.get("dev-test-apps")!, type)) expect(r.lifecycle).toEqual({ prevent_destroy: true });
      for (const r of resourcesOf(stacks.get("prod-apps")!, type)) expect(r.lifecycle).toBeUndefined();
    }
  });

  test("WHEN Dev/Test allows purge on destroy THEN only its providers purge, and they still recover", () => {
    const kv = (name: string) => stacks.get(name)!.provider.azurerm.map((p: Json) => p.features[0].key_vault[0]);
    for (const f of kv("dev-test-apps")) {
      expect(f).toEqual({
        purge_soft_delete_on_destroy: true,
        purge_soft_deleted_secrets_on_destroy: true,
        recover_soft_deleted_key_vaults: true,
        recover_soft_deleted_secrets: true,
      });
    }
    for (const f of kv("prod-apps"))
      expect(f).toMatchObject({ purge_soft_delete_on_destroy: false, purge_soft_deleted_secrets_on_destroy: false });
  });
});

describe("GIVEN a secret value (sentinel)", () => {
  const SENTINEL = "SENTINEL-7f3c9a1e-do-not-store";

  test("the config has no field to put a value in", () => {
    // @ts-expect-error SecretConfig has no `value`: values come from TF_VAR_<name> at plan/apply time only.
    const s: SecretConfig = { name: "grafana-admin-username-poc", value: SENTINEL };
    expect(s.name).toBe("grafana-admin-username-poc");
  });

  test("the secret's variable has no default and is sensitive and ephemeral; the secret has value_wo only", () => {
    for (const name of ["dev-test-apps", "prod-apps"]) {
      const json = defaults.stacks.get(name)!;
      const [secret] = resourcesOf(json, "azurerm_key_vault_secret");
      expect(secret.value).toBeUndefined();
      const varName = /^\$\{var\.([A-Za-z0-9_]+)\}$/.exec(secret.value_wo)![1];
      expect(json.variable[varName]).toEqual({
        type: "string",
        sensitive: true,
        ephemeral: true,
        nullable: false,
        description: expect.stringContaining(`Set TF_VAR_${varName}.`),
      });
    }
  });

  test("WHEN TF_VAR_<name> holds it during synth (and a config smuggles it in) THEN it is in no file under cdktf.out/", () => {
    const varNames = ["dev-test-apps", "prod-apps"].flatMap((s) => Object.keys(defaults.stacks.get(s)!.variable));
    expect(varNames).toHaveLength(2);
    const saved = Object.fromEntries(varNames.map((v) => [v, process.env[`TF_VAR_${v}`]]));
    try {
      for (const v of varNames) process.env[`TF_VAR_${v}`] = SENTINEL;
      const { outdir } = synthStacks(undefined, { ...process.env, SECRET: SENTINEL });
      // A JavaScript caller (or a cast) adding fields the type does not have: refused as unknown fields (config/schema.ts), nothing written.
      const smuggled = structuredClone(platform) as Config;
      Object.assign(envOf(smuggled, "prod").teams[0].keyVault.secrets[0], { value: SENTINEL, valueWo: SENTINEL, default: SENTINEL });
      const refusedOut = path.join(tmp("data-safety."), "cdktf.out");
      const refused = synthesize(smuggled, [], {}, refusedOut);
      expect(refused.ok).toBe(false);
      for (const f of ["value", "valueWo", "default"])
        expect(refused.messages.join("\n")).toContain(`keyVault.secrets[0].${f} "${SENTINEL}" is not a known field`);
      expect(fs.existsSync(refusedOut)).toBe(false);
      const files = filesUnder(outdir);
      expect(files.length).toBeGreaterThanOrEqual(5);
      for (const f of files) expect({ file: f, leaks: fs.readFileSync(f, "utf8").includes(SENTINEL) }).toEqual({ file: f, leaks: false });
    } finally {
      for (const [v, old] of Object.entries(saved)) {
        if (old === undefined) delete process.env[`TF_VAR_${v}`];
        else process.env[`TF_VAR_${v}`] = old;
      }
    }
  });
});

// ---- Real Terraform: ephemeral values stay out of plan files and state ----

const TERRAFORM = spawnSync("terraform", ["version"], { encoding: "utf8" });
const HAS_TERRAFORM = !TERRAFORM.error && TERRAFORM.status === 0;
if (!HAS_TERRAFORM) {
  // Printed so a skipped proof is never mistaken for a passed one.
  console.warn(
    `data-safety: skipping the Terraform proofs: \`terraform\` is not on PATH (${TERRAFORM.error?.message ?? TERRAFORM.stderr})`,
  );
}
const withTerraform = HAS_TERRAFORM ? describe : describe.skip;

/** The entries of a zip archive (a saved plan is one), inflated. */
function unzip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error("not a zip archive");
  const entries = new Map<string, Buffer>();
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = buf.readUInt16LE(eocd + 10); i > 0; i--) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error("bad zip central directory");
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const [nameLen, extraLen, commentLen] = [buf.readUInt16LE(p + 28), buf.readUInt16LE(p + 30), buf.readUInt16LE(p + 32)];
    const local = buf.readUInt32LE(p + 42);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    entries.set(buf.toString("utf8", p + 46, p + 46 + nameLen), method === 8 ? zlib.inflateRawSync(raw) : raw);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

interface TerraformRun {
  readonly dir: string;
  readonly plan?: TerraformCommand;
  /** Saved plan entries (tfplan, tfstate, tfconfig/…), inflated. */
  readonly planEntries: Map<string, string>;
  readonly planJson: string;
  readonly state: string;
}

/** A finished Terraform command (exit status, output). */
interface TerraformCommand {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one terraform command without blocking the test process (the three proofs run side by side). */
function terraformCommand(dir: string, env: NodeJS.ProcessEnv, args: string[]): Promise<TerraformCommand> {
  return new Promise((resolve) => {
    execFile("terraform", args, { cwd: dir, env, encoding: "utf8", timeout: 20_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const code = (err as (Error & { code?: unknown }) | null)?.code;
      resolve({ status: err ? (typeof code === "number" ? code : null) : 0, stdout, stderr });
    });
  });
}

/** init, plan -out, show -json, apply of `config` (cdk.tf.json style) with `vars` as TF_VAR_*. */
async function terraform(config: Json, vars: Record<string, string>): Promise<TerraformRun> {
  const dir = tmp("tf-ephemeral.");
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
  const env = {
    ...process.env,
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    TF_INPUT: "0",
    ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [`TF_VAR_${k}`, v])),
  };
  const run = (...args: string[]) => terraformCommand(dir, env, args);
  const init = await run("init", "-no-color");
  if (init.status !== 0) throw new Error(`terraform init failed: ${init.stderr}`);
  const plan = await run("plan", "-no-color", "-out=tfplan");
  if (plan.status !== 0) return { dir, plan, planEntries: new Map(), planJson: "", state: "" };
  const show = await run("show", "-json", "-no-color", "tfplan");
  const apply = await run("apply", "-no-color", "-auto-approve", "tfplan");
  if (show.status !== 0 || apply.status !== 0) throw new Error(`terraform show/apply failed: ${show.stderr}${apply.stderr}`);
  const planEntries = new Map([...unzip(fs.readFileSync(path.join(dir, "tfplan")))].map(([k, v]) => [k, v.toString("utf8")]));
  return { dir, plan, planEntries, planJson: show.stdout, state: fs.readFileSync(path.join(dir, "terraform.tfstate"), "utf8") };
}

/** The variable exactly as VaultSecret synthesizes it. */
const SECRET_VARIABLE = { type: "string", sensitive: true, ephemeral: true, nullable: false };

withTerraform("GIVEN Terraform and an ephemeral, sensitive variable like the secret's (built-in terraform_data only)", () => {
  const SENTINEL = "SENTINEL-ephemeral-4b1d";
  // The three proofs start when the file is collected and run side by side (each init, plan, show
  // and apply in its own directory), while the synthesis tests above run.
  const start = (config: Json, vars: Record<string, string>): Promise<TerraformRun> => {
    const run = HAS_TERRAFORM ? terraform(config, vars) : Promise.reject(new Error("terraform is not on PATH"));
    // A failed proof is reported by its own test, not as an unhandled rejection.
    run.catch(() => undefined);
    return run;
  };
  const ephemeralOnly = start(
    {
      terraform: { required_version: ">= 1.11.0" },
      variable: { secret_value: SECRET_VARIABLE },
      locals: { secret_length: "${length(var.secret_value)}" },
      resource: {
        terraform_data: {
          marker: {
            input: "not-a-secret",
            lifecycle: { precondition: [{ condition: "${local.secret_length > 0}", error_message: "secret_value is empty" }] },
          },
        },
      },
      check: {
        secret_is_long_enough: { assert: [{ condition: "${length(var.secret_value) >= 8}", error_message: "secret_value is too short" }] },
      },
    },
    { secret_value: SENTINEL },
  );
  const storedEphemeral = start(
    { variable: { secret_value: SECRET_VARIABLE }, resource: { terraform_data: { leak: { input: "${var.secret_value}" } } } },
    { secret_value: SENTINEL },
  );
  const onlySensitive = start(
    {
      variable: { plan_only: { type: "string", sensitive: true }, stored: { type: "string", sensitive: true } },
      resource: {
        terraform_data: {
          leak: {
            input: "${var.stored}",
            lifecycle: { precondition: [{ condition: "${length(var.plan_only) > 0}", error_message: "empty" }] },
          },
        },
      },
    },
    { plan_only: `${SENTINEL}-plan`, stored: `${SENTINEL}-state` },
  );

  test("WHEN it is used only where ephemeral values may go THEN plan, saved plan and state never hold it", async () => {
    const run = await ephemeralOnly;
    // It really ran: the plan was applied and state holds the non-secret input.
    expect(run.plan?.status).toBe(0);
    expect(run.state).toContain('"not-a-secret"');
    expect([...run.planEntries.keys()]).toEqual(expect.arrayContaining(["tfplan", "tfstate", "tfconfig/m-/main.tf.json"]));
    expect(run.planJson).not.toContain(SENTINEL);
    expect(run.state).not.toContain(SENTINEL);
    for (const [entry, text] of run.planEntries) expect({ entry, leaks: text.includes(SENTINEL) }).toEqual({ entry, leaks: false });
    for (const f of filesUnder(run.dir)) expect({ f, leaks: fs.readFileSync(f).includes(SENTINEL) }).toEqual({ f, leaks: false });
  });

  test("WHEN it is fed to an attribute that is stored THEN Terraform refuses to plan", async () => {
    const run = await storedEphemeral;
    expect(run.plan?.status).not.toBe(0);
    expect(run.plan?.stderr).toContain("Invalid use of ephemeral value");
    expect(filesUnder(run.dir).some((f) => fs.readFileSync(f).includes(SENTINEL))).toBe(false);
  });

  test("control: WHEN the variable is only sensitive (not ephemeral) THEN the saved plan holds it, and state too once stored (why SEC-003 demands ephemeral)", async () => {
    const run = await onlySensitive;
    const inPlan = [...run.planEntries.values()].join("\n");
    expect(inPlan).toContain(`${SENTINEL}-plan`);
    expect(inPlan).toContain(`${SENTINEL}-state`);
    expect(run.state).toContain(`${SENTINEL}-state`);
    expect(run.state).not.toContain(`${SENTINEL}-plan`);
  });
});
