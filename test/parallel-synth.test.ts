// Per-environment processes (stacks/parallel-synth.ts) give the same bytes as one process,
// and keep the all-or-nothing outdir.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { platform } from "../config/environments";
import type { PlatformConfig } from "../config/types";
import { synthesizeApp, PARALLEL_TEAMS_THRESHOLD } from "../stacks/parallel-synth";
import { generatePlatform } from "../tools/bench/generate-config";

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "parallel-synth-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("parallel synth", () => {
  const config = generatePlatform(platform, 3, "shared");

  test("GIVEN 3 teams per environment WHEN synthesized with one process per environment THEN every file is byte-identical to one process", async () => {
    const serial = await synthesizeApp(config, [], {}, path.join(tmp, "serial"), { parallel: false });
    const parallel = await synthesizeApp(config, [], {}, path.join(tmp, "parallel"), { parallel: true });
    expect(serial.ok).toBe(true);
    expect(parallel.ok).toBe(true);
    expect(parallel.messages[0]).toContain("(one process per environment)");
    expect(parallel.stacks).toEqual(serial.stacks);
    const a = files(path.join(tmp, "serial"));
    const b = files(path.join(tmp, "parallel"));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, text] of a) expect(b.get(name)).toBe(text);
    expect(fs.readdirSync(tmp).filter((f) => f.includes(".tmp-"))).toEqual([]);
  }, 30_000);

  test("GIVEN a policy error in the child's environment WHEN synthesized in parallel THEN it fails, says why, and leaves no outdir", async () => {
    const bad: PlatformConfig = JSON.parse(JSON.stringify(config));
    const prod = bad.environments.find((e) => e.name === "prod")!;
    (prod.teams[0].keyVault as { purgeProtection?: boolean }).purgeProtection = false;
    const outdir = path.join(tmp, "bad");
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, "stale.json"), "{}");
    const r = await synthesizeApp(bad, [], {}, outdir, { parallel: true });
    expect(r.ok).toBe(false);
    expect(r.messages.join("\n")).toMatch(/AKSID-KV-001 .*purge_protection_enabled is not true/);
    expect(fs.existsSync(outdir)).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith("bad.tmp-"))).toEqual([]);
  }, 30_000);

  test("the default app stays in one process: it is far below the threshold", () => {
    const teams = platform.environments.reduce((n, e) => n + e.teams.length, 0);
    expect(teams).toBeLessThan(PARALLEL_TEAMS_THRESHOLD);
  });
});
