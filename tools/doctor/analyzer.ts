/**
 * Feeds log lines through the rules and folds repeats: the same failure seen 10,000 times is
 * one finding with a count and its first and last timestamps. Memory is bounded by the
 * number of distinct findings (capped) and the distinct values kept per field (capped), never
 * by the size of the log.
 */
import type { Readable } from "stream";
import { FIELD_NAMES, type FieldName, type Fields } from "./fields";
import { splitStream } from "./lines";
import { normalizeLine, stripAnsi, type Timestamp } from "./normalize";
import { MAX_LOOK_BACK, PREFILTER, RULES, type FindingId, type Rule } from "./rules";

/** Where a line came from. */
export interface SourceRef {
  /** File name, or `<stdin>`. */
  readonly source: string;
  /** 1-based line number in that source. */
  readonly line: number;
}

/** A log line a finding was read from, quoted. */
export interface Evidence {
  /** 1-based line number in the finding's first source. */
  readonly line: number;
  /** The line as logged, without ANSI colours or CR; cut at {@link MAX_EVIDENCE_CHARS}. */
  readonly text: string;
}

/** Longest quoted evidence line. */
export const MAX_EVIDENCE_CHARS = 2000;

function quote(raw: string): string {
  const t = stripAnsi(raw.endsWith("\r") ? raw.slice(0, -1) : raw).trim();
  return t.length > MAX_EVIDENCE_CHARS ? `${t.slice(0, MAX_EVIDENCE_CHARS)}…` : t;
}

/** One finding: a failure and all its repeats. */
export interface Finding {
  readonly id: FindingId;
  readonly title: string;
  count: number;
  /** Earliest timestamp seen (klog timestamps have no year). */
  first?: Timestamp;
  /** Latest timestamp seen. */
  last?: Timestamp;
  readonly firstSeen: SourceRef;
  lastSeen: SourceRef;
  /** Distinct values per field, first seen first, at most `maxValuesPerField` each. */
  readonly values: Partial<Record<FieldName, string[]>>;
  /** Fields that had more distinct values than were kept. */
  readonly valuesTruncated: Set<FieldName>;
  /** The lines of the first occurrence the finding was read from (its source is `firstSeen.source`), in log order. */
  readonly evidence: readonly Evidence[];
}

/** Counts for `--verbose` and the JSON summary. */
export interface AnalysisStats {
  lines: number;
  recognized: number;
  /** Lines no rule recognised (skipped without noise). */
  skipped: number;
  /** Lines cut at the maximum line length. */
  truncated: number;
  /** Occurrences not kept because the distinct-finding cap was reached. */
  droppedOccurrences: number;
  readonly sources: { source: string; lines: number; recognized: number }[];
}

export interface AnalyzerOptions {
  /** @default 10 */
  readonly maxValuesPerField?: number;
  /** @default 1000 */
  readonly maxFindings?: number;
}

interface Pending {
  readonly rule: Rule;
  fields: Fields;
  readonly timestamp?: Timestamp;
  readonly ref: SourceRef;
  remaining: number;
  readonly evidence: Map<number, string>;
}

function isUnknown(v: string | undefined): boolean {
  return v === undefined || v.startsWith("(");
}

/** Streams lines in, findings out. */
export class Analyzer {
  readonly stats: AnalysisStats = { lines: 0, recognized: 0, skipped: 0, truncated: 0, droppedOccurrences: 0, sources: [] };
  private readonly byKey = new Map<string, Finding>();
  private readonly maxValues: number;
  private readonly maxFindings: number;
  private source = "<input>";
  private lineNo = 0;
  private sourceStats = { source: "<input>", lines: 0, recognized: 0 };
  private pending: Pending | undefined;
  /** The last line that was part of a finding (look-back never reads past it into an earlier error), and its rule. */
  private lastMatch: { line: number; rule: Rule } | undefined;
  /** The last raw lines, for rules that look back (ring buffer indexed by line number). */
  private readonly recent: string[] = new Array<string>(MAX_LOOK_BACK).fill("");

  constructor(options: AnalyzerOptions = {}) {
    this.maxValues = options.maxValuesPerField ?? 10;
    this.maxFindings = options.maxFindings ?? 1000;
  }

