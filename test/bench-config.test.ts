import { platform } from "../config/environments";
import { validatePlatform } from "../config/validate";
import { stackNamesOf } from "../config/stack-names";
import type { AppTeamConfig, PlatformConfig } from "../config/types";
import { deriveTeam, generatePlatform, MAX_TEAMS } from "../tools/bench/generate-config";
import { parseSynthEntryArgs } from "../tools/bench/synth-entry";

const teamsOf = (c: PlatformConfig) => c.environments.flatMap((e) => e.teams.map((t) => ({ env: e.name, team: t })));

describe("generatePlatform", () => {
  it.each([1, 10, 100, 1000])("gives %i teams per environment, all valid per config/validate.ts", (n) => {
    const c = generatePlatform(platform, n);
    expect(c.environments.map((e) => e.name)).toEqual(platform.environments.map((e) => e.name));
    for (const env of c.environments) expect(env.teams).toHaveLength(n);
    expect(validatePlatform(c)).toEqual([]);
  });

  it("makes Key Vault names unique across all environments and at most 24 characters", () => {
    const c = generatePlatform(platform, 1000);
    const vaults = teamsOf(c).map(({ team }) => team.keyVault.name.toLowerCase());
    expect(new Set(vaults).size).toBe(vaults.length);
    expect(Math.max(...vaults.map((v) => v.length))).toBeLessThanOrEqual(24);
  });

  it("makes names, namespaces, identities and selectors unique within an environment", () => {
    const c = generatePlatform(platform, 200);
    for (const env of c.environments) {
      const unique = (f: (t: AppTeamConfig) => string | undefined) => new Set(env.teams.map(f)).size;
      expect(unique((t) => t.name)).toBe(200);
      expect(unique((t) => t.namespace)).toBe(200);
      expect(unique((t) => `${t.identity.resourceGroupName}/${t.identity.name}`)).toBe(200);
      expect(unique((t) => t.podIdentity?.selector)).toBe(200);
    }
  });

  it("keeps N = 1 equal to the default app (same config object shape, no stackLayout added)", () => {
    expect(generatePlatform(platform, 1)).toEqual(platform);
    expect(generatePlatform(platform, 1, "shared")).toEqual(platform);
  });

  it("derives teams from the guide team: first team unchanged, the rest with a numbered suffix", () => {
    const c = generatePlatform(platform, 3);
    const dev = c.environments[0];
    expect(dev.teams[0]).toBe(platform.environments[0].teams[0]);
    expect(dev.teams.map((t) => t.name)).toEqual(["poc", "poc-0002", "poc-0003"]);
    expect(dev.teams[2]).toMatchObject({
      namespace: "aad-pod-identity-poc-0003",
      identity: { name: "aks-aad-user-identity-0003", resourceGroupName: "rg-westus2-shared" },
      keyVault: { name: "kv-westus2-aks-0003" },
      podIdentity: { selector: "bind-user-identity-keyvault-0003" },
      // Scoped by namespace and vault: unchanged.
      workload: { name: "az-keyvault-reader-test", secretName: "grafana-admin-username-poc" },
    });
  });

  it("sets the stack layout when asked, with the stack names of that layout", () => {
    const c = generatePlatform(platform, 2, "per-team");
    expect(c.environments.every((e) => e.stackLayout === "per-team")).toBe(true);
    expect(stackNamesOf(c.environments[1])).toEqual(["prod-cluster-admin", "prod-apps-poc", "prod-apps-poc-0002"]);
    expect(validatePlatform(c)).toEqual([]);
  });

  it("shortens long bases so derived names stay within the limits", () => {
    const guide = platform.environments[1].teams[0];
    const long: AppTeamConfig = {
      ...guide,
      name: "a".repeat(30),
      namespace: "n".repeat(63),
      keyVault: { ...guide.keyVault, name: "kv-abcdefghijklmnopqrstu" },
      podIdentity: { ...guide.podIdentity!, selector: "s".repeat(63) },
    };
    const t = deriveTeam(long, 9999);
    expect(t.name).toBe(`${"a".repeat(25)}-9999`);
    expect(t.namespace).toHaveLength(63);
    expect(t.keyVault.name).toBe("kv-abcdefghijklmnop-9999");
    expect(t.keyVault.name).toHaveLength(24);
    // No "--" where the cut falls on a hyphen (Key Vault names forbid consecutive hyphens).
    expect(deriveTeam({ ...long, keyVault: { ...long.keyVault, name: "kv-abcdefghijklmno-rs" } }, 2).keyVault.name).toBe(
      "kv-abcdefghijklmno-0002",
    );
    expect(t.podIdentity!.selector).toHaveLength(63);
  });

  it("rejects N outside 1..MAX_TEAMS and an environment without a team", () => {
    expect(() => generatePlatform(platform, 0)).toThrow(/teams must be a whole number/);
    expect(() => generatePlatform(platform, MAX_TEAMS + 1)).toThrow(/teams must be a whole number/);
    expect(() => generatePlatform(platform, 1.5)).toThrow(/teams must be a whole number/);
    const empty: PlatformConfig = { environments: [{ ...platform.environments[0], teams: [] }] };
    expect(() => generatePlatform(empty, 2)).toThrow(/has no team/);
  });

  it("refuses to generate two vaults with one global name", () => {
    // Two environments whose vault names differ only after the 19th character collide once shortened.
    const [dev, prod] = platform.environments;
    const kv = (env: typeof dev, name: string) => ({ ...env, teams: [{ ...env.teams[0], keyVault: { ...env.teams[0].keyVault, name } }] });
    const clash: PlatformConfig = { environments: [kv(dev, "kv-westus2-aks-shared-a"), kv(prod, "kv-westus2-aks-shared-b")] };
    expect(() => generatePlatform(clash, 2)).toThrow(/generated Key Vault name kv-westus2-aks-shar-0002 is used by/);
  });
});

describe("synth-entry arguments", () => {
  it("parses --teams and --layout", () => {
    expect(parseSynthEntryArgs([])).toEqual({ teams: 1, layout: undefined });
    expect(parseSynthEntryArgs(["--teams", "100", "--layout", "per-team"])).toEqual({ teams: 100, layout: "per-team" });
  });

  it("rejects unknown arguments and layouts", () => {
    expect(() => parseSynthEntryArgs(["--layout", "monorepo"])).toThrow(/--layout must be shared or per-team/);
    expect(() => parseSynthEntryArgs(["--env", "prod"])).toThrow(/unknown argument "--env"/);
  });
});
