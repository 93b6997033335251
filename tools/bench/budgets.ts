/**
 * The performance budgets of issue 6 (2-core machine, medians), checked by the bench.
 * A budget is never relaxed here silently: change it only with the issue.
 */
import type { Measurement } from "./measure";

/** Measurement ids the budgets read. */
export const IDS = {
  floor: "floor",
  synth: "synth",
  template: "template",
  npmSynth: "npm-synth",
  npmTest: "npm-test",
  jest: "jest",
  jestSystem: "jest-system",
  tsc: "tsc",
} as const;

/** Id of the generated-config measurement for N teams per environment in a layout. */
export function teamsId(teams: number, layout: string): string {
  return `teams-${teams}-${layout}`;
}

/** Outcome of one budget. */
export interface BudgetResult {
  readonly id: string;
  readonly what: string;
  /** The limit, as written in the issue. */
  readonly limit: string;
  /** The measured value, formatted; empty when not measured. */
  readonly measured: string;
  readonly status: "pass" | "miss" | "not measured";
  /** Why it was not measured, or which measurement failed. */
  readonly note?: string;
}

type Lookup = (id: string) => Measurement | undefined;

interface BudgetDef {
  readonly id: string;
  readonly what: string;
  readonly limit: string;
  /** The value and whether it is within the limit; undefined when an input is missing. */
  readonly eval: (m: Lookup) => { value: number; shown: string; ok: boolean } | undefined;
  /** Inputs, for the "not measured" note. */
  readonly needs: readonly string[];
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (v: number) => `${v.toFixed(0)} MiB`;
const x = (v: number) => `${v.toFixed(2)}×`;

function valid(m: Measurement | undefined): m is Measurement {
  return !!m && !m.error && Number.isFinite(m.wallMs);
}

function one(id: string, f: (a: Measurement) => { value: number; shown: string; ok: boolean }): BudgetDef["eval"] {
  return (m) => {
    const a = m(id);
    return valid(a) ? f(a) : undefined;
  };
}
function two(
  idA: string,
  idB: string,
  f: (a: Measurement, b: Measurement) => { value: number; shown: string; ok: boolean },
): BudgetDef["eval"] {
  return (m) => {
    const a = m(idA);
    const b = m(idB);
    return valid(a) && valid(b) ? f(a, b) : undefined;
  };
}

const T1000 = teamsId(1000, "shared");
const T100 = teamsId(100, "shared");

/** Every budget, in report order. */
export const BUDGETS: readonly BudgetDef[] = [
  {
    id: "synth-vs-floor",
    what: "default app: synth process time vs the floor",
    limit: "≤ 1.5× floor",
    needs: [IDS.synth, IDS.floor],
    eval: two(IDS.synth, IDS.floor, (a, f) => ({
      value: a.wallMs / f.wallMs,
      shown: x(a.wallMs / f.wallMs),
      ok: a.wallMs <= 1.5 * f.wallMs,
    })),
  },
  {
    id: "synth-time",
    what: "default app: synth process time",
    limit: "≤ 0.5 s",
    needs: [IDS.synth],
    eval: one(IDS.synth, (a) => ({ value: a.wallMs, shown: s(a.wallMs), ok: a.wallMs <= 500 })),
  },
  {
    id: "synth-rss",
    what: "default app: synth process peak RSS",
    limit: "≤ 150 MiB",
    needs: [IDS.synth],
    eval: one(IDS.synth, (a) => ({ value: a.rssMiB, shown: mib(a.rssMiB), ok: a.rssMiB <= 150 })),
  },
  {
    id: "template-speed",
    what: "template way (ts-node + provider barrels) vs ours: time",
    limit: "ours ≥ 15× faster",
    needs: [IDS.template, IDS.synth],
    eval: two(IDS.template, IDS.synth, (t, a) => ({
      value: t.wallMs / a.wallMs,
      shown: `${x(t.wallMs / a.wallMs)} faster`,
      ok: t.wallMs >= 15 * a.wallMs,
    })),
  },
  {
    id: "template-memory",
    what: "template way (ts-node + provider barrels) vs ours: peak RSS",
    limit: "ours ≥ 8× less",
    needs: [IDS.template, IDS.synth],
    eval: two(IDS.template, IDS.synth, (t, a) => ({
      value: t.rssMiB / a.rssMiB,
      shown: `${x(t.rssMiB / a.rssMiB)} less`,
      ok: t.rssMiB >= 8 * a.rssMiB,
    })),
  },
  {
    id: "teams-1000-time",
    what: "1,000 teams per environment (shared layout): time",
    limit: "≤ 8 s",
    needs: [T1000],
    eval: one(T1000, (a) => ({ value: a.wallMs, shown: s(a.wallMs), ok: a.wallMs <= 8000 })),
  },
  {
    id: "teams-1000-rss",
    what: "1,000 teams per environment (shared layout): peak RSS",
    limit: "≤ 600 MiB",
    needs: [T1000],
    // Every Node process of the run together (an upper bound; the synth is one process).
    eval: one(T1000, (a) => {
      const total = a.rssSumMiB ?? a.rssMiB;
      return { value: total, shown: `${mib(total)} (all processes)`, ok: total <= 600 };
    }),
  },
  {
    id: "teams-scaling",
    what: "time(1,000 teams) / time(100 teams), shared layout",
    limit: "≤ 12",
    needs: [T1000, T100],
    eval: two(T1000, T100, (a, b) => ({ value: a.wallMs / b.wallMs, shown: x(a.wallMs / b.wallMs), ok: a.wallMs <= 12 * b.wallMs })),
  },
  {
    id: "npm-synth",
    what: "npm run synth, including npm start and the swc check",
    limit: "≤ 1.5 s",
    needs: [IDS.npmSynth],
    eval: one(IDS.npmSynth, (a) => ({ value: a.wallMs, shown: s(a.wallMs), ok: a.wallMs <= 1500 })),
  },
  {
    id: "npm-test",
    what: "npm test, end to end (--full)",
    limit: "≤ 60 s",
    needs: [IDS.npmTest],
    eval: one(IDS.npmTest, (a) => ({ value: a.wallMs, shown: s(a.wallMs), ok: a.wallMs <= 60000 })),
  },
  {
    id: "jest",
    what: "jest unit project, alone (--full; the system project, which starts real programs, counts in npm test)",
    limit: "≤ 15 s",
    needs: [IDS.jest],
    eval: one(IDS.jest, (a) => ({ value: a.wallMs, shown: s(a.wallMs), ok: a.wallMs <= 15000 })),
  },
  {
    id: "tsc",
    what: "tsc --noEmit (--full)",
    limit: "≤ 5 s",
    needs: [IDS.tsc],
    eval: one(IDS.tsc, (a) => ({ value: a.wallMs, shown: s(a.wallMs), ok: a.wallMs <= 5000 })),
  },
];

/** Checks every budget against the measurements. */
export function checkBudgets(measurements: readonly Measurement[]): BudgetResult[] {
  const byId = new Map(measurements.map((m) => [m.id, m]));
  const lookup: Lookup = (id) => byId.get(id);
  return BUDGETS.map((b) => {
    const r = b.eval(lookup);
    if (r) return { id: b.id, what: b.what, limit: b.limit, measured: r.shown, status: r.ok ? "pass" : "miss" };
    const failed = b.needs.map((id) => byId.get(id)).find((m) => m?.error);
    const missing = b.needs.filter((id) => !byId.has(id));
    return {
      id: b.id,
      what: b.what,
      limit: b.limit,
      measured: "",
      // A measurement that ran and failed is a miss: the budget cannot be shown to hold.
      status: failed ? "miss" : "not measured",
      note: failed ? `${failed.id} failed: ${failed.error}` : `not run in this mode: ${missing.join(", ")}`,
    };
  });
}
