/**
 * Generated platform configs for the benchmark: N app teams per environment, derived from
 * the guide's team in config/environments.ts, through the same types, validation,
 * constructs and stacks as production.
 *
 * Team 1 of every environment is the environment's own first team, unchanged, so N = 1
 * is exactly the default app. Teams 2..N copy it with a four-digit suffix on everything
 * that must be unique: team name, namespace, identity, Key Vault (names are global, so
 * they are checked for uniqueness across all environments), AzureIdentity, binding and
 * selector. Secret and workload names stay: they are scoped by vault and namespace.
 */
import type { AppTeamConfig, EnvironmentConfig, PlatformConfig } from "../../config/types";

/** Stack layouts of {@link EnvironmentConfig.stackLayout}. */
export type StackLayout = "shared" | "per-team";

/** Largest N: the suffix has four digits. */
export const MAX_TEAMS = 9999;

const KEY_VAULT_NAME_MAX = 24;

/** `-0042` for i = 42. */
function suffix(i: number): string {
  return `-${String(i).padStart(4, "0")}`;
}

/** `base` shortened so that `base + sfx` fits in `max` characters, without a trailing hyphen. */
function fit(base: string, sfx: string, max: number): string {
  return base.slice(0, max - sfx.length).replace(/-+$/, "") + sfx;
}

/** Copy i (2..N) of the guide team `t`. */
export function deriveTeam(t: AppTeamConfig, i: number): AppTeamConfig {
  const s = suffix(i);
  return {
    ...t,
    name: fit(t.name, s, 30),
    namespace: fit(t.namespace, s, 63),
    identity: { ...t.identity, name: fit(t.identity.name, s, 128) },
    keyVault: { ...t.keyVault, name: fit(t.keyVault.name, s, KEY_VAULT_NAME_MAX) },
    podIdentity: t.podIdentity && {
      azureIdentityName: fit(t.podIdentity.azureIdentityName, s, 253),
      bindingName: fit(t.podIdentity.bindingName, s, 253),
      selector: fit(t.podIdentity.selector, s, 63),
    },
  };
}

/** The environment with `teams` app teams derived from its first team, in `layout`. */
export function generateEnvironment(env: EnvironmentConfig, teams: number, layout?: StackLayout): EnvironmentConfig {
  const guide = env.teams[0];
  if (!guide) throw new Error(`environment ${env.name} has no team to derive teams from`);
  const list: AppTeamConfig[] = [guide];
  for (let i = 2; i <= teams; i++) list.push(deriveTeam(guide, i));
  // Keep the field absent for the default layout, so N = 1 is byte-identical to the default app.
  const withLayout = layout === undefined || layout === (env.stackLayout ?? "shared") ? {} : { stackLayout: layout };
  return { ...env, ...withLayout, teams: list };
}

/**
 * `base` (the production config) with `teams` app teams in every environment.
 * Throws when N is out of range or two generated vaults would share a (global) name.
 */
export function generatePlatform(base: PlatformConfig, teams: number, layout?: StackLayout): PlatformConfig {
  if (!Number.isInteger(teams) || teams < 1 || teams > MAX_TEAMS) {
    throw new Error(`teams must be a whole number from 1 to ${MAX_TEAMS}, not ${teams}`);
  }
  const config: PlatformConfig = { environments: base.environments.map((env) => generateEnvironment(env, teams, layout)) };
  const vaults = new Map<string, string>();
  for (const env of config.environments) {
    for (const team of env.teams) {
      const key = team.keyVault.name.toLowerCase();
      const other = vaults.get(key);
      if (other) throw new Error(`generated Key Vault name ${team.keyVault.name} is used by ${other} and ${env.name}/${team.name}`);
      vaults.set(key, `${env.name}/${team.name}`);
    }
  }
  return config;
}
