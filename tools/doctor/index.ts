/**
 * The doctor's library API: what other tools may use of it. `verify` runs the MIC and probe
 * pod logs through the same analyzer and explains its own failed checks with the same hints,
 * so a finding reads the same in both tools. Everything else under tools/doctor/ is internal.
 */
export { Analyzer } from "./analyzer";
export { explain, type Explanation, type FindingValues, type GuideStep, type HintContext } from "./hints";
export { buildReport, type ReportFinding } from "./report";
export type { FindingId } from "./rules";
