/**
 * Turns one raw log line into plain text plus its timestamp: strips CR and ANSI colour
 * codes, unwraps JSON-formatted lines (klog/zap JSON, Docker json-file, Fluent Bit), drops
 * Terraform's diagnostic box characters, and recognises the timestamp formats that the
 * aad-pod-identity components, Go programs and `kubectl logs --timestamps` write.
 */

/** A timestamp as written in the log, and a key that sorts within its kind. */
export interface Timestamp {
  /** As shown to people: ISO 8601 when the year is known, `MM-DD hh:mm:ss.ffffff` for klog. */
  readonly display: string;
  /** Sortable within the same `kind`. */
  readonly sortKey: string;
  /** `iso` has a year; `klog` has none (klog headers carry month and day only). */
  readonly kind: "iso" | "klog";
}

/** One line ready for the rules. */
export interface NormalizedLine {
  readonly text: string;
  readonly timestamp?: Timestamp;
}

// CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks) and lone ESC pairs.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const TERRAFORM_BOX = /^[\s│╷╵|]+/;
const RFC3339_PREFIX = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\s+/;
const KLOG = /^[IWEF](\d{2})(\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s/;
const GO_LOG = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s/;

/** Keys that hold the message in JSON-formatted log lines, in order of preference. */
const MESSAGE_KEYS = ["log", "msg", "message", "MESSAGE", "Message", "error_description"] as const;
/** Keys that add detail to the message. */
const DETAIL_KEYS = ["err", "error", "Error", "stacktrace_error", "detail", "Detail", "details", "innererror"] as const;
const TIME_KEYS = ["ts", "time", "timestamp", "@timestamp", "Timestamp", "date"] as const;

/** Removes ANSI escape sequences. Cheap when there are none. */
export function stripAnsi(s: string): string {
  return s.indexOf("\x1b") === -1 ? s : s.replace(ANSI, "");
}

function iso(display: string): Timestamp {
  const normal = display.replace(" ", "T").replace(",", ".");
  return { display: normal, sortKey: normal, kind: "iso" };
}

/** Timestamp at the start of a plain-text line (kubectl --timestamps, klog, Go `log`). */
export function leadingTimestamp(text: string): { timestamp?: Timestamp; rest: string } {
  let rest = text;
  let timestamp: Timestamp | undefined;
  const rfc = RFC3339_PREFIX.exec(rest);
  if (rfc) {
    timestamp = iso(rfc[1]);
    rest = rest.slice(rfc[0].length);
  }
  // A klog or Go header after a kubectl timestamp: the kubectl one (with year) wins.
  if (!timestamp) {
    const k = KLOG.exec(rest);
    if (k) {
      const display = `${k[1]}-${k[2]} ${k[3]}`;
      timestamp = { display, sortKey: display, kind: "klog" };
    } else {
      const g = GO_LOG.exec(rest);
      if (g) timestamp = iso(`${g[1]}-${g[2]}-${g[3]}T${g[4]}`);
    }
  }
  return { timestamp, rest };
}

function jsonTimestamp(v: unknown): Timestamp | undefined {
  if (typeof v === "number" && Number.isFinite(v)) {
    const ms = v > 1e12 ? v : v * 1000; // zap writes seconds, klog JSON milliseconds
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? undefined : iso(d.toISOString());
  }
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(v)) return iso(v);
  return undefined;
}

/** Keys of an Azure error object that hold its code, and its message. */
const CODE_KEYS = ["code", "Code", "errorCode", "ErrorCode", "error_code"] as const;
const ERROR_MESSAGE_KEYS = ["message", "Message", "error_description"] as const;
/** Keys under which an Azure error body nests further errors. */
const NESTED_ERROR_KEYS = ["error", "Error", "innererror", "innerError", "InnerError", "details", "Details", "err"] as const;

/**
 * Flattens an Azure error body (`{"error":{"code":…,"message":…,"innererror":{"code":…}}}`,
 * ARM's `details: [{code, message}]`) into `Code="<code>" Message="<message>"` parts, so the
 * rules see every code (outer, inner, per detail) next to its message. Depth-limited.
 */
