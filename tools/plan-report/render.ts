import { changeCount, movesAndImports } from "./analyse";
import { AccessChange, Action, PlanReport, ProtectedChange, ResourceChangeSummary, StackReport, StackWithoutPlan } from "./types";

/** Hidden marker that identifies the sticky pull-request comment. */
export const COMMENT_MARKER = "<!-- aks-plan-report -->";

export interface MarkdownOptions {
  /** Changed-resource rows per stack before the table is cut. @default 50 */
  readonly maxRows?: number;
  /** Cap on the whole Markdown, in characters (GitHub comments hold 65,536). @default 60000 */
  readonly maxLength?: number;
  /** Link to the CI run, shown at the end. @default - none */
  readonly runUrl?: string;
  /** Heading. @default "Terraform plan report" */
  readonly title?: string;
}

/** Order in the changed-resources table: what destroys first. */
const ACTION_ORDER: Readonly<Record<Action, number>> = {
  replace: 0,
  delete: 1,
  forget: 2,
  update: 3,
  create: 4,
  read: 5,
  "no-op": 6,
};

/** Text for a table cell: no pipes or new lines that would break the row. */
function cell(s: string): string {
  return s.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

/** Inline code that survives any value (backticks are swapped for quotes). */
function code(s: string): string {
  return `\`${cell(s.replace(/`/g, "'"))}\``;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function actionText(action: Action): string {
  return action === "replace" || action === "delete" ? `**${action}**` : action;
}

function details(c: ResourceChangeSummary): string {
  const parts: string[] = [];
  if (c.replacePaths.length > 0) parts.push(`forced by ${c.replacePaths.map(code).join(", ")}`);
  if (c.changedAttributes.length > 0) parts.push(c.changedAttributes.map(code).join(", "));
  if (c.action === "forget") parts.push("removed from state, not destroyed (`removed` block)");
  else if (c.reason && !(c.action === "replace" && c.replacePaths.length > 0)) parts.push(c.reason);
  if (c.previousAddress) parts.push(`moved from ${code(c.previousAddress)}`);
  if (c.importing) parts.push(c.importId !== undefined ? `imported (ID ${code(c.importId)})` : "imported");
  return parts.join("; ");
}

function protectedTable(all: readonly { stack: string; p: ProtectedChange }[], allowed: boolean, maxRows: number): string[] {
  const rows = all.slice(0, maxRows);
  const out = [
    allowed ? "> | stack | action | resource | why | allowed by |" : "> | stack | action | resource | why |",
    allowed ? "> |---|---|---|---|---|" : "> |---|---|---|---|",
  ];
  for (const { stack, p } of rows) {
    const why = p.replacePaths.length > 0 ? `forced by ${p.replacePaths.map(code).join(", ")}` : cell(p.reason ?? "");
    out.push(`> | ${code(stack)} | **${p.action}** | ${code(p.address)} | ${why} |${allowed ? ` ${code(p.allowedBy ?? "")} |` : ""}`);
  }
  if (all.length > rows.length) out.push(">", `> …and ${all.length - rows.length} more (all in \`--json\` output).`);
  return out;
}

/** Protected rows are kept even when other tables are cut to fit. */
const MIN_PROTECTED_ROWS = 20;

function guardBlocks(report: PlanReport, maxRows: number): string[] {
  const limit = Math.max(maxRows, MIN_PROTECTED_ROWS);
  const all = report.stacks.flatMap((s) =>
    [...s.protectedChanges]
      .sort((a, b) => ACTION_ORDER[a.action] - ACTION_ORDER[b.action] || (a.address < b.address ? -1 : 1))
      .map((p) => ({ stack: s.stack, p })),
  );
  const blocked = all.filter((x) => !x.p.allowedBy);
  const allowed = all.filter((x) => x.p.allowedBy);
  const out: string[] = [];
  if (blocked.length > 0) {
    out.push(
      "> [!CAUTION]",
      `> **${plural(blocked.length, "protected resource")} would be deleted or replaced. The deploy stops here.**`,
      "> These hold data or grant access. If the change is intended, a maintainer other than the author comments " +
        "`/allow-destroy <stack> <address>` on the pull request, one line per address in this table " +
        "(locally: run the report with `--allow-destroy <address>`).",
      ">",
      ...protectedTable(blocked, false, limit),
      "",
    );
  }
  if (allowed.length > 0) {
    out.push(
      "> [!WARNING]",
      `> **${plural(allowed.length, "protected resource")} will be deleted or replaced, allowed by a reviewer.**`,
      ">",
      ...protectedTable(allowed, true, limit),
      "",
    );
  }
  return out;
}

