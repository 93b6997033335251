#!/usr/bin/env node
import { reportCliError } from "../cli-error";
import { ChangedStacksError, compareSynthOutputs, listStacks, renderText, stacksDirOf } from "./compare";
import { existsSync } from "fs";
import { deployWaves, waveKeys } from "../shared/stacks";

const USAGE = `usage:
  changed-stacks [--format text|json|github] [--allow-missing-base] <base cdktf.out> <head cdktf.out>
      Stacks added, changed, removed or unchanged between two synth outputs (base branch, head).
  changed-stacks --waves [--format text|json|github] <cdktf.out>
      Stacks in deploy waves: dev-test cluster-admin, dev-test apps, prod cluster-admin, prod apps.

  --json                 same as --format json
  --format github        key=value lines for $GITHUB_OUTPUT (values are JSON lists)
  --allow-missing-base   a base without synth output counts as empty: every stack is added

exit codes: 0 done; 1 (--waves) a stack fits no deploy wave; 2 bad input or usage`;

type Format = "text" | "json" | "github";

interface Args {
  readonly format: Format;
  readonly allowMissingBase: boolean;
  readonly waves: boolean;
  readonly help: boolean;
  readonly dirs: readonly string[];
}

function parseArgs(argv: readonly string[]): Args {
  let format: Format = "text";
  let allowMissingBase = false;
  let waves = false;
  let help = false;
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") format = "json";
    else if (a === "--format" || a.startsWith("--format=")) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (v !== "text" && v !== "json" && v !== "github")
        throw new ChangedStacksError(`--format must be text, json or github, not "${v ?? ""}"`);
      format = v;
    } else if (a === "--allow-missing-base") allowMissingBase = true;
    else if (a === "--waves") waves = true;
    else if (a === "--help" || a === "-h") help = true;
    else if (a.startsWith("-")) throw new ChangedStacksError(`unknown option ${a}; see --help`);
    else dirs.push(a);
  }
  return { format, allowMissingBase, waves, help, dirs };
}

function githubLines(values: { readonly [key: string]: unknown }): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("\n")
    .concat("\n");
}

/** Runs the tool; returns the exit code. Output goes to stdout, errors to stderr as one line. */
export function cli(argv: string[]): number {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (args.waves) {
      if (args.dirs.length !== 1)
        throw new ChangedStacksError(`--waves takes one synth output directory, got ${args.dirs.length}; see --help`);
      const dir = args.dirs[0];
      if (!existsSync(stacksDirOf(dir)))
        throw new ChangedStacksError(`${dir}: no synth output (no stacks/ directory). Run \`npm run synth\` first.`);
      const result = deployWaves(listStacks(dir));
      if (args.format === "json") process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else if (args.format === "github") process.stdout.write(githubLines({ ...result.waves, unknown: result.unknown }));
      else for (const k of waveKeys()) process.stdout.write(`${k}: ${result.waves[k].join(", ") || "(none)"}\n`);
      if (result.unknown.length > 0) {
        process.stderr.write(
          `changed-stacks: ${result.unknown.join(", ")} fit no deploy wave: name stacks <env>-cluster-admin or <env>-apps[-<team>] with env ${waveKeys()
            .filter((k) => k.endsWith("-apps"))
            .map((k) => k.replace(/-apps$/, ""))
            .join(" or ")}\n`,
        );
        return 1;
      }
      return 0;
    }
    if (args.dirs.length !== 2)
      throw new ChangedStacksError(`give the base and the head synth output directories, got ${args.dirs.length}; see --help`);
    const result = compareSynthOutputs(args.dirs[0], args.dirs[1], { allowMissingBase: args.allowMissingBase });
    if (args.format === "json") process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else if (args.format === "github") {
      const of = (status: string): string[] => result.stacks.filter((s) => s.status === status).map((s) => s.name);
      process.stdout.write(
        githubLines({
          plan: result.plan,
          unchanged: of("unchanged"),
          removed: of("removed"),
          "any-to-plan": String(result.plan.length > 0),
        }),
      );
    } else process.stdout.write(renderText(result));
    return 0;
  } catch (err) {
    return reportCliError("changed-stacks", err, ChangedStacksError);
  }
}

if (require.main === module) process.exitCode = cli(process.argv.slice(2));
