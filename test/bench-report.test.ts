import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BUDGETS, checkBudgets, teamsId } from "../tools/bench/budgets";
import { findRoot, parseArgs } from "../tools/bench/bench";
import { median, type Measurement, readReports, summarize, withPreload, type Sample } from "../tools/bench/measure";
import { type CpuProfile, renderProfile, summarizeProfile } from "../tools/bench/profile";
import { type BenchResults, ratiosOf, renderMarkdown, renderSvg } from "../tools/bench/report";
import { countStacks, summarizeOutput } from "../tools/bench/resources";

const m = (id: string, wallMs: number, rssMiB: number, extra: Partial<Measurement> = {}): Measurement => ({
  id,
  label: id,
  display: id,
  runs: 5,
  wallMs,
  rssMiB,
  cpuMs: wallMs,
  wallMsAll: [wallMs],
  rssMiBAll: [rssMiB],
  ...extra,
});

const sample = (wallMs: number, rssMiB: number, exitCode = 0): Sample => ({
  wallMs,
  rssMiB,
  rssSumMiB: rssMiB,
  cpuMs: wallMs,
  processes: 1,
  exitCode,
  signal: null,
});

describe("measure", () => {
  it("takes medians (odd and even counts)", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it("appends the reporter to NODE_OPTIONS, quoting paths with spaces", () => {
    expect(withPreload(undefined, "/a/r.js")).toBe("--require /a/r.js");
    expect(withPreload("--max-old-space-size=4096", "/a b/r.js")).toBe('--max-old-space-size=4096 --require "/a b/r.js"');
  });

  it("summarizes runs into medians and flags a failed run", () => {
    const ok = summarize({ id: "x", label: "x", display: "x" }, [sample(300, 90), sample(100, 95), sample(200, 80)]);
    expect(ok).toMatchObject({ runs: 3, wallMs: 200, rssMiB: 90, wallMsAll: [300, 100, 200] });
    expect(ok.error).toBeUndefined();
    const bad = summarize({ id: "x", label: "x", display: "x" }, [{ ...sample(100, 90, 1), stderrTail: "boom\n" }]);
    expect(bad.error).toMatch(/exit 1: boom/);
    const silent = summarize({ id: "x", label: "x", display: "x" }, [{ ...sample(100, 0), processes: 0 }]);
    expect(silent.error).toMatch(/no process reported/);
  });

  it("reads the per-process usage lines and skips broken ones", () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-usage-")), "u.jsonl");
    fs.writeFileSync(f, '{"pid":1,"maxRssKiB":1024,"cpuUs":5,"script":"a"}\nnot json\n{"pid":2,"maxRssKiB":2048,"cpuUs":7,"script":"b"}\n');
    expect(readReports(f).map((r) => r.pid)).toEqual([1, 2]);
    expect(readReports(f + ".missing")).toEqual([]);
  });
});

describe("budgets", () => {
  const passing = [
    m("floor", 170, 62),
    m("synth", 240, 92),
    m("template", 3700, 800),
    m("npm-synth", 400, 92),
    m(teamsId(100, "shared"), 1000, 140),
    m(teamsId(1000, "shared"), 7000, 470),
    m("npm-test", 40000, 300),
    m("jest", 12000, 300),
    m("tsc", 3000, 250),
  ];

  it("has the twelve budgets of issue 6", () => {
    expect(BUDGETS.map((b) => b.id)).toEqual([
      "synth-vs-floor",
      "synth-time",
      "synth-rss",
      "template-speed",
      "template-memory",
      "teams-1000-time",
      "teams-1000-rss",
      "teams-scaling",
      "npm-synth",
      "npm-test",
      "jest",
      "tsc",
    ]);
  });

  it("passes when every figure is within its limit", () => {
    expect(checkBudgets(passing).map((b) => [b.id, b.status])).toEqual(BUDGETS.map((b) => [b.id, "pass"]));
  });

  it("misses at the limits' edges, not before", () => {
    const at = checkBudgets([m("floor", 200, 60), m("synth", 300, 150), m("template", 4500, 1200)]);
    const status = Object.fromEntries(at.map((b) => [b.id, b.status]));
    expect(status).toMatchObject({ "synth-vs-floor": "pass", "synth-rss": "pass", "template-speed": "pass", "template-memory": "pass" });
    const over = checkBudgets([m("floor", 200, 60), m("synth", 301, 151), m("template", 4500, 1200)]);
    const s2 = Object.fromEntries(over.map((b) => [b.id, b]));
    expect(s2["synth-vs-floor"]).toMatchObject({ status: "miss", measured: "1.50×" });
    expect(s2["synth-rss"]).toMatchObject({ status: "miss", measured: "151 MiB" });
    expect(s2["template-speed"].status).toBe("miss");
    expect(s2["template-memory"].status).toBe("miss");
  });

  it("reports unmeasured budgets as not measured, and a failed measurement as a miss", () => {
    const r = Object.fromEntries(
      checkBudgets([m("floor", 170, 62), m("synth", 240, 92), m("template", NaN, NaN, { error: "exit 1: type error" })]).map((b) => [
        b.id,
        b,
      ]),
    );
    expect(r["teams-1000-time"]).toMatchObject({ status: "not measured", note: "not run in this mode: teams-1000-shared" });
    expect(r["template-speed"]).toMatchObject({ status: "miss", note: "template failed: exit 1: type error" });
  });
});

