#!/usr/bin/env node
/**
 * Builds the allow list (`plan-report --allow-file`) from the data CI fetched with `gh api`.
 *
 *   allow-cli commenters <comments.json>
 *       logins of the comments that hold /allow-destroy lines, one per line (CI looks up their roles)
 *   allow-cli comments --pull <pull.json> --comments <comments.json> --roles <roles.json> [--merged] --out <allow.json>
 *   allow-cli input --actor <login> --role <role> --text <lines> --source <url> --out <allow.json>
 *
 * Prints what it accepted and ignored (with the reason). Exit 0, or 2 on bad input.
 */
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import { dirname } from "path";
import { reportCliError } from "../cli-error";
import { AllowList, allowancesFromComments, allowancesFromInput, GitHubComment, hasAllowLines } from "./allow";
import { PlanReportError } from "./types";

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new PlanReportError(`${file}: ${e.code === "ENOENT" ? "no such file" : `not JSON (${e.message})`}; give ${what}.`);
  }
}

function comments(file: string): GitHubComment[] {
  const data = readJson(file, "the output of `gh api --paginate --slurp repos/O/R/issues/N/comments`");
  // --paginate --slurp gives an array of pages; a single page is an array of comments.
  const flat = Array.isArray(data) && data.every(Array.isArray) ? (data as unknown[][]).flat() : data;
  if (!Array.isArray(flat)) throw new PlanReportError(`${file}: not a list of issue comments`);
  return flat as GitHubComment[];
}

function options(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--merged") {
      out.set("merged", "true");
      continue;
    }
    if (!flag.startsWith("--") || argv[i + 1] === undefined)
      throw new PlanReportError(`unexpected argument "${flag}"; see the usage in allow-cli.ts`);
    out.set(flag.slice(2), argv[++i]);
  }
  return out;
}

function need(o: Map<string, string>, name: string): string {
  const v = o.get(name);
  if (v === undefined) throw new PlanReportError(`--${name} is required`);
  return v;
}

function summary(list: AllowList): string {
  const lines = list.allowed.map((a) => `allowed: ${a.stack} ${a.address} (by @${a.by}, ${a.source})`);
  for (const i of list.ignored) lines.push(`ignored: @${i.by} ${i.source}: ${i.reason}`);
  return lines.length > 0 ? `${lines.join("\n")}\n` : "no allowances\n";
}

/** Runs the tool; returns the exit code (the `cli` export is what tools/run.js calls). */
export function cli(argv: readonly string[]): number {
  try {
    const [command, ...rest] = argv;
    if (command === "commenters") {
      const logins = new Set(
        comments(rest[0] ?? "")
          .filter((c) => hasAllowLines(c.body) && c.user)
          .map((c) => c.user!.login),
      );
      process.stdout.write([...logins].map((l) => `${l}\n`).join(""));
      return 0;
    }
    const o = options(rest);
    let list: AllowList;
    if (command === "comments") {
      const pull = readJson(need(o, "pull"), "the output of `gh api repos/O/R/pulls/N`") as {
        user?: { login?: string };
        merged_at?: string | null;
      };
      if (!pull.user?.login) throw new PlanReportError(`${need(o, "pull")}: not a pull request (no user.login)`);
      if (o.has("merged") && !pull.merged_at) throw new PlanReportError(`${need(o, "pull")}: the pull request is not merged`);
      const roles = readJson(need(o, "roles"), "a JSON object of login to role") as Record<string, string>;
      list = allowancesFromComments({
        prAuthor: pull.user.login,
        comments: comments(need(o, "comments")),
        roles,
        ...(o.has("merged") && pull.merged_at ? { mergedAt: pull.merged_at } : {}),
      });
    } else if (command === "input") {
      list = allowancesFromInput({ actor: need(o, "actor"), role: o.get("role") ?? "", text: need(o, "text"), source: need(o, "source") });
    } else {
      throw new PlanReportError(`unknown command "${command ?? ""}": use commenters, comments or input`);
    }
    const out = need(o, "out");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(list, null, 2)}\n`);
    process.stdout.write(summary(list));
    return 0;
  } catch (err) {
    return reportCliError("allow-cli", err, PlanReportError);
  }
}

if (require.main === module) process.exitCode = cli(process.argv.slice(2));