function flattenError(v: unknown, out: string[], depth: number): void {
  if (depth > 6 || v === null || typeof v !== "object") return;
  if (Array.isArray(v)) {
    for (const x of v) flattenError(x, out, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  for (const k of CODE_KEYS) if (typeof o[k] === "string" && o[k]) out.push(`Code="${o[k]}"`);
  for (const k of ERROR_MESSAGE_KEYS) if (typeof o[k] === "string" && o[k]) out.push(`Message="${oneLine(o[k])}"`);
  for (const k of NESTED_ERROR_KEYS) {
    const n = o[k];
    if (typeof n === "string" && n && depth > 0) out.push(oneLine(n));
    else flattenError(n, out, depth + 1);
  }
}

/** Error messages carry `\r\n` between their parts (Key Vault's Caller/Action/Vault): one line for the rules. */
function oneLine(s: string): string {
  return s.indexOf("\n") === -1 ? s : s.replace(/\r?\n/g, " ").trimEnd();
}

/**
 * Unwraps a JSON log line: the message (and error detail, with every Azure error code kept)
 * becomes the text; a Docker json-file `log` field is normalised again, since it holds the
 * original line (itself possibly JSON).
 */
function fromJson(obj: Record<string, unknown>, depth: number): NormalizedLine | undefined {
  let message: string | undefined;
  for (const k of MESSAGE_KEYS) {
    const v = obj[k];
    if (typeof v === "string" && v.length > 0) {
      message = v;
      break;
    }
  }
  const details: string[] = [];
  // The line's own error code (an Azure error body logged as it is: `{"code":…,"message":…}`).
  for (const k of CODE_KEYS) if (typeof obj[k] === "string" && obj[k]) details.push(`Code="${obj[k]}"`);
  for (const k of DETAIL_KEYS) {
    const v = obj[k];
    if (typeof v === "string" && v.length > 0) details.push(v);
    else if (v && typeof v === "object") flattenError(v, details, 1);
  }
  if (message === undefined && details.length === 0) {
    // Unknown shape: keep every string value, so the rules still see the text.
    const all = Object.values(obj).filter((v): v is string => typeof v === "string");
    if (all.length === 0) return undefined;
    message = all.join(" ");
  }
  let timestamp: Timestamp | undefined;
  for (const k of TIME_KEYS) {
    timestamp = jsonTimestamp(obj[k]);
    if (timestamp) break;
  }
  const text = oneLine(
    [message ?? "", ...details]
      .filter((s) => s.length > 0)
      .join(" ")
      .replace(/\r?\n$/, ""),
  );
  // The inner text may carry its own (more precise) header, e.g. a klog line inside Docker's
  // `log`, or be JSON itself (a zap/klog JSON line wrapped by Docker's json-file driver).
  const inner = depth < 2 ? normalizeLine(text, depth + 1) : normalizeText(text);
  return { text: inner.text, timestamp: timestamp ?? inner.timestamp };
}

function normalizeText(raw: string): NormalizedLine {
  const cleaned = stripAnsi(raw).replace(TERRAFORM_BOX, "");
  const { timestamp, rest } = leadingTimestamp(cleaned);
  return { text: rest, timestamp };
}

/** Normalises one raw line (as split by `LineSplitter`). */
export function normalizeLine(raw: string, depth = 0): NormalizedLine {
  let line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  line = stripAnsi(line);
  // kubectl --timestamps may prefix a JSON line.
  const prefix = RFC3339_PREFIX.exec(line);
  const body = prefix ? line.slice(prefix[0].length) : line;
  const trimmed = body.trimStart();
  if (trimmed.startsWith("{") && trimmed.trimEnd().endsWith("}")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        const n = fromJson(parsed as Record<string, unknown>, depth);
        if (n) return prefix ? { text: n.text, timestamp: iso(prefix[1]) } : n;
      }
    } catch {
      /* not JSON after all: treat as text */
    }
  }
  return normalizeText(line);
}
