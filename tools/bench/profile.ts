/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`): self time by package and by function,
 * and inclusive time of the synth phases, to show where the time of a synth goes.
 */

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where the time went. */
export interface ProfileSummary {
  readonly totalMs: number;
  /** Self time by package (`cdktf`, `@cdktf/provider-kubernetes/lib/deployment-v1`, `project`, `node`, `gc`...). */
  readonly byPackage: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
  /** Self time by function. */
  readonly byFunction: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
  /** Inclusive time of the synth phases found. */
  readonly phases: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
}

/** Synth phases: function name and a file pattern. */
export const PHASES: ReadonlyArray<{ name: string; fn: string; file: RegExp }> = [
  { name: "load modules (require)", fn: "Module._load", file: /^node:internal\/modules\/cjs\/loader$/ },
  { name: "validate config (validatePlatform)", fn: "validatePlatform", file: /config\/validate\.js$/ },
  { name: "build constructs (buildPlatform)", fn: "buildPlatform", file: /stacks\/platform\.js$/ },
  { name: "cdktf prepareStack (resolve, preparing)", fn: "prepareStack", file: /cdktf\/lib\/terraform-stack\.js$/ },
  { name: "cdktf aspects (security policy)", fn: "invokeAspects", file: /cdktf\/lib\/synthesize\/synthesizer\.js$/ },
  { name: "cdktf stack toTerraform (resolve)", fn: "toTerraform", file: /cdktf\/lib\/terraform-stack\.js$/ },
  { name: "JSON output (json-stable-stringify)", fn: "stableStringify", file: /json-stable-stringify\/index\.js$/ },
];

function packageOf(url: string, fn: string): string {
  if (!url) return fn === "(garbage collector)" ? "gc" : fn.startsWith("(") ? fn.slice(1, -1) : "native";
  if (url.startsWith("node:")) return "node";
  const nm = url.lastIndexOf("node_modules/");
  if (nm < 0) return "project";
  const rest = url.slice(nm + "node_modules/".length).split("/");
  const pkg = rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  // Providers: one entry per resource module, they differ a lot in size.
  if (pkg.startsWith("@cdktf/provider-")) return `${pkg}/lib/${rest[3] ?? ""}`;
  return pkg;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) return url.slice(nm + "node_modules/".length);
  const b = url.indexOf("/.build/");
  return b >= 0 ? url.slice(b + 1) : url.replace(/^file:\/\//, "");
}

/** Summarizes `p`; `top` limits the lists. */
export function summarizeProfile(p: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const pkg = new Map<string, number>();
  const fns = new Map<string, number>();
  const phases = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const cf = n.callFrame;
    const fn = cf.functionName || "(anonymous)";
    const k = packageOf(cf.url, fn);
    pkg.set(k, (pkg.get(k) ?? 0) + us);
    const f = cf.url ? `${fn} ${shortUrl(cf.url)}:${cf.lineNumber + 1}` : fn;
    fns.set(f, (fns.get(f) ?? 0) + us);
    // Inclusive phase time: count each sample once per phase on its stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const c = byId.get(cur)!.callFrame;
      for (const ph of PHASES) {
        if (!seen.has(ph.name) && c.functionName === ph.fn && ph.file.test(c.url.replace(/^file:\/\//, ""))) {
          seen.add(ph.name);
          phases.set(ph.name, (phases.get(ph.name) ?? 0) + us);
        }
      }
    }
  }
  const list = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, us]) => ({ name, ms: us / 1000 }));
  return {
    totalMs: total / 1000,
    byPackage: list(pkg, top),
    byFunction: list(fns, top),
    phases: PHASES.filter((ph) => phases.has(ph.name)).map((ph) => ({ name: ph.name, ms: phases.get(ph.name)! / 1000 })),
  };
}

/** Markdown of a summary. */
export function renderProfile(title: string, s: ProfileSummary): string {
  const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(0)}%`;
  const rows = (xs: ProfileSummary["byPackage"]) =>
    xs.map((x) => `| ${x.name.replace(/\|/g, "\\|")} | ${x.ms.toFixed(0)} ms | ${pct(x.ms)} |`);
  return [
    `#### ${title}: ${(s.totalMs / 1000).toFixed(2)} s of CPU samples`,
    "",
    "| phase (inclusive) | time | share |",
    "|---|---:|---:|",
    ...rows(s.phases),
    "",
    "| package (self time) | time | share |",
    "|---|---:|---:|",
    ...rows(s.byPackage),
    "",
    "| function (self time) | time | share |",
    "|---|---:|---:|",
    ...rows(s.byFunction),
    "",
  ].join("\n");
}
