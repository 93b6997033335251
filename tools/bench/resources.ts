/**
 * Counts what a synth produced: stacks, and resources and data sources per stack, from
 * `manifest.json` and each stack's `cdk.tf.json`.
 */
import * as fs from "fs";
import * as path from "path";
import { median } from "./measure";

/** One synthesized stack. */
export interface StackCount {
  readonly name: string;
  readonly resources: number;
  readonly dataSources: number;
  /** Size of cdk.tf.json, bytes. */
  readonly bytes: number;
  readonly dependencies: readonly string[];
}

/** Summary of a synth output directory. */
export interface OutputSummary {
  readonly stacks: number;
  readonly resources: number;
  readonly dataSources: number;
  /** Resources per stack: smallest, median, largest. */
  readonly resourcesPerStack: { readonly min: number; readonly median: number; readonly max: number };
  /** The stack with the most resources and its cdk.tf.json size. */
  readonly largestStack: { readonly name: string; readonly resources: number; readonly bytes: number };
}

interface Manifest {
  readonly stacks: Record<string, { readonly name: string; readonly synthesizedStackPath: string; readonly dependencies?: string[] }>;
}

function countBlocks(section: unknown): number {
  if (!section || typeof section !== "object") return 0;
  return Object.values(section as Record<string, unknown>).reduce<number>(
    (n, byName) => n + (byName && typeof byName === "object" ? Object.keys(byName).length : 0),
    0,
  );
}

/** Reads every stack of the synth output in `outdir`. */
export function countStacks(outdir: string): StackCount[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as Manifest;
  return Object.values(manifest.stacks).map((s) => {
    const text = fs.readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8");
    const tf = JSON.parse(text) as { resource?: unknown; data?: unknown };
    return {
      name: s.name,
      resources: countBlocks(tf.resource),
      dataSources: countBlocks(tf.data),
      bytes: Buffer.byteLength(text),
      dependencies: s.dependencies ?? [],
    };
  });
}

/** Totals and per-stack spread of {@link countStacks}. */
export function summarizeOutput(stacks: readonly StackCount[]): OutputSummary {
  if (stacks.length === 0) throw new Error("the synth produced no stacks");
  const per = stacks.map((s) => s.resources);
  const largest = stacks.reduce((a, b) => (b.resources > a.resources ? b : a));
  return {
    stacks: stacks.length,
    resources: per.reduce((a, b) => a + b, 0),
    dataSources: stacks.reduce((n, s) => n + s.dataSources, 0),
    resourcesPerStack: { min: Math.min(...per), median: median(per), max: Math.max(...per) },
    largestStack: { name: largest.name, resources: largest.resources, bytes: largest.bytes },
  };
}