  /** Starts a new source (file); line numbers restart. */
  beginSource(name: string): void {
    this.flushPending();
    this.source = name;
    this.lineNo = 0;
    this.sourceStats = { source: name, lines: 0, recognized: 0 };
    this.recent.fill("");
    this.lastMatch = undefined;
    this.stats.sources.push(this.sourceStats);
  }

  /** Ends the current source. */
  endSource(): void {
    this.flushPending();
  }

  /** Reads a whole stream as one source. */
  async readStream(stream: Readable, name: string): Promise<void> {
    this.beginSource(name);
    const splitter = await splitStream(stream, (l) => this.line(l));
    this.stats.truncated += splitter.truncatedLines;
    this.endSource();
  }

  /** Analyses a whole text (tests, kubectl output already in memory). */
  text(text: string, name = "<text>"): void {
    this.beginSource(name);
    const lines = text.split("\n");
    if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    for (const l of lines) this.line(l);
    this.endSource();
  }

  /** One raw line. */
  line(raw: string): void {
    const lineNo = ++this.lineNo;
    this.stats.lines++;
    this.sourceStats.lines++;
    try {
      if (this.pending) {
        const n = normalizeLine(raw);
        if (this.followUp(n.text, raw, lineNo)) {
          this.recognized();
          this.lastMatch = { line: lineNo, rule: this.pending.rule };
          return;
        }
        if (--this.pending.remaining <= 0) this.flushPending();
      }
      if (!PREFILTER.test(raw)) {
        this.stats.skipped++;
        return;
      }
      const n = normalizeLine(raw);
      for (const rule of RULES) {
        const matched = rule.match(n.text);
        if (!matched) continue;
        if (this.matched(rule, matched, n.text, n.timestamp, raw, lineNo)) {
          this.recognized();
          this.lastMatch = { line: lineNo, rule };
        } else {
          this.stats.skipped++;
        }
        return;
      }
      this.stats.skipped++;
    } finally {
      this.recent[lineNo % MAX_LOOK_BACK] = raw;
    }
  }

  /** A rule matched the line: gathers context and values; false when the line turned out benign. */
  private matched(rule: Rule, matched: Fields, text: string, ts0: Timestamp | undefined, raw: string, lineNo: number): boolean {
    const evidence = new Map<number, string>([[lineNo, raw]]);
    if (rule.context) {
      const at = this.contextLine(rule.context, text, lineNo);
      if (at === undefined) return false;
      if (at !== lineNo) evidence.set(at, this.recent[at % MAX_LOOK_BACK]);
    }
    const codeOnly = rule.lookBack !== undefined && rule.key.length > 0 && rule.key.every((k) => isUnknown(matched[k]));
    let fields = matched;
    let timestamp = ts0;
    if (rule.lookBack) ({ fields, timestamp } = this.lookBack(rule.lookBack, fields, timestamp, evidence));
    // A code line right after the message it belongs to (`"code": "PrincipalNotFound"` below the
    // message that named the principal): the same error, already counted.
    if (codeOnly && evidence.size === 1 && this.lastMatch?.rule === rule && lineNo - this.lastMatch.line <= MAX_LOOK_BACK) return true;
    const ref = { source: this.source, line: lineNo };
    if (rule.followUp) {
      this.flushPending();
      this.pending = { rule, fields, timestamp, ref, remaining: rule.followUp.lines, evidence };
    } else {
      this.add(rule, fields, timestamp, ref, evidence);
    }
    return true;
  }

  /** The line (this one or an earlier one, back to the previous finding) that makes a context-dependent message a finding, if any. */
  private contextLine(ctx: NonNullable<Rule["context"]>, text: string, lineNo: number): number | undefined {
    const here = ctx.test(text);
    if (here !== undefined) return here ? lineNo : undefined;
    const since = this.lastMatch ? lineNo - this.lastMatch.line - 1 : Infinity;
    const n = Math.min(ctx.lines, MAX_LOOK_BACK - 1, lineNo - 1, since);
    for (let i = 1; i <= n; i++) {
      const raw = this.recent[(lineNo - i) % MAX_LOOK_BACK];
      if (!raw) continue;
      const verdict = ctx.test(normalizeLine(raw).text);
      if (verdict !== undefined) return verdict ? lineNo - i : undefined;
    }
    return undefined;
  }

