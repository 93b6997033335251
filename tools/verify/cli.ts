#!/usr/bin/env node
/**
 * `verify`: checks a deployed environment (guide step 8) with the real kubectl.
 *
 *   npm run verify -- --env <name> [--context <kube-context>] [--json] [--probe]
 *   aks-verify --config <file> --env <name> [--context <kube-context>] [--json] [--probe]
 *
 * Exit codes: 0 every check passed (skipped items and warnings allowed), 1 a check failed,
 * 2 usage error, kubectl missing, no cluster access or RBAC denial.
 */
import type { Writable } from "stream";
import type { EnvironmentConfig, PlatformConfig } from "../../config/types";
import { ConfigFileError, findEnvironment, loadPlatformConfig } from "../platform-config";
import { anyFailed } from "./checks";
import { gather } from "./gather";
import { FatalError, Kubectl } from "./kubectl";
import { buildVerifyReport, renderVerifyJson, renderVerifyText } from "./render";

export const EXIT = { ok: 0, failed: 1, error: 2 } as const;

export const USAGE = `usage: aks-verify --config <file> --env <name> [--context <kube-context>] [--json] [--probe] [--mic-tail <lines>]
  Checks the deployed environment with kubectl (guide step 8), per app team of the config.
  --config <file>     the platform config: JSON { "environments": [...] }, or a CommonJS module
                      exporting it (module.exports, exports.platform or exports.default)
                      (npm run verify in this repository passes its own config/environments)
  --env <name>        environment of --config
  --context <name>    kubectl context (default: the current one)
  --json              machine-readable checklist
  --probe             also ask the reader test pod for its secret (the value is never printed)
  --mic-tail <lines>  MIC log lines fed through doctor (default 5000)
exit codes: 0 all checks passed, 1 a check failed, 2 usage error, kubectl missing, no cluster access or RBAC denied`;

/** Streams and programs `cli` uses; tests pass their own. */
export interface VerifyIo {
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** @default "kubectl" */
  readonly kubectl?: string;
  /** @default "az" */
  readonly az?: string;
  readonly env?: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

interface Options {
  env: EnvironmentConfig;
  platform: PlatformConfig;
  context?: string;
  json: boolean;
  probe: boolean;
  micTail: number;
}

function parseArgs(argv: readonly string[]): Options | "help" {
  let envName: string | undefined;
  let configFile: string | undefined;
  let context: string | undefined;
  let json = false;
  let probe = false;
  let micTail = 5000;
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] =
      argv[i].startsWith("--") && argv[i].includes("=")
        ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)]
        : [argv[i], undefined];
    const take = (): string => inline ?? value(++i, flag);
    if (flag === "--help" || flag === "-h") return "help";
    else if (flag === "--env") envName = take();
    // The last --config wins, so `npm run verify -- --config other.json` overrides the repository's.
    else if (flag === "--config") configFile = take();
    else if (flag === "--context") context = take();
    else if (flag === "--json") json = true;
    else if (flag === "--probe") probe = true;
    else if (flag === "--mic-tail") {
      micTail = Number(take());
      if (!Number.isInteger(micTail) || micTail <= 0) throw new UsageError("--mic-tail needs a positive whole number");
    } else throw new UsageError(`unknown argument "${argv[i]}"`);
  }
  if (!configFile) throw new UsageError("--config <file> is required (the platform config that defines the environment)");
  if (!envName) throw new UsageError("--env <name> is required");
  const platform = loadPlatformConfig(configFile);
  const env = findEnvironment(platform, envName, configFile);
  return { env, platform, context, json, probe, micTail };
}

/** Runs verify; returns the exit code. */
export async function cli(argv: string[], io: VerifyIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let opts: Options | "help";
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigFileError) {
      stderr.write(`verify: ${e.message} (usage: aks-verify --help)\n`);
      return EXIT.error;
    }
    throw e;
  }
  if (opts === "help") {
    stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const kubectl = new Kubectl({ context: opts.context, program: io.kubectl, env: io.env });
  try {
    const g = await gather(opts.env, kubectl, {
      probe: opts.probe,
      micTail: opts.micTail,
      az: io.az,
      env: io.env,
      platform: opts.platform,
    });
    const report = buildVerifyReport(opts.env, g.context, g.teams, g.mic);
    stdout.write(opts.json ? renderVerifyJson(report) : renderVerifyText(report, opts.env));
    return anyFailed(report.items) ? EXIT.failed : EXIT.ok;
  } catch (e) {
    if (e instanceof FatalError) {
      stderr.write(`verify: ${e.message}\n`);
      return EXIT.error;
    }
    stderr.write(`verify: unexpected error: ${(e as Error).message}\n`);
    return EXIT.error;
  }
}

if (require.main === module) {
  void cli(process.argv.slice(2)).then((c) => {
    process.exitCode = c;
  });
}
