/**
 * Builds `doctor`'s report from the analyzer's findings and renders it as text (people) or
 * JSON (`--json`, stable field names).
 */
import type { EnvironmentConfig, PlatformConfig } from "../../config/types";
import type { AnalysisStats, Evidence, Finding, SourceRef } from "./analyzer";
import { matchEnvironment, type ConfigCheck } from "./env-match";
import { FIELD_LABELS, FIELD_NAMES, type FieldName } from "./fields";
import { explain, type Explanation, type FindingValues } from "./hints";
import type { FindingId } from "./rules";

/** One finding as reported. */
export interface ReportFinding {
  readonly id: FindingId;
  readonly title: string;
  readonly count: number;
  readonly firstTimestamp?: string;
  readonly lastTimestamp?: string;
  readonly firstSeen: SourceRef;
  readonly lastSeen: SourceRef;
  readonly values: FindingValues;
  /** Fields that had more distinct values than listed. */
  readonly valuesTruncated: readonly FieldName[];
  /** The log lines of the first occurrence that the finding was read from (in `firstSeen.source`), quoted. */
  readonly evidence: readonly Evidence[];
  readonly explanation: Explanation;
  /** With `--env`: how the values compare with that environment's config. */
  readonly config?: { readonly env: string; readonly team?: string; readonly checks: readonly ConfigCheck[] };
}

/** The whole report. */
export interface DoctorReport {
  readonly tool: "doctor";
  readonly version: 1;
  readonly env?: string;
  readonly summary: {
    readonly findings: number;
    readonly occurrences: number;
    readonly lines: number;
    readonly recognized: number;
    readonly skipped: number;
    readonly truncated: number;
    readonly droppedOccurrences: number;
    readonly sources: readonly { source: string; lines: number; recognized: number }[];
  };
  readonly findings: readonly ReportFinding[];
}

/** Turns findings into a report, matching them against `env` when given. */
export function buildReport(
  findings: readonly Finding[],
  stats: AnalysisStats,
  env: EnvironmentConfig | undefined,
  platform: PlatformConfig,
): DoctorReport {
  const out: ReportFinding[] = findings.map((f) => {
    const values: FindingValues = {};
    for (const name of FIELD_NAMES) if (f.values[name]) values[name] = [...f.values[name]];
    const match = env ? matchEnvironment(f.id, values, env, platform) : undefined;
    return {
      id: f.id,
      title: f.title,
      count: f.count,
      firstTimestamp: f.first?.display,
      lastTimestamp: f.last?.display,
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
      values,
      valuesTruncated: [...f.valuesTruncated],
      evidence: f.evidence,
      explanation: explain(f.id, values, { env, team: match?.team }),
      config: match ? { env: match.env, team: match.team?.name, checks: match.checks } : undefined,
    };
  });
  return {
    tool: "doctor",
    version: 1,
    env: env?.name,
    summary: {
      findings: out.length,
      occurrences: out.reduce((n, f) => n + f.count, 0),
      lines: stats.lines,
      recognized: stats.recognized,
      skipped: stats.skipped,
      truncated: stats.truncated,
      droppedOccurrences: stats.droppedOccurrences,
      sources: stats.sources.map((s) => ({ ...s })),
    },
    findings: out,
  };
}

/** `--json` output. */
export function renderJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const MARK: Record<ConfigCheck["status"], string> = { match: "✓", mismatch: "✗", unknown: "?" };

function valuesLine(f: ReportFinding): string[] {
  const lines: string[] = [];
  for (const name of FIELD_NAMES) {
    const v = f.values[name];
    if (!v || v.length === 0 || v.every((x) => x.startsWith("("))) continue;
    const more = f.valuesTruncated.includes(name) ? " (and more)" : "";
    lines.push(`${FIELD_LABELS[name]}: ${v.join(", ")}${more}`);
  }
  return lines;
}

function when(f: ReportFinding): string {
  const times = f.firstTimestamp
    ? f.firstTimestamp === f.lastTimestamp || !f.lastTimestamp
      ? ` at ${f.firstTimestamp}`
      : ` from ${f.firstTimestamp} to ${f.lastTimestamp}`
    : "";
  const where = `${f.firstSeen.source}:${f.firstSeen.line}`;
  return `seen ${f.count}×${times} (first at ${where})`;
}

/** Text output for people. `verbose` adds line counts per source. */
export function renderText(report: DoctorReport, options: { verbose?: boolean } = {}): string {
  const s = report.summary;
  const out: string[] = [];
  const pad = (label: string): string => `  ${label.padEnd(12)} `;
  const cont = " ".repeat(15);
  for (const f of report.findings) {
    const e = f.explanation;
    out.push(`✗ ${f.id}: ${f.title}`);
    out.push(`  ${when(f)}`);
    out.push(`${pad("what failed")}${e.whatFailed}`);
    out.push(`${pad("root cause")}${e.rootCause}`);
    out.push(`${pad("guide step")}${e.guideStep.step === null ? "" : `${e.guideStep.step}: `}${e.guideStep.title}`);
    out.push(`${pad("fix")}${e.fix.construct}`);
    out.push(`${cont}${e.fix.text}`);
    out.push(`${cont}config: ${e.fix.config.join(", ")}`);
    const vals = valuesLine(f);
    vals.forEach((v, i) => out.push(`${i === 0 ? pad("values") : cont}${v}`));
    f.evidence.forEach((e, i) =>
      out.push(
        `${i === 0 ? pad("evidence") : cont}${f.firstSeen.source}:${e.line}: ${e.text.length > 300 ? `${e.text.slice(0, 300)}…` : e.text}`,
      ),
    );
    if (f.config) {
      const checks = f.config.checks;
      if (checks.length === 0) out.push(`${pad(`config ${f.config.env}`)}nothing in the log to compare with the config`);
      checks.forEach((c, i) => out.push(`${i === 0 ? pad(`vs ${f.config?.env}`) : cont}${MARK[c.status]} ${c.message}`));
    }
    out.push("");
  }
  const files = s.sources.length === 1 ? s.sources[0].source : `${s.sources.length} sources`;
  if (report.findings.length === 0) {
    out.push(`doctor: no known failure found in ${s.lines} line${s.lines === 1 ? "" : "s"} (${files}).`);
  } else {
    out.push(
      `doctor: ${s.findings} finding${s.findings === 1 ? "" : "s"} (${s.occurrences} occurrence${s.occurrences === 1 ? "" : "s"}) in ${s.lines} line${s.lines === 1 ? "" : "s"} (${files})${report.env ? `, compared with config "${report.env}"` : ""}.`,
    );
  }
  if (options.verbose) {
    out.push(`doctor: ${s.recognized} lines recognised, ${s.skipped} skipped as not recognised, ${s.truncated} truncated at 1 MiB.`);
    for (const src of s.sources)
      out.push(`  ${src.source}: ${src.lines} lines, ${src.recognized} recognised, ${src.lines - src.recognized} skipped`);
    if (s.droppedOccurrences > 0) out.push(`doctor: ${s.droppedOccurrences} occurrences not kept: more than 1000 distinct findings.`);
  }
  return `${out.join("\n")}\n`;
}