  /** Fills missing values (and the timestamp) from the lines before the current one, back to the previous finding. */
  private lookBack(
    lb: NonNullable<Rule["lookBack"]>,
    fields: Fields,
    timestamp: Timestamp | undefined,
    evidence: Map<number, string>,
  ): { fields: Fields; timestamp: Timestamp | undefined } {
    const out: Fields = { ...fields };
    let ts = timestamp;
    const since = this.lastMatch ? this.lineNo - this.lastMatch.line - 1 : Infinity;
    const n = Math.min(lb.lines, MAX_LOOK_BACK - 1, this.lineNo - 1, since);
    for (let i = 1; i <= n; i++) {
      const at = this.lineNo - i;
      const raw = this.recent[at % MAX_LOOK_BACK];
      if (!raw) continue;
      const prev = normalizeLine(raw);
      ts ??= prev.timestamp;
      const extra = lb.match(prev.text);
      if (!extra) continue;
      for (const [k, v] of Object.entries(extra) as [FieldName, string][]) {
        if (isUnknown(out[k])) {
          out[k] = v;
          evidence.set(at, raw);
        }
      }
    }
    return { fields: out, timestamp: ts };
  }

  /** Findings in order of first appearance. */
  findings(): Finding[] {
    this.flushPending();
    return [...this.byKey.values()];
  }

  private recognized(): void {
    this.stats.recognized++;
    this.sourceStats.recognized++;
  }

  /** Offers a line to the pending multi-line finding; true when it added something. */
  private followUp(text: string, raw: string, lineNo: number): boolean {
    const p = this.pending;
    if (!p || !p.rule.followUp) return false;
    const extra = p.rule.followUp.match(text);
    if (!extra) return false;
    let added = false;
    for (const [k, v] of Object.entries(extra) as [FieldName, string][]) {
      if (isUnknown(p.fields[k])) {
        p.fields = { ...p.fields, [k]: v };
        added = true;
      }
    }
    if (added) p.evidence.set(lineNo, raw);
    return added;
  }

  private flushPending(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.add(p.rule, p.fields, p.timestamp, p.ref, p.evidence);
  }

  private add(rule: Rule, fields: Fields, ts: Timestamp | undefined, ref: SourceRef, evidence: Map<number, string>): void {
    if (rule.accept && !rule.accept(fields)) return;
    let key = rule.id;
    for (const k of rule.key) key += `|${(fields[k] ?? "").toLowerCase()}`;
    let f = this.byKey.get(key);
    if (!f) {
      if (this.byKey.size >= this.maxFindings) {
        this.stats.droppedOccurrences++;
        return;
      }
      const quoted = [...evidence.entries()].sort((a, b) => a[0] - b[0]).map(([line, raw]) => ({ line, text: quote(raw) }));
      f = {
        id: rule.id,
        title: rule.title,
        count: 0,
        firstSeen: ref,
        lastSeen: ref,
        values: {},
        valuesTruncated: new Set(),
        evidence: quoted,
      };
      this.byKey.set(key, f);
    }
    f.count++;
    f.lastSeen = ref;
    if (ts) {
      if (!f.first || (f.first.kind === ts.kind && ts.sortKey < f.first.sortKey)) f.first = ts;
      if (!f.last || f.last.kind !== ts.kind || ts.sortKey >= f.last.sortKey) f.last = ts;
    }
    for (const name of FIELD_NAMES) {
      const v = fields[name];
      if (v === undefined) continue;
      const list = (f.values[name] ??= []);
      if (list.includes(v)) continue;
      // A real value replaces a "(unknown)" placeholder.
      const unknownAt = list.findIndex((x) => isUnknown(x));
      if (unknownAt !== -1 && !isUnknown(v)) list[unknownAt] = v;
      else if (isUnknown(v) && list.length > 0) continue;
      else if (list.length < this.maxValues) list.push(v);
      else f.valuesTruncated.add(name);
    }
  }
}
