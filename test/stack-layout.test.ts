// Stack layouts: `shared` (default, one `<env>-apps` stack) and `per-team` (one
// `<env>-apps-<team>` stack per team), both with the shared `<env>-cluster-admin` stack.
// Synthesized through the production path (synthesize(): validation, stacks, manifest.json).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { platform } from "../config/environments";
import { stackNamesOf } from "../config/stack-names";
import type { PlatformConfig } from "../config/types";
import { synthesize } from "../stacks/synthesize";
import { generatePlatform } from "../tools/bench/generate-config";
import type { Json } from "./support/json";

interface Synth {
  readonly stacks: string[];
  readonly manifest: Json;
  readonly tf: Map<string, Json>;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stack-layout-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function synth(config: PlatformConfig, name: string): Synth {
  const outdir = path.join(tmp, name);
  const result = synthesize(config, [], {}, outdir);
  if (!result.ok) throw new Error(result.messages.join("\n"));
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as Json;
  const tf = new Map<string, Json>(
    Object.values<Json>(manifest.stacks).map((s) => [
      s.name,
      JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8")),
    ]),
  );
  return { stacks: result.stacks, manifest, tf };
}

/** type -> id -> body (metadata comment removed) of every resource of a stack. */
function resources(tf: Json): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const [type, byId] of Object.entries<Json>(tf.resource ?? {})) {
    for (const [id, body] of Object.entries<Json>(byId)) {
      const { "//": _meta, ...rest } = body;
      out.set(`${type}.${id}`, rest);
    }
  }
  return out;
}

const paths = (tf: Json): string[] =>
  Object.values<Json>(tf.resource ?? {}).flatMap((byId) => Object.values<Json>(byId).map((r) => String(r["//"]?.metadata?.path)));

const TEAMS = ["poc", "poc-0002", "poc-0003"];
const perTeam = synth(generatePlatform(platform, 3, "per-team"), "per-team");
const shared = synth(generatePlatform(platform, 3), "shared");

describe.each(["dev-test", "prod"])("per-team layout, environment %s", (env) => {
  const appStacks = TEAMS.map((t) => `${env}-apps-${t}`);
  const admin = `${env}-cluster-admin`;

  test("one <env>-apps-<team> stack per team, after the shared cluster-admin stack", () => {
    expect(perTeam.stacks.filter((s) => s.startsWith(`${env}-`))).toEqual([admin, ...appStacks]);
    expect(
      Object.keys(perTeam.manifest.stacks)
        .filter((s) => s.startsWith(`${env}-`))
        .sort(),
    ).toEqual([admin, ...appStacks].sort());
    const envConfig = generatePlatform(platform, 3, "per-team").environments.find((e) => e.name === env)!;
    expect(stackNamesOf(envConfig)).toEqual([admin, ...appStacks]);
  });

  test.each(TEAMS)("team %s: its resources are in its own stack, and only there", (team) => {
    const own = perTeam.tf.get(`${env}-apps-${team}`)!;
    // Every resource of the stack belongs to the team's construct.
    expect(paths(own).every((p) => p.startsWith(`${env}-apps-${team}/Team-${team}/`))).toBe(true);
    expect(paths(own).length).toBeGreaterThan(0);
    // The team's identity is created here and in no other stack of the environment.
    const base = platform.environments.find((e) => e.name === env)!.teams[0].identity.name;
    const identityName = team === "poc" ? base : `${base}-${team.slice(-4)}`;
    const stacksWithIdentity = [...perTeam.tf].filter(
      ([name, tf]) =>
        name.startsWith(`${env}-`) &&
        Object.values<Json>(tf.resource?.azurerm_user_assigned_identity ?? {}).some((r) => r.name === identityName),
    );
    expect(stacksWithIdentity.map(([name]) => name)).toEqual([`${env}-apps-${team}`]);
  });

  test("the cluster-admin stack is shared: one per environment, with the node resource group roles and no team resources", () => {
    const tf = perTeam.tf.get(admin)!;
    const roles = Object.values<Json>(tf.resource?.azurerm_role_assignment ?? {});
    expect(roles).toHaveLength(2); // Reader and Virtual Machine Contributor (guide step 7)
    expect(paths(tf).some((p) => p.includes("/Team-"))).toBe(false);
    for (const s of appStacks) {
      const appRoles = Object.values<Json>(perTeam.tf.get(s)!.resource?.azurerm_role_assignment ?? {});
      // Only Managed Identity Operator on the team's identity (guide step 3); step 7 is not repeated.
      expect(appRoles).toHaveLength(1);
      expect(String(appRoles[0].role_definition_id)).toMatch(/f1a07417-d97a-45cb-824c-7a7467783830$/);
    }
  });

  test("manifest.json: every team stack depends on the cluster-admin stack, which depends on nothing", () => {
    expect(perTeam.manifest.stacks[admin].dependencies).toEqual([]);
    for (const s of appStacks) expect(perTeam.manifest.stacks[s].dependencies).toEqual([admin]);
  });

  test("the per-team stacks hold exactly the shared stack's resources, with the same logical ids", () => {
    const split = new Map<string, Json>();
    for (const s of appStacks) for (const [k, v] of resources(perTeam.tf.get(s)!)) split.set(k, v);
    const one = resources(shared.tf.get(`${env}-apps`)!);
    expect([...split.keys()].sort()).toEqual([...one.keys()].sort());
    for (const [k, v] of one) expect(split.get(k)).toEqual(v);
    expect(resources(perTeam.tf.get(admin)!)).toEqual(resources(shared.tf.get(admin)!));
  });
});

describe("default layout", () => {
  test("the production config keeps the shared layout: <env>-cluster-admin and <env>-apps", () => {
    for (const env of platform.environments) {
      expect(env.stackLayout ?? "shared").toBe("shared");
      expect(stackNamesOf(env)).toEqual([`${env.name}-cluster-admin`, `${env.name}-apps`]);
    }
    expect(shared.stacks).toEqual(["dev-test-cluster-admin", "dev-test-apps", "prod-cluster-admin", "prod-apps"]);
    expect(shared.manifest.stacks["prod-apps"].dependencies).toEqual(["prod-cluster-admin"]);
  });
});
