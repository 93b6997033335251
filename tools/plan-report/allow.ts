/**
 * Reviewed allowances for protected deletes and replaces: exact `<stack> <address>` pairs, each
 * with the person who allowed it, instead of a blanket label.
 *
 * In CI an allowance is a pull-request comment with one line per address:
 *
 *     /allow-destroy dev-test-apps azurerm_role_assignment.node_rg_reader
 *
 * A comment counts only when its author has the `admin` or `maintain` role on the repository,
 * is not the pull request's author, posted it before the merge and never edited it (anyone with
 * write access can edit a comment, so an edited allowance could carry addresses its author never
 * wrote). Everything else is listed as ignored, with the reason, so the run log says why a
 * delete is still blocked.
 */
import { readFileSync } from "fs";
import { PlanReportError } from "./types";

/** The command that starts an allowance line in a pull-request comment. */
export const ALLOW_COMMAND = "/allow-destroy";

/** Repository roles (GitHub `role_name`) whose allowances count. */
export const ALLOWING_ROLES: readonly string[] = ["admin", "maintain"];

/** One reviewed delete or replace that may go through. */
export interface DestroyAllowance {
  readonly stack: string;
  /** The exact Terraform address (no globs). */
  readonly address: string;
  /** Login of the person who allowed it. */
  readonly by: string;
  /** Where: the comment's URL, or the manual run. */
  readonly source: string;
}

/** An allowance that was not accepted, and why. */
export interface IgnoredAllowance {
  readonly by: string;
  readonly source: string;
  readonly reason: string;
}

/** The file CI passes to `plan-report --allow-file`. */
export interface AllowList {
  readonly kind: "aks-allow-destroy";
  readonly version: 1;
  readonly allowed: readonly DestroyAllowance[];
  readonly ignored: readonly IgnoredAllowance[];
}

/** The fields of a GitHub issue comment (REST `issues/{n}/comments`) that are used. */
export interface GitHubComment {
  readonly html_url: string;
  readonly user: { readonly login: string } | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly body: string | null;
}

/** `/allow-destroy <stack> <address>` lines of a text; the address is the rest of the line. */
export function parseAllowLines(text: string): { stack: string; address: string }[] {
  const out: { stack: string; address: string }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith(`${ALLOW_COMMAND} `)) continue;
    const m = /^(\S+)\s+(.+)$/.exec(line.slice(ALLOW_COMMAND.length).trim());
    if (!m) throw new PlanReportError(`"${line}": write ${ALLOW_COMMAND} <stack> <address>, one address per line`);
    if (/[*?]/.test(m[2])) throw new PlanReportError(`"${line}": name the exact address the report blocked, not a glob`);
    out.push({ stack: m[1], address: m[2] });
  }
  return out;
}

/** True when a comment holds at least one allowance line. */
export function hasAllowLines(body: string | null): boolean {
  return (body ?? "").split(/\r?\n/).some((l) => l.trim().startsWith(`${ALLOW_COMMAND} `));
}

/**
 * Allowances from the comments of one pull request.
 * @param roles repository role of each commenter (`role_name` of the collaborator permission API);
 *   a missing login counts as no role (fail closed when the lookup failed)
 * @param mergedAt when it was merged; comments after it are ignored. Omit for an open pull request.
 */
export function allowancesFromComments(options: {
  readonly prAuthor: string;
  readonly comments: readonly GitHubComment[];
  readonly roles: Readonly<Record<string, string>>;
  readonly mergedAt?: string;
}): AllowList {
  const allowed: DestroyAllowance[] = [];
  const ignored: IgnoredAllowance[] = [];
  for (const c of options.comments) {
    if (!hasAllowLines(c.body)) continue;
    const by = c.user?.login ?? "(deleted user)";
    const ignore = (reason: string): void => {
      ignored.push({ by, source: c.html_url, reason });
    };
    const role = options.roles[by];
    if (by === options.prAuthor) ignore("the pull request's author cannot allow their own deletes");
    else if (!role || !ALLOWING_ROLES.includes(role))
      ignore(`@${by} has the role "${role ?? "none"}"; only ${ALLOWING_ROLES.join(" or ")} can allow deletes`);
    else if (c.updated_at !== c.created_at) ignore("the comment was edited after it was posted; post a new one");
    else if (options.mergedAt !== undefined && Date.parse(c.created_at) > Date.parse(options.mergedAt)) ignore("posted after the merge");
    else {
      try {
        for (const a of parseAllowLines(c.body ?? "")) allowed.push({ ...a, by, source: c.html_url });
      } catch (err) {
        ignore((err as Error).message);
      }
    }
  }
  return { kind: "aks-allow-destroy", version: 1, allowed, ignored };
}

/** Allowances typed into a manual run by `actor`, who must hold an allowing role. */
export function allowancesFromInput(options: {
  readonly actor: string;
  readonly role: string;
  readonly text: string;
  readonly source: string;
}): AllowList {
  const lines = options.text
    .split(/[\r\n;]+/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((l) => (l.startsWith(ALLOW_COMMAND) ? l : `${ALLOW_COMMAND} ${l}`));
  const pairs = parseAllowLines(lines.join("\n"));
  if (pairs.length > 0 && !ALLOWING_ROLES.includes(options.role)) {
    return {
      kind: "aks-allow-destroy",
      version: 1,
      allowed: [],
      ignored: [
        {
          by: options.actor,
          source: options.source,
          reason: `@${options.actor} has the role "${options.role || "none"}"; only ${ALLOWING_ROLES.join(" or ")} can allow deletes`,
        },
      ],
    };
  }
  return {
    kind: "aks-allow-destroy",
    version: 1,
    allowed: pairs.map((p) => ({ ...p, by: options.actor, source: options.source })),
    ignored: [],
  };
}

/** One entry of a read allow list: stack, address (exact, no globs) and who allowed it, all strings. */
function isExactAllowance(a: unknown): a is DestroyAllowance {
  if (!a || typeof a !== "object") return false;
  const e = a as Record<string, unknown>;
  return typeof e.stack === "string" && typeof e.address === "string" && typeof e.by === "string" && !/[*?]/.test(e.address);
}

/** Reads an allow list written by `allow-cli`; bad files are usage errors naming the fix. */
export function readAllowList(file: string): AllowList {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new PlanReportError(
      `${file}: ${e.code === "ENOENT" ? "no such file" : `not JSON (${e.message})`}; give the output of \`allow-cli\`.`,
    );
  }
  const d = data as Partial<AllowList>;
  const valid = d.kind === "aks-allow-destroy" && Array.isArray(d.allowed) && d.allowed.every((a: unknown) => isExactAllowance(a));
  if (!valid)
    throw new PlanReportError(
      `${file}: not an allow list (kind "aks-allow-destroy", exact stack and address per entry); give the output of \`allow-cli\`.`,
    );
  return { kind: "aks-allow-destroy", version: 1, allowed: d.allowed ?? [], ignored: d.ignored ?? [] };
}
