/**
 * Feeds log lines through the rules and folds repeats: the same failure seen 10,000 times is
 * one finding with a count and its first and last timestamps. Memory is bounded by the
 * number of distinct findings (capped) and the distinct values kept per field (capped), never
 * by the size of the log.
 */
import type { Readable } from "stream";
import { FIELD_NAMES, type FieldName, type Fields } from "./fields";
import { splitStream } from "./lines";
import { normalizeLine, type Timestamp } from "./normalize";
import { MAX_LOOK_BACK, PREFILTER, RULES, type FindingId, type Rule } from "./rules";

/** Where a line came from. */
export interface SourceRef {
  /** File name, or `<stdin>`. */
  readonly source: string;
  /** 1-based line number in that source. */
  readonly line: number;
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
        if (this.followUp(n.text)) {
          this.recognized();
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
        let fields = rule.match(n.text);
        if (!fields) continue;
        this.recognized();
        let timestamp = n.timestamp;
        if (rule.lookBack) ({ fields, timestamp } = this.lookBack(rule.lookBack, fields, timestamp));
        const ref = { source: this.source, line: lineNo };
        if (rule.followUp) {
          this.flushPending();
          this.pending = { rule, fields, timestamp, ref, remaining: rule.followUp.lines };
        } else {
          this.add(rule, fields, timestamp, ref);
        }
        return;
      }
      this.stats.skipped++;
    } finally {
      this.recent[lineNo % MAX_LOOK_BACK] = raw;
    }
  }

  /** Fills missing values (and the timestamp) from the lines before the current one. */
  private lookBack(
    lb: NonNullable<Rule["lookBack"]>,
    fields: Fields,
    timestamp: Timestamp | undefined,
  ): { fields: Fields; timestamp: Timestamp | undefined } {
    const out: Fields = { ...fields };
    let ts = timestamp;
    const n = Math.min(lb.lines, MAX_LOOK_BACK, this.lineNo - 1);
    for (let i = 1; i <= n; i++) {
      const raw = this.recent[(this.lineNo - i) % MAX_LOOK_BACK];
      if (!raw) continue;
      const prev = normalizeLine(raw);
      ts ??= prev.timestamp;
      const extra = lb.match(prev.text);
      if (!extra) continue;
      for (const [k, v] of Object.entries(extra) as [FieldName, string][]) if (out[k] === undefined) out[k] = v;
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
  private followUp(text: string): boolean {
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
    return added;
  }

  private flushPending(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.add(p.rule, p.fields, p.timestamp, p.ref);
  }

  private add(rule: Rule, fields: Fields, ts: Timestamp | undefined, ref: SourceRef): void {
    let key = rule.id;
    for (const k of rule.key) key += `|${(fields[k] ?? "").toLowerCase()}`;
    let f = this.byKey.get(key);
    if (!f) {
      if (this.byKey.size >= this.maxFindings) {
        this.stats.droppedOccurrences++;
        return;
      }
      f = { id: rule.id, title: rule.title, count: 0, firstSeen: ref, lastSeen: ref, values: {}, valuesTruncated: new Set() };
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