const WITHOUT_PLAN_TEXT: Readonly<Record<StackWithoutPlan["status"], string>> = {
  unchanged: "unchanged since the base branch, not planned",
  removed: "**removed** from the synth output: its resources stay in Azure and in its state until destroyed on purpose",
  missing: "**no plan**: the plan job failed or was cancelled, see the run",
  skipped: "changed, not planned (plans skipped)",
};

function overview(report: PlanReport): string[] {
  if (report.stacks.length === 0 && report.withoutPlan.length === 0) return [];
  const out = ["| stack | create | update | delete | replace | read | forget | no-op | |", "|---|--:|--:|--:|--:|--:|--:|--:|---|"];
  for (const s of report.stacks) {
    const c = s.counts;
    const blocked = s.protectedChanges.some((p) => !p.allowedBy);
    const status = s.errored ? "⚠️ plan errored" : blocked ? "⛔ blocked" : changeCount(c) === 0 ? (stateOnly(s) ?? "no changes") : "";
    out.push(
      `| ${code(s.stack)} | ${c.create} | ${c.update} | ${c.delete} | ${c.replace} | ${c.read} | ${c.forget} | ${c["no-op"]} | ${status} |`,
    );
  }
  for (const w of report.withoutPlan) out.push(`| ${code(w.stack)} | | | | | | | | ${WITHOUT_PLAN_TEXT[w.status]} |`);
  out.push("");
  return out;
}

function shortId(value: string): string {
  // ARM IDs: keep the last "type/name" pair, which is what a reviewer recognises.
  const parts = value.split("/").filter((p) => p !== "");
  if (value.startsWith("/") && parts.length >= 2) return `${parts[parts.length - 2]}/${parts[parts.length - 1]}`;
  return value;
}

function mermaidLabel(s: string): string {
  const escaped = s
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/\|/g, "#124;")
    .replace(/`/g, "#96;")
    .replace(/[\r\n]+/g, " ");
  return `"${escaped}"`;
}

/** The access changes as a Mermaid flowchart: principal → scope, labelled with the role. */
export function accessGraph(access: readonly AccessChange[]): string[] {
  const ids = new Map<string, string>();
  const lines: string[] = [];
  const node = (kind: "p" | "s", label: string): string => {
    const key = `${kind}:${label}`;
    let id = ids.get(key);
    if (!id) {
      id = `${kind}${ids.size}`;
      ids.set(key, id);
      lines.push(`  ${id}${kind === "p" ? `(${mermaidLabel(label)})` : `[${mermaidLabel(shortId(label))}]`}`);
    }
    return id;
  };
  const edges: string[] = [];
  for (const a of access) {
    const p = node("p", a.principal);
    const s = node("s", a.scope);
    const label = mermaidLabel(`${a.change}: ${a.grant}`);
    edges.push(a.change === "removed" ? `  ${p} -.->|${label}| ${s}` : `  ${p} -->|${label}| ${s}`);
  }
  return ["```mermaid", "flowchart LR", ...lines, ...edges, "```"];
}

function accessSection(access: readonly AccessChange[], maxRows: number): string[] {
  if (access.length === 0) return [];
  const shown = access.slice(0, maxRows);
  const out = ["#### Access changes", "", "| change | principal | role / permissions | scope | resource |", "|---|---|---|---|---|"];
  for (const a of shown) {
    const grant =
      a.previousGrant !== undefined && a.previousGrant !== a.grant ? `${cell(a.previousGrant)} → ${cell(a.grant)}` : cell(a.grant);
    const change = a.change === "removed" ? "**removed**" : a.change;
    out.push(`| ${change} | ${code(a.principal)} | ${grant} | ${code(a.scope)} | ${code(a.address)} |`);
  }
  if (shown.length < access.length) out.push("", `…and ${access.length - shown.length} more access changes (see \`--json\`).`);
  out.push("", ...(shown.length > 0 ? accessGraph(shown) : []), "");
  return out;
}

