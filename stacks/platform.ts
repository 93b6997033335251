import type { App } from "cdktf";
import type { PlatformConfig } from "../config/types";
import { appStackName } from "../config/stack-names";
import { ClusterAdminStack } from "./cluster-admin-stack";
import { AppsStack } from "./apps-stack";
import type { EnvironmentStack } from "./environment-stack";

/** Options of {@link buildPlatform}. */
export interface BuildOptions {
  /** Only these environments. @default - all */
  readonly environments?: readonly string[];
  /** Environment variables (backend switch). @default process.env */
  readonly vars?: NodeJS.ProcessEnv;
}

/** Creates every stack of every (selected) environment: cluster-admin first, then apps. */
export function buildPlatform(app: App, config: PlatformConfig, opts: BuildOptions = {}): EnvironmentStack[] {
  const vars = opts.vars ?? process.env;
  const stacks: EnvironmentStack[] = [];
  for (const env of config.environments) {
    if (opts.environments && !opts.environments.includes(env.name)) continue;
    const admin = new ClusterAdminStack(app, env, vars);
    stacks.push(admin);
    const groups = env.stackLayout === "per-team" ? env.teams.map((t) => [t]) : env.teams.length ? [env.teams] : [];
    for (const teams of groups) {
      const apps = new AppsStack(app, appStackName(env, teams[0]), env, teams, vars);
      // Deploy order only (no cross-stack references): step 7 before steps 1–6.
      apps.addDependency(admin);
      stacks.push(apps);
    }
  }
  return stacks;
}
