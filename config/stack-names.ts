import type { AppTeamConfig, EnvironmentConfig } from "./types";

/** Stack deployed by the cluster admins (guide step 7). */
export function clusterAdminStackName(env: Pick<EnvironmentConfig, "name">): string {
  return `${env.name}-cluster-admin`;
}

/** Stack deployed by app teams (guide steps 1–6): `<env>-apps`, or `<env>-apps-<team>` in the per-team layout. */
export function appStackName(env: Pick<EnvironmentConfig, "name" | "stackLayout">, team?: Pick<AppTeamConfig, "name">): string {
  return env.stackLayout === "per-team" && team ? `${env.name}-apps-${team.name}` : `${env.name}-apps`;
}

/** Every stack of an environment, cluster-admin first (the deploy order). */
export function stackNamesOf(env: EnvironmentConfig): string[] {
  const apps = env.stackLayout === "per-team" ? env.teams.map((t) => appStackName(env, t)) : [appStackName(env)];
  return [clusterAdminStackName(env), ...apps];
}
