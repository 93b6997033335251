/**
 * The bench's outputs: the JSON document, the Markdown tables and a dependency-free SVG
 * chart (time and peak RSS against teams per environment, log-scale x).
 */
import type { BudgetResult } from "./budgets";
import type { Measurement } from "./measure";
import type { OutputSummary } from "./resources";
import type { StackLayout } from "./generate-config";

/** A generated-config run. */
export interface TeamsRow {
  readonly teams: number;
  readonly layout: StackLayout;
  readonly measurement: Measurement;
  readonly output?: OutputSummary;
}

/** Ratios of one measurement to the template way and to the floor (undefined when either is missing). */
export interface Ratios {
  /** template time / this time: "× faster". */
  readonly timeVsTemplate?: number;
  /** template RSS / this RSS: "× less memory". */
  readonly memoryVsTemplate?: number;
  /** this time / floor time. */
  readonly timeVsFloor?: number;
  /** this RSS / floor RSS. */
  readonly memoryVsFloor?: number;
}

/** bench.json. */
export interface BenchResults {
  readonly schema: 1;
  readonly date: string;
  readonly mode: "smoke" | "standard" | "full";
  /** False in smoke mode: budgets are reported, not enforced (one run is not a median). */
  readonly enforced: boolean;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly node: string;
    readonly platform: string;
    readonly totalMemMiB: number;
    /** 1, 5, 15-minute load averages at start and end: other load on the machine skews wall times. */
    readonly loadAvgStart: readonly number[];
    readonly loadAvgEnd: readonly number[];
  };
  readonly settings: {
    readonly runs: number;
    readonly warmup: number;
    readonly teams: readonly number[];
    readonly layouts: readonly StackLayout[];
    /** cdktf's token creation stacks on in every run (AKS_TOKEN_STACKS=1, see patches/). */
    readonly tokenStacks?: boolean;
  };
  /** Default app (guide config): floor, synth process, synth with token stacks on, npm run synth, template way, CLI. */
  readonly defaultApp: ReadonlyArray<Measurement & { readonly ratios: Ratios }>;
  readonly defaultOutput?: OutputSummary;
  readonly teams: ReadonlyArray<TeamsRow & { readonly ratios: Ratios }>;
  /** npm test, jest, tsc --noEmit (--full). */
  readonly project: readonly Measurement[];
  readonly budgets: readonly BudgetResult[];
  /** Every enforced budget holds and nothing failed. */
  readonly ok: boolean;
}

/** Ratios of `m` to `template` and `floor`. */
export function ratiosOf(m: Measurement, template?: Measurement, floor?: Measurement): Ratios {
  const ok = (a?: Measurement): a is Measurement => !!a && !a.error && a.wallMs > 0 && a.rssMiB > 0;
  if (!ok(m)) return {};
  return {
    ...(ok(template) ? { timeVsTemplate: template.wallMs / m.wallMs, memoryVsTemplate: template.rssMiB / m.rssMiB } : {}),
    ...(ok(floor) ? { timeVsFloor: m.wallMs / floor.wallMs, memoryVsFloor: m.rssMiB / floor.rssMiB } : {}),
  };
}

const sec = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s` : "–");
const mib = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} MiB` : "–");
const times = (v?: number, suffix = "") => (v === undefined ? "–" : `${v.toFixed(v < 10 ? 2 : 1)}×${suffix}`);
const int = (v: number) => v.toLocaleString("en-US");
const size = (bytes: number) => (bytes < 1048576 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 1048576).toFixed(1)} MiB`);
const code = (s: string) => "`" + s.replace(/`/g, "'") + "`";

function failedCell(m: Measurement): string | undefined {
  return m.error ? `failed: ${m.error.replace(/\|/g, "\\|").slice(0, 120)}` : undefined;
}