describe("report", () => {
  const results = (): BenchResults => {
    const floor = m("floor", 170, 62);
    const template = m("template", 3000, 310);
    const synth = m("synth", 240, 92);
    const teams = [1, 10, 100, 1000].flatMap((n) =>
      (["shared", "per-team"] as const).map((layout) => ({
        teams: n,
        layout,
        measurement: m(teamsId(n, layout), 200 + n * 8, 90 + n * 0.4),
        output: {
          stacks: layout === "shared" ? 4 : 2 + 2 * n,
          resources: 4 + 18 * n,
          dataSources: 4,
          resourcesPerStack: { min: 2, median: 9, max: layout === "shared" ? 9 * n : 9 },
          largestStack: { name: "prod-apps", resources: layout === "shared" ? 9 * n : 9, bytes: layout === "shared" ? 11000 * n : 11000 },
        },
      })),
    );
    const all = [floor, synth, template, ...teams.map((t) => t.measurement)];
    return {
      schema: 1,
      date: "2026-11-26T12:00:00.000Z",
      mode: "standard",
      enforced: true,
      machine: {
        cpus: 2,
        cpuModel: "test cpu",
        node: "20.0.0",
        platform: "linux",
        totalMemMiB: 4096,
        loadAvgStart: [0.1, 0.2, 0.3],
        loadAvgEnd: [0.1, 0.2, 0.3],
      },
      settings: { runs: 5, warmup: 1, teams: [1, 10, 100, 1000], layouts: ["shared", "per-team"], tokenStacks: false },
      defaultApp: [floor, synth, template].map((x) => ({ ...x, ratios: ratiosOf(x, template, floor) })),
      teams: teams.map((t) => ({ ...t, ratios: ratiosOf(t.measurement, t.teams === 1 ? template : undefined, floor) })),
      project: [],
      budgets: checkBudgets(all),
      ok: false,
    };
  };

  it("computes ratios to the template way and to the floor", () => {
    const r = ratiosOf(m("synth", 250, 100), m("template", 3000, 300), m("floor", 200, 50));
    expect(r).toEqual({ timeVsTemplate: 12, memoryVsTemplate: 3, timeVsFloor: 1.25, memoryVsFloor: 2 });
    expect(ratiosOf(m("synth", 250, 100))).toEqual({});
    expect(ratiosOf(m("synth", NaN, NaN, { error: "x" }), m("template", 3000, 300))).toEqual({});
  });

  it("renders the Markdown tables with ratios, stacks, resources and budgets", () => {
    const md = renderMarkdown(results());
    expect(md).toContain("| synth | `synth` | 0.24 s | 92 MiB | 0.24 s | 12.5× faster | 3.37× less | 1.41× | 1.48× |");
    expect(md).toContain("| 1,000 | per-team | 2,002 | 18,004 | 2–9 | 11 KiB | 8.20 s | 490 MiB |");
    expect(md).toContain("| 1,000 | shared | 4 | 18,004 | 2–9,000 | 10.5 MiB |");
    expect(md).toMatch(/\| default app: synth process time vs the floor \| ≤ 1\.5× floor \| 1\.41× \| pass \|/);
    expect(md).toMatch(/template way .* time \| ours ≥ 15× faster \| 12\.50× faster \| \*\*MISS\*\* \|/);
    expect(md).toContain("Medians of 5 runs after 1 warm-up round,");
  });

  it("renders a self-contained SVG with one line per layout in each chart and the budget lines", () => {
    const svg = renderSvg(results());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).toContain("budget at 1,000 teams: 8 s");
    expect(svg).toContain("budget at 1,000 teams: 600 MiB");
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    // Log-scale x: decades 1, 10, 100, 1,000 are evenly spaced.
    const xs = [...svg.matchAll(/<text x="([\d.]+)" y="246" text-anchor="middle">(1|10|100|1,000)<\/text>/g)]
      .slice(0, 4)
      .map((x) => Number(x[1]));
    expect(xs).toHaveLength(4);
    expect(xs[1] - xs[0]).toBeCloseTo(xs[3] - xs[2], 0);
  });
});

