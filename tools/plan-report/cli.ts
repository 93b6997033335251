#!/usr/bin/env node
import { reportCliError } from "../cli-error";
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import { dirname } from "path";
import type { ChangedStacks } from "../shared/stacks";
import { readAllowList } from "./allow";
import { ALLOW_DESTROY_ENV, DEFAULT_PROTECTED_TYPES, guardRules } from "./analyse";
import { splitPatterns } from "./glob";
import { decodeText, readInput } from "./parse";
import { renderJson, renderMarkdown } from "./render";
import { buildReport, NamedInput } from "./report";
import { asPlanReportError, CheckOutcome, PlanReportError } from "./types";

const USAGE = `usage: plan-report [options] <plan.json>...

Reports what each stack's Terraform plan will do, as Markdown (default) or JSON, and stops
deletes and replaces of protected resources. Each <plan.json> is \`terraform show -json <planfile>\`
output (or an earlier --json report, to merge). The stack name comes from the file name
(plan-<stack>.json, <stack>.plan.json, <stack>.json, <stack>/plan.json) or from --stack.

  --json                     JSON instead of Markdown
  --out <file>               write the report to a file instead of stdout
  --stack <name>             stack name of the plan file that follows
  --protect <type|glob>      also guard this resource type (no dot: terraform_data, azurerm_*)
                             or address glob (module.apps.*); repeatable
  --allow-destroy <glob>     let protected deletes/replaces at matching addresses through;
                             repeatable; also $${ALLOW_DESTROY_ENV} (comma/space separated)
  --allow-file <file>        reviewed allowances (allow-cli output): exactly these stack +
                             address pairs go through, nothing else; repeatable
  --changed-stacks <file>    changed-stacks --json output: list stacks that were not planned
  --skipped <reason>         plans were skipped; say why (no plan files needed)
  --check <name>=<outcome>   show a CI step result, e.g. "npm test=success"; repeatable
  --max-rows <n>             changed-resource rows per stack in Markdown (default 50)
  --max-length <n>           cut Markdown to n characters (default 60000)
  --run-url <url>            link to the CI run
  --title <text>             heading (default "Terraform plan report")

Protected by default: ${DEFAULT_PROTECTED_TYPES.join(", ")}.
exit codes: 0 nothing blocked; 1 a protected resource would be deleted or replaced; 2 bad input or usage`;

interface Args {
  json: boolean;
  out?: string;
  files: { file: string; stack?: string }[];
  protect: string[];
  allow: string[];
  allowFiles: string[];
  changedStacks?: string;
  skipped?: string;
  checks: CheckOutcome[];
  maxRows?: number;
  maxLength?: number;
  runUrl?: string;
  title?: string;
  help: boolean;
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new PlanReportError(`${flag} needs a whole number, not "${value}"`);
  return n;
}

/** What parsing carries from one argument to the next. */
interface ParseState {
  readonly args: Args;
  /** `--stack` seen, waiting for its plan file. */
  pendingStack?: string;
}

const setHelp = ({ args }: ParseState): void => {
  args.help = true;
};

/** What each option does; `value()` takes its value (`--opt=value` or the next argument). */
const OPTIONS: Readonly<Record<string, (st: ParseState, value: () => string) => void>> = {
  "--json": ({ args }) => {
    args.json = true;
  },
  "--out": ({ args }, value) => {
    args.out = value();
  },
  "--stack": (st, value) => {
    st.pendingStack = value();
  },
  "--protect": ({ args }, value) => {
    args.protect.push(value());
  },
  "--allow-destroy": ({ args }, value) => {
    args.allow.push(...splitPatterns(value()));
  },
  "--allow-file": ({ args }, value) => {
    args.allowFiles.push(value());
  },
  "--changed-stacks": ({ args }, value) => {
    args.changedStacks = value();
  },
  "--skipped": ({ args }, value) => {
    args.skipped = value();
  },
  "--check": ({ args }, value) => {
    const v = value();
    const at = v.lastIndexOf("=");
    if (at <= 0) throw new PlanReportError(`--check needs <name>=<outcome>, not "${v}"`);
    args.checks.push({ name: v.slice(0, at), outcome: v.slice(at + 1) });
  },
  "--max-rows": ({ args }, value) => {
    args.maxRows = positiveInt("--max-rows", value());
  },
  "--max-length": ({ args }, value) => {
    args.maxLength = positiveInt("--max-length", value());
  },
  "--run-url": ({ args }, value) => {
    args.runUrl = value();
  },
  "--title": ({ args }, value) => {
    args.title = value();
  },
  "--help": setHelp,
  "-h": setHelp,
};