/** The Markdown report (bench.md). */
export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  const d = r.defaultOutput;
  out.push(
    `### Default app (guide config, both environments${d ? `: ${d.stacks} stacks, ${d.resources} resources, ${d.dataSources} data sources` : ""})`,
    "",
  );
  out.push("| run | command | wall | peak RSS | CPU | time vs template | memory vs template | time vs floor | memory vs floor |");
  out.push("|---|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const m of r.defaultApp) {
    const f = failedCell(m);
    // The reference rows against themselves say nothing.
    const q: Ratios = m.id === "template" ? { timeVsFloor: m.ratios.timeVsFloor, memoryVsFloor: m.ratios.memoryVsFloor } : m.ratios;
    out.push(
      `| ${m.label} | ${code(m.display)} | ${f ?? sec(m.wallMs)} | ${f ? "" : mib(m.rssMiB)} | ${f ? "" : sec(m.cpuMs)} ` +
        `| ${times(q.timeVsTemplate, " faster")} | ${times(q.memoryVsTemplate, " less")} | ${times(q.timeVsFloor)} ` +
        `| ${times(q.memoryVsFloor)} |`,
    );
  }
  if (r.teams.length) {
    out.push("", "### Generated configs: N app teams per environment (2 environments)", "");
    out.push(
      "| teams / env | layout | stacks | resources | resources / stack (min–max) | largest cdk.tf.json | wall " +
        "| peak RSS, all processes | CPU | time vs floor | time vs template (N = 1) |",
    );
    out.push("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const t of r.teams) {
      const m = t.measurement;
      const o = t.output;
      const f = failedCell(m);
      out.push(
        `| ${int(t.teams)} | ${t.layout} | ${o ? int(o.stacks) : "–"} | ${o ? int(o.resources) : "–"} | ${o ? `${o.resourcesPerStack.min}–${int(o.resourcesPerStack.max)}` : "–"} | ${o ? size(o.largestStack.bytes) : "–"} | ${f ?? sec(m.wallMs)} | ${f ? "" : mib(m.rssSumMiB ?? m.rssMiB)} | ${f ? "" : sec(m.cpuMs)} | ${times(t.ratios.timeVsFloor)} | ${t.teams === 1 ? times(t.ratios.timeVsTemplate, " faster") : "–"} |`,
      );
    }
  }
  if (r.project.length) {
    out.push("", "### Project commands (--full)", "");
    out.push("| run | command | wall | peak RSS | CPU |");
    out.push("|---|---|---:|---:|---:|");
    for (const m of r.project) {
      const f = failedCell(m);
      out.push(
        `| ${m.label} | ${code(m.display)} | ${f ? `${sec(m.wallMs)} (${f})` : sec(m.wallMs)} | ${mib(m.rssMiB)} | ${sec(m.cpuMs)} |`,
      );
    }
  }
  out.push("", `### Budgets${r.enforced ? "" : " (smoke run: reported, not enforced)"}`, "");
  out.push("| budget | limit | measured | result |");
  out.push("|---|---|---:|---|");
  for (const b of r.budgets) {
    const result = b.status === "pass" ? "pass" : b.status === "miss" ? "**MISS**" : "not measured";
    out.push(`| ${b.what} | ${b.limit} | ${b.measured || "–"} | ${result}${b.note ? ` (${b.note.replace(/\|/g, "\\|")})` : ""} |`);
  }
  const m = r.machine;
  out.push(
    "",
    `Medians of ${r.settings.runs} run${r.settings.runs === 1 ? "" : "s"} after ${r.settings.warmup} warm-up round${r.settings.warmup === 1 ? "" : "s"}, ` +
      `${r.date.slice(0, 10)}, ${m.cpus} × ${m.cpuModel}, Node ${m.node}, ${m.platform}; load average ${m.loadAvgStart.map((v) => v.toFixed(2)).join("/")} at start, ` +
      `${m.loadAvgEnd.map((v) => v.toFixed(2)).join("/")} at end. Wall time from the clock; peak RSS from the OS accounting ` +
      "of each Node process (largest process / sum of processes); CPU from the OS accounting of the whole process tree, native programs included. " +
      "The template way is measured for the default app only (N = 1).",
  );
  return out.join("\n") + "\n";
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Round step for about `n` ticks up to `max`. */
function niceStep(max: number, n = 4): number {
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
}

interface Series {
  readonly name: string;
  readonly dash: string;
  readonly color: string;
  readonly points: ReadonlyArray<{ x: number; y: number }>;
}

