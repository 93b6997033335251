/**
 * The checklist of `verify`, as text (✓/✗ per item, the hint under each failure) or JSON.
 */
import type { EnvironmentConfig } from "../../config/types";
import { checkMicLog, checkTeam, modeOf, type CheckItem, type MicLog, type TeamSnapshot } from "./checks";

/** The whole verify result. */
export interface VerifyReport {
  readonly tool: "verify";
  readonly version: 1;
  readonly env: string;
  readonly context?: string;
  /** The context the config expects (`cluster.kubernetes.context`), when it names one. */
  readonly expectedContext?: string;
  readonly items: readonly CheckItem[];
  readonly summary: { readonly pass: number; readonly fail: number; readonly skip: number; readonly warn: number };
}

/** Runs every check over what was gathered. */
export function buildVerifyReport(
  env: EnvironmentConfig,
  context: string | undefined,
  teams: ReadonlyMap<string, TeamSnapshot>,
  mic: MicLog | undefined,
): VerifyReport {
  const items: CheckItem[] = [];
  for (const team of env.teams) {
    const snap = teams.get(team.name);
    if (snap) items.push(...checkTeam(env, team, snap, mic));
  }
  if (mic) items.push(checkMicLog(mic, items));
  const count = (s: CheckItem["status"]): number => items.filter((i) => i.status === s).length;
  const k = env.cluster.kubernetes;
  return {
    tool: "verify",
    version: 1,
    env: env.name,
    context,
    expectedContext: k.kind === "kubeconfig" ? k.context : undefined,
    items,
    summary: { pass: count("pass"), fail: count("fail"), skip: count("skip"), warn: count("warn") },
  };
}

export function renderVerifyJson(r: VerifyReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

const MARK: Record<CheckItem["status"], string> = { pass: "✓", fail: "✗", skip: "-", warn: "!" };

export function renderVerifyText(r: VerifyReport, env: EnvironmentConfig): string {
  const out: string[] = [];
  const ctx = r.context ? `context ${r.context}` : "current context";
  const differs = r.expectedContext && r.context && r.expectedContext !== r.context ? ` (the config names ${r.expectedContext})` : "";
  out.push(`verify ${r.env} (${ctx}${differs})`);
  let current: string | undefined = "\u0000";
  for (const i of r.items) {
    if (i.team !== current) {
      current = i.team;
      const team = env.teams.find((t) => t.name === i.team);
      out.push("");
      out.push(team ? `team ${team.name}: namespace ${team.namespace}, identity mode ${modeOf(team)}` : "cluster");
    }
    out.push(`  ${MARK[i.status]} ${i.title}${i.detail ? `: ${i.detail}` : ""}`);
    if (i.hint && (i.status === "fail" || i.status === "warn")) {
      const step = i.hint.guideStep
        ? ` (guide ${i.hint.guideStep.step === null ? i.hint.guideStep.title : `step ${i.hint.guideStep.step}`})`
        : "";
      out.push(`      hint${i.hint.findingId ? ` [${i.hint.findingId}]` : ""}${step}: ${i.hint.construct}`);
      out.push(`      ${i.hint.text}`);
      out.push(`      config: ${i.hint.config.join(", ")}`);
    }
    for (const f of i.findings ?? []) out.push(`      doctor: ${f.id} ×${f.count}: ${f.whatFailed}`);
  }
  const s = r.summary;
  out.push("");
  out.push(`verify: ${s.pass} passed, ${s.fail} failed, ${s.skip} skipped${s.warn ? `, ${s.warn} warning${s.warn === 1 ? "" : "s"}` : ""}`);
  return `${out.join("\n")}\n`;
}
