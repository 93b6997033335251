// `npm run synth` runs the app directly (node tools/run.js synth), not through the cdktf CLI,
// which adds seconds of start-up. This proves the output is byte-identical to `cdktf synth`,
// that patches/cdktf+0.21.0.patch changes nothing (with cdktf's token stacks back on, the same
// files), and that no stack references another: cdktf's cross-stack pass runs and finds nothing.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { platform } from "../config/environments";
import { synthesize } from "../stacks/synthesize";
import { PLACEHOLDER_MARKER } from "../stacks/placeholder-guard";
import { generatePlatform } from "../tools/bench/generate-config";
import type { Json } from "./support/json";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");
/** The `cdktf` command of cdktf-cli (its package.json `bin`), run with node directly: npx adds an npm start-up. */
const CDKTF_CLI = (() => {
  const manifest = require.resolve("cdktf-cli/package.json");
  const { bin } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { bin: string | Record<string, string> };
  return path.join(path.dirname(manifest), typeof bin === "string" ? bin : bin.cdktf);
})();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-equivalence-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file under `dir`, relative, sorted. */
function files(dir: string, rel = ""): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]))
    .sort();
}

function expectSameTree(actual: string, expected: string): void {
  const names = files(expected);
  expect(files(actual)).toEqual(names);
  expect(names).toContain("manifest.json");
  for (const f of names) {
    const a = fs.readFileSync(path.join(actual, f));
    const b = fs.readFileSync(path.join(expected, f));
    // Compare bytes; on a difference show the text, which points at the line.
    if (!a.equals(b)) expect({ file: f, text: a.toString("utf8") }).toEqual({ file: f, text: b.toString("utf8") });
  }
}

// Children inherit this environment, without variables that would change the output.
const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1", npm_config_update_notifier: "false" };
  for (const k of Object.keys(env)) if (k.startsWith("TFSTATE_") || k === "AKS_ENV" || k === "CDKTF_OUTDIR") delete env[k];
  return env;
};

const cliOut = path.join(tmp, "cdktf-synth");
const directOut = path.join(tmp, "run-synth");
const stacksOut = path.join(tmp, "token-stacks-on");

beforeAll(async () => {
  // Transpile once up front, so the children only check mtimes and never write .build/ concurrently.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(path.join(ROOT, "tools", "run.js")) as { compile(): number }).compile();
  await Promise.all([
    run(process.execPath, [CDKTF_CLI, "synth", "--output", cliOut], { cwd: ROOT, env: baseEnv(), maxBuffer: 1 << 24 }),
    run(process.execPath, ["tools/run.js", "synth"], { cwd: ROOT, env: { ...baseEnv(), CDKTF_OUTDIR: directOut } }),
    run(process.execPath, ["tools/run.js", "synth"], { cwd: ROOT, env: { ...baseEnv(), CDKTF_OUTDIR: stacksOut, AKS_TOKEN_STACKS: "1" } }),
  ]);
}, 60_000);

test("node tools/run.js synth (npm run synth) writes exactly the files of cdktf synth, byte for byte", () => {
  expectSameTree(directOut, cliOut);
});

test("the cdktf patch changes no byte: with cdktf's token creation stacks on (AKS_TOKEN_STACKS=1) the app writes the same files", () => {
  expectSameTree(stacksOut, directOut);
});

test("both environments' stacks are there", () => {
  expect(fs.readdirSync(path.join(cliOut, "stacks")).sort()).toEqual([
    "dev-test-apps",
    "dev-test-cluster-admin",
    "prod-apps",
    "prod-cluster-admin",
  ]);
});

/**
 * What cdktf adds to a stack when a token of another stack is used in it (App.crossStackReference):
 * a remote-state lookup, and outputs. The only output the stacks write themselves is the
 * placeholder guard (stacks/placeholder-guard.ts), which references nothing outside its stack.
 */
function crossStackParts(json: Json): string[] {
  return [
    ...Object.keys(json.data?.terraform_remote_state ?? {}).map((k) => `data.terraform_remote_state.${k}`),
    ...Object.keys(json.output ?? {})
      .filter((k) => k !== PLACEHOLDER_MARKER)
      .map((k) => `output.${k}`),
  ];
}

describe("GIVEN stacks that must never reference each other (each looks the cluster up itself; order is a stack dependency)", () => {
  test("WHEN the default app is synthesized THEN no stack holds a remote-state lookup or a cross-stack output", () => {
    const stacks = fs.readdirSync(path.join(cliOut, "stacks"));
    const found = stacks.flatMap((s) =>
      crossStackParts(JSON.parse(fs.readFileSync(path.join(cliOut, "stacks", s, "cdk.tf.json"), "utf8"))).map((p) => `${s}: ${p}`),
    );
    expect(found).toEqual([]);
  });

  test("WHEN 3 teams per environment are synthesized one stack per team THEN no stack holds one either, and team stacks depend on cluster-admin only", () => {
    const outdir = path.join(tmp, "per-team");
    const r = synthesize(generatePlatform(platform, 3, "per-team"), [], {}, outdir);
    expect(r.ok).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
      stacks: Record<string, { dependencies: string[] }>;
    };
    expect(r.stacks.length).toBe(8);
    for (const s of r.stacks) {
      expect({
        stack: s,
        parts: crossStackParts(JSON.parse(fs.readFileSync(path.join(outdir, "stacks", s, "cdk.tf.json"), "utf8"))),
      }).toEqual({ stack: s, parts: [] });
      const env = s.startsWith("prod-") ? "prod" : "dev-test";
      expect(manifest.stacks[s].dependencies).toEqual(s.endsWith("-cluster-admin") ? [] : [`${env}-cluster-admin`]);
    }
  });
});
