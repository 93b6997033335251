#!/usr/bin/env node
/**
 * `doctor`: explains failure logs of aad-pod-identity / Workload ID setups.
 *
 *   npm run doctor -- [--env <name>] [--json] [--verbose] [file...]
 *   aks-doctor [--config <file> --env <name>] [--json] [--verbose] [file...]
 *
 * Reads the files (or standard input) as streams: MIC and NMI logs, application and sidecar
 * output, Terraform output. Exit codes: 0 nothing found, 1 findings, 2 usage error.
 */
import * as fs from "fs";
import type { Readable, Writable } from "stream";
import type { EnvironmentConfig, PlatformConfig } from "../../config/types";
import { ConfigFileError, findEnvironment, loadPlatformConfig } from "../platform-config";
import { Analyzer } from "./analyzer";
import { buildReport, renderJson, renderText } from "./report";

/** Exit codes of `doctor`. */
export const EXIT = { clean: 0, findings: 1, usage: 2 } as const;

export const USAGE = `usage: aks-doctor [--config <file> --env <name>] [--json] [--verbose] [file...]
  Reads MIC/NMI logs, application or sidecar output and Terraform output from the files,
  or from standard input when no file (or "-") is given.
  --config <file>  the platform config: JSON { "environments": [...] }, or a CommonJS module
                   exporting it (module.exports, exports.platform or exports.default)
                   (npm run doctor in this repository passes its own config/environments)
  --env <name>     compare what the log says with that environment of --config
  --json         machine-readable report (finding ids are stable)
  --verbose      also count the lines that were recognised and skipped
exit codes: 0 nothing found, 1 findings, 2 usage error`;

/** Streams `cli` uses; tests pass their own. */
export interface CliIo {
  readonly stdin?: Readable & { isTTY?: boolean };
  readonly stdout?: Writable;
  readonly stderr?: Writable;
}

interface Options {
  env?: EnvironmentConfig;
  platform?: PlatformConfig;
  json: boolean;
  verbose: boolean;
  files: string[];
  help: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { json: false, verbose: false, files: [], help: false };
  let envName: string | undefined;
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      o.files.push(...argv.slice(i + 1));
      break;
    } else if (a === "--json") o.json = true;
    else if (a === "--verbose" || a === "-v") o.verbose = true;
    else if (a === "--help" || a === "-h") o.help = true;
    else if (a === "--env" || a.startsWith("--env=")) {
      envName = a === "--env" ? argv[++i] : a.slice("--env=".length);
      if (!envName) throw new UsageError("--env needs an environment name");
    } else if (a === "--config" || a.startsWith("--config=")) {
      // The last --config wins, so `npm run doctor -- --config other.json` overrides the repository's.
      configFile = a === "--config" ? argv[++i] : a.slice("--config=".length);
      if (!configFile) throw new UsageError("--config needs a file");
    } else if (a.startsWith("-") && a !== "-") throw new UsageError(`unknown option "${a}"`);
    else o.files.push(a);
  }
  if (o.help) return o;
  if (envName !== undefined && configFile === undefined) {
    throw new UsageError(`--env ${envName} needs --config <file>, the platform config that defines the environment`);
  }
  if (configFile !== undefined) {
    o.platform = loadPlatformConfig(configFile);
    if (envName !== undefined) o.env = findEnvironment(o.platform, envName, configFile);
  }
  return o;
}

function checkFile(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read "${file}": ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(code ?? e)}`,
    );
  }
  if (st.isDirectory()) throw new UsageError(`cannot read "${file}": it is a directory`);
}

/** Runs doctor; returns the exit code. */
export async function cli(argv: string[], io: CliIo = {}): Promise<number> {
  const stdin = io.stdin ?? process.stdin;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let opts: Options;
  try {
    opts = parseArgs(argv);
    if (opts.help) {
      stdout.write(`${USAGE}\n`);
      return EXIT.clean;
    }
    for (const f of opts.files) if (f !== "-") checkFile(f);
    if (opts.files.length === 0 && stdin.isTTY) throw new UsageError("no input: give log files, or pipe a log into standard input");
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigFileError) {
      stderr.write(`doctor: ${e.message} (usage: aks-doctor --help)\n`);
      return EXIT.usage;
    }
    throw e;
  }

  const analyzer = new Analyzer();
  const sources = opts.files.length > 0 ? opts.files : ["-"];
  for (const file of sources) {
    const stream = file === "-" ? stdin : fs.createReadStream(file, { highWaterMark: 1 << 20 });
    try {
      await analyzer.readStream(stream, file === "-" ? "<stdin>" : file);
    } catch (e) {
      stderr.write(`doctor: cannot read "${file}": ${(e as Error).message}\n`);
      return EXIT.usage;
    }
  }
  const report = buildReport(analyzer.findings(), analyzer.stats, opts.env, opts.platform ?? { environments: [] });
  stdout.write(opts.json ? renderJson(report) : renderText(report, { verbose: opts.verbose }));
  if (opts.verbose && opts.json) {
    const s = report.summary;
    stderr.write(`doctor: ${s.lines} lines, ${s.recognized} recognised, ${s.skipped} skipped\n`);
  }
  return report.findings.length > 0 ? EXIT.findings : EXIT.clean;
}

if (require.main === module) {
  void cli(process.argv.slice(2)).then((c) => {
    process.exitCode = c;
  });
}