/** "1 moved, 2 to import", or undefined when the stack has neither. */
function movesText(s: StackReport): string | undefined {
  const { moved, imported } = movesAndImports(s.changes);
  const parts = [...(moved > 0 ? [`${moved} moved`] : []), ...(imported > 0 ? [`${imported} to import`] : [])];
  return parts.length > 0 ? parts.join(", ") : undefined;
}

/** Overview status of a stack whose only changes are moves and imports. */
function stateOnly(s: StackReport): string | undefined {
  const moves = movesText(s);
  return moves ? `${moves}; nothing else changes` : undefined;
}

function countsLine(s: StackReport): string {
  const c = s.counts;
  const parts = (["create", "update", "delete", "replace", "read", "forget"] as const)
    .filter((a) => c[a] > 0)
    .map((a) => `${c[a]} to ${a}`);
  const moves = movesText(s);
  if (moves) parts.push(moves);
  let line: string;
  if (changeCount(c) > 0 || c.read > 0) line = `${parts.join(", ")}, ${c["no-op"]} unchanged.`;
  else if (moves) line = `${moves}; no resource is created, updated or destroyed (${c["no-op"]} unchanged).`;
  else if (s.errored) line = `No changes planned before Terraform stopped with errors (${c["no-op"]} unchanged).`;
  else line = `No changes (${c["no-op"]} unchanged).`;
  if (s.drift) {
    line += ` ${plural(s.drift, "resource")} changed outside Terraform since the last apply (drift; not counted above).`;
  }
  return line;
}

function stackSection(s: StackReport, maxRows: number): string[] {
  const out = [`### ${code(s.stack)}`, "", countsLine(s), ""];
  if (s.errored) out.push("> [!WARNING]", "> Terraform reported errors while planning: this plan is incomplete.", "");
  if (s.changes.length > 0) {
    const sorted = [...s.changes].sort((a, b) => ACTION_ORDER[a.action] - ACTION_ORDER[b.action] || (a.address < b.address ? -1 : 1));
    const shown = sorted.slice(0, maxRows);
    out.push("| action | resource | details |", "|---|---|---|");
    for (const c of shown) out.push(`| ${actionText(c.action)} | ${code(c.address)} | ${details(c)} |`);
    if (sorted.length > shown.length) {
      out.push("", `…and ${sorted.length - shown.length} more changed resources (see \`--json\` or the job log).`);
    }
    out.push("");
  }
  out.push(...accessSection(s.access, maxRows));
  return out;
}

function renderOnce(report: PlanReport, options: MarkdownOptions, maxRows: number): string {
  const title = options.title ?? "Terraform plan report";
  const out: string[] = [COMMENT_MARKER, `## ${title}`, ""];
  out.push(...guardBlocks(report, maxRows));
  if (report.checks.length > 0) {
    const icon = (o: string): string => (o === "success" ? "✅" : o === "skipped" ? "⏭️" : "❌");
    out.push(`**Checks:** ${report.checks.map((c) => `${code(c.name)} ${icon(c.outcome)} ${cell(c.outcome)}`).join(" · ")}`, "");
  }
  if (report.skippedReason) out.push("> [!NOTE]", `> **Plans were skipped.** ${cell(report.skippedReason)}`, "");
  out.push(...overview(report));
  if (report.stacks.length === 0 && report.withoutPlan.length === 0 && !report.skippedReason) out.push("No stacks to plan.", "");
  for (const s of report.stacks) out.push(...stackSection(s, maxRows));
  if (options.runUrl) out.push(`[Workflow run](${options.runUrl})`, "");
  return out.join("\n");
}

/**
 * The report as GitHub Markdown: protected changes first, in a caution block; then the overview
 * and one section per stack. Tables are cut to fit `maxLength`.
 */
export function renderMarkdown(report: PlanReport, options: MarkdownOptions = {}): string {
  const maxLength = options.maxLength ?? 60000;
  let maxRows = options.maxRows ?? 50;
  let text = renderOnce(report, options, maxRows);
  while (text.length > maxLength && maxRows > 0) {
    maxRows = Math.floor(maxRows / 2);
    text = renderOnce(report, options, maxRows);
  }
  if (text.length > maxLength) {
    const note = "\n\n…report cut to fit a GitHub comment; the full report is in the job summary or `--json`.\n";
    text = text.slice(0, maxLength - note.length) + note;
  }
  return text;
}

/** The report as JSON (the `--json` output, readable back as an input). */
export function renderJson(report: PlanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