function panel(ox: number, title: string, unit: string, series: readonly Series[], budget?: { value: number; label: string }): string {
  const W = 380;
  const H = 270;
  const L = 52;
  const R = 26;
  const T = 48;
  const B = 40;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const xMin = Math.min(1, ...xs);
  const xMax = Math.max(10, ...xs);
  const yTop = Math.max(...ys, budget?.value ?? 0, 1e-9) * 1.1;
  const step = niceStep(yTop);
  const yMax = Math.ceil(yTop / step) * step;
  const px = (x: number) => ox + L + ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * (W - L - R);
  const py = (y: number) => T + (1 - y / yMax) * (H - T - B);
  const g: string[] = [];
  g.push(`<text x="${ox + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  for (let y = 0; y <= yMax + step / 2; y += step) {
    g.push(`<line x1="${ox + L}" x2="${ox + W - R}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" stroke="#e5e5e5"/>`);
    g.push(`<text x="${ox + L - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${+y.toFixed(6)}</text>`);
  }
  for (let d = Math.ceil(Math.log10(xMin)); d <= Math.floor(Math.log10(xMax)); d++) {
    const x = px(10 ** d);
    g.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${T}" y2="${H - B}" stroke="#e5e5e5"/>`);
    g.push(`<text x="${x.toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${int(10 ** d)}</text>`);
  }
  g.push(`<line x1="${ox + L}" x2="${ox + W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>`);
  g.push(`<line x1="${ox + L}" x2="${ox + L}" y1="${T}" y2="${H - B}" stroke="#333"/>`);
  g.push(`<text x="${ox + L + (W - L - R) / 2}" y="${H - 6}" text-anchor="middle">app teams per environment (log scale)</text>`);
  g.push(`<text transform="translate(${ox + 14} ${T + (H - T - B) / 2}) rotate(-90)" text-anchor="middle">${esc(unit)}</text>`);
  if (budget) {
    const y = py(budget.value).toFixed(1);
    g.push(`<line x1="${ox + L}" x2="${ox + W - R}" y1="${y}" y2="${y}" stroke="#c0392b" stroke-dasharray="6 4"/>`);
    g.push(`<text x="${ox + L + 6}" y="${(+y - 5).toFixed(1)}" fill="#c0392b">${esc(budget.label)}</text>`);
  }
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const pts = s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(" ");
    g.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`);
    for (const p of s.points) g.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`);
    // Legend in a row between the title and the plot, so it never covers data or the budget line.
    const lx = ox + L + i * 185;
    g.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="32" y2="32" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`,
    );
    g.push(`<text x="${lx + 30}" y="36">${esc(s.name)}</text>`);
  });
  return g.join("\n");
}

const STYLE: Record<StackLayout, { color: string; dash: string; name: string }> = {
  shared: { color: "#1f77b4", dash: "", name: "shared apps stack (default)" },
  "per-team": { color: "#ff7f0e", dash: "5 3", name: "stack per team" },
};

/** The chart (bench.svg): synth time and peak RSS against teams per environment. */
export function renderSvg(r: BenchResults): string {
  const layouts = [...new Set(r.teams.map((t) => t.layout))];
  const seriesOf = (pick: (m: Measurement) => number): Series[] =>
    layouts.map((layout) => ({
      ...STYLE[layout],
      points: r.teams
        .filter((t) => t.layout === layout && !t.measurement.error)
        .map((t) => ({ x: t.teams, y: pick(t.measurement) }))
        .sort((a, b) => a.x - b.x),
    }));
  const budget = (id: string, value: number, label: string) => (r.budgets.some((b) => b.id === id) ? { value, label } : undefined);
  const body = [
    panel(
      0,
      "Synth time (median)",
      "seconds",
      seriesOf((m) => m.wallMs / 1000),
      budget("teams-1000-time", 8, "budget at 1,000 teams: 8 s"),
    ),
    panel(
      400,
      "Peak RSS, all processes (median)",
      "MiB",
      seriesOf((m) => m.rssSumMiB ?? m.rssMiB),
      budget("teams-1000-rss", 600, "budget at 1,000 teams: 600 MiB"),
    ),
  ].join("\n");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="780" height="270" viewBox="0 0 780 270" font-family="sans-serif" font-size="11">\n` +
    `<title>cdktf synth: time and peak RSS against app teams per environment</title>\n` +
    `<rect width="780" height="270" fill="#fff"/>\n${body}\n</svg>\n`
  );
}