/** Parses the command line (`--opt value` or `--opt=value`). */
export function parseArgs(argv: readonly string[]): Args {
  const st: ParseState = { args: { json: false, files: [], protect: [], allow: [], allowFiles: [], checks: [], help: false } };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const eq = raw.startsWith("--") ? raw.indexOf("=") : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string => {
      if (eq > 0) return raw.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new PlanReportError(`${flag} needs a value; see --help`);
      return v;
    };
    if (Object.hasOwn(OPTIONS, flag)) {
      OPTIONS[flag](st, value);
      continue;
    }
    if (raw.startsWith("-") && raw !== "-") throw new PlanReportError(`unknown option ${raw}; see --help`);
    st.args.files.push({ file: raw, ...(st.pendingStack !== undefined ? { stack: st.pendingStack } : {}) });
    st.pendingStack = undefined;
  }
  if (st.pendingStack !== undefined) throw new PlanReportError(`--stack ${st.pendingStack} names no plan file: put it before the file`);
  return st.args;
}

function readChangedStacks(file: string): Pick<ChangedStacks, "stacks" | "plan"> {
  let data: unknown;
  try {
    data = JSON.parse(decodeText(readFileSync(file), file, "`changed-stacks --json <base> <head> > changed.json`"));
  } catch (err) {
    if (err instanceof PlanReportError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new PlanReportError(
      `${file}: ${e.code === "ENOENT" ? "no such file" : `not JSON (${e.message})`}; give the output of \`changed-stacks --json <base> <head>\`.`,
    );
  }
  const d = data as Partial<ChangedStacks>;
  if (d.kind !== "aks-changed-stacks" || !Array.isArray(d.stacks) || !Array.isArray(d.plan)) {
    throw new PlanReportError(`${file}: not changed-stacks output; give the output of \`changed-stacks --json <base> <head>\`.`);
  }
  return { stacks: d.stacks, plan: d.plan };
}

/** Runs the tool; returns the exit code (0 ok, 1 blocked, 2 bad input). */
export function cli(argv: string[]): number {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (args.files.length === 0 && args.skipped === undefined && args.changedStacks === undefined) {
      throw new PlanReportError("no plan files given; see --help");
    }
    const inputs: NamedInput[] = args.files.map(({ file, stack }) => ({ input: readInput(file), ...(stack ? { stack } : {}) }));
    const exact = args.allowFiles.flatMap((f) => readAllowList(f).allowed);
    const rules = guardRules({ protect: args.protect, allow: [...args.allow, ...splitPatterns(process.env[ALLOW_DESTROY_ENV])], exact });
    const report = buildReport(inputs, {
      rules,
      ...(args.changedStacks ? { changedStacks: readChangedStacks(args.changedStacks) } : {}),
      ...(args.skipped ? { skippedReason: args.skipped } : {}),
      checks: args.checks,
    });
    const text = args.json
      ? renderJson(report)
      : renderMarkdown(report, {
          ...(args.maxRows !== undefined ? { maxRows: args.maxRows } : {}),
          ...(args.maxLength !== undefined ? { maxLength: args.maxLength } : {}),
          ...(args.runUrl ? { runUrl: args.runUrl } : {}),
          ...(args.title ? { title: args.title } : {}),
        });
    if (args.out) {
      mkdirSync(dirname(args.out), { recursive: true });
      writeFileSync(args.out, text);
    } else {
      process.stdout.write(text);
    }
    if (report.blocked) {
      const blocked = report.stacks.flatMap((s) =>
        s.protectedChanges.filter((p) => !p.allowedBy).map((p) => `${s.stack}: ${p.action} ${p.address}`),
      );
      process.stderr.write(
        `plan-report: blocked: ${blocked.length} protected change(s) (${blocked.slice(0, 5).join("; ")}${blocked.length > 5 ? "; …" : ""}). ` +
          `Allow reviewed changes with a "/allow-destroy <stack> <address>" comment on the pull request (CI), or ` +
          `--allow-destroy <address glob> (local).\n`,
      );
      return 1;
    }
    return 0;
  } catch (err) {
    // Every error, expected or not, as one printable line (file names and quoted input can hold anything).
    return reportCliError("plan-report", asPlanReportError(err), PlanReportError);
  }
}

if (require.main === module) process.exitCode = cli(process.argv.slice(2));