describe("bench arguments", () => {
  const root = "/repo";

  it("defaults to N = 1, 10, 100, 1,000, both layouts, 5 runs after 1 warm-up, with the template way", () => {
    expect(parseArgs([], root)).toEqual({
      mode: "standard",
      teams: [1, 10, 100, 1000],
      layouts: ["shared", "per-team"],
      runs: 5,
      warmup: 1,
      template: true,
      out: path.resolve(root, "bench-results"),
      profile: undefined,
      render: undefined,
      help: false,
    });
  });

  it("--smoke: N = 1, one run, no warm-up, no template way, output kept out of the committed results", () => {
    expect(parseArgs(["--smoke"], root)).toMatchObject({
      mode: "smoke",
      teams: [1],
      runs: 1,
      warmup: 0,
      template: false,
      out: path.resolve(root, "bench-results/tmp/smoke"),
    });
    expect(parseArgs(["--smoke", "--teams", "1,10"], root).teams).toEqual([1, 10]);
  });

  it("accepts --opt=value, sorts and dedupes teams, and rejects bad values", () => {
    expect(parseArgs(["--teams=100,1,100", "--layouts=per-team", "--runs", "7", "--no-template", "--full"], root)).toMatchObject({
      mode: "full",
      teams: [1, 100],
      layouts: ["per-team"],
      runs: 7,
      template: false,
    });
    expect(() => parseArgs(["--teams", "0"], root)).toThrow(/--teams needs a whole number from 1 to 9999/);
    expect(() => parseArgs(["--layouts", "monorepo"], root)).toThrow(/shared and\/or per-team/);
    expect(() => parseArgs(["--runs", "x"], root)).toThrow(/--runs/);
    expect(() => parseArgs(["--fast"], root)).toThrow(/unknown option "--fast"/);
  });

  it("finds the repository root from its own directory", () => {
    expect(findRoot(__dirname)).toBe(path.resolve(__dirname, ".."));
  });
});

describe("output counts", () => {
  it("counts stacks, resources and data sources from manifest.json and cdk.tf.json", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-count-"));
    const stack = (name: string, tf: object, dependencies: string[] = []) => {
      fs.mkdirSync(path.join(dir, "stacks", name), { recursive: true });
      fs.writeFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), JSON.stringify(tf));
      return { name, synthesizedStackPath: `stacks/${name}/cdk.tf.json`, dependencies };
    };
    const stacks = [
      stack("a", { resource: { t1: { x: {}, y: {} }, t2: { z: {} } }, data: { d: { q: {} } } }),
      stack("b", { resource: { t1: { x: {} } } }, ["a"]),
    ];
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ stacks: Object.fromEntries(stacks.map((s) => [s.name, s])) }));
    const counts = countStacks(dir);
    expect(counts.map((c) => [c.name, c.resources, c.dataSources, c.dependencies])).toEqual([
      ["a", 3, 1, []],
      ["b", 1, 0, ["a"]],
    ]);
    expect(summarizeOutput(counts)).toMatchObject({
      stacks: 2,
      resources: 4,
      dataSources: 1,
      resourcesPerStack: { min: 1, median: 2, max: 3 },
      largestStack: { name: "a", resources: 3 },
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("profile summary", () => {
  it("splits self time by package and function, and inclusive time by synth phase", () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const p: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame("(root)", ""), children: [2, 5] },
        { id: 2, callFrame: frame("buildPlatform", "file:///r/.build/stacks/platform.js"), children: [3] },
        {
          id: 3,
          callFrame: frame("DeploymentV1", "file:///r/node_modules/@cdktf/provider-kubernetes/lib/deployment-v1/index.js"),
          children: [4],
        },
        { id: 4, callFrame: frame("resolve", "file:///r/node_modules/cdktf/lib/tokens/private/resolve.js") },
        { id: 5, callFrame: frame("(garbage collector)", "") },
      ],
      samples: [2, 3, 4, 4, 5],
      timeDeltas: [1000, 1000, 1000, 1000, 1000],
    };
    const s = summarizeProfile(p);
    expect(s.totalMs).toBe(5);
    expect(s.byPackage).toEqual([
      { name: "cdktf", ms: 2 },
      { name: "project", ms: 1 },
      { name: "@cdktf/provider-kubernetes/lib/deployment-v1", ms: 1 },
      { name: "gc", ms: 1 },
    ]);
    expect(s.phases).toEqual([{ name: "build constructs (buildPlatform)", ms: 4 }]);
    expect(renderProfile("t", s)).toContain("| build constructs (buildPlatform) | 4 ms | 80% |");
  });
});
