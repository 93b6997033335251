// `npm run synth` runs the app directly (node tools/run.js synth), not through the cdktf CLI,
// which adds seconds of start-up. This proves the output is byte-identical to `cdktf synth`,
// and that the runner's start-up savings (tools/fast-start.js) change nothing: the plain
// compiled app writes the same files.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

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
const plainOut = path.join(tmp, "plain-compiled");

beforeAll(async () => {
  // Transpile once up front, so the children only check mtimes and never write .build/ concurrently.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(path.join(ROOT, "tools", "run.js")) as { compile(): number }).compile();
  await Promise.all([
    run(process.execPath, [CDKTF_CLI, "synth", "--output", cliOut], { cwd: ROOT, env: baseEnv(), maxBuffer: 1 << 24 }),
    run(process.execPath, ["tools/run.js", "synth"], { cwd: ROOT, env: { ...baseEnv(), CDKTF_OUTDIR: directOut } }),
    run(process.execPath, [".build/main.js"], { cwd: ROOT, env: { ...baseEnv(), CDKTF_OUTDIR: plainOut } }),
  ]);
}, 30_000);

test("node tools/run.js synth (npm run synth) writes exactly the files of cdktf synth, byte for byte", () => {
  expectSameTree(directOut, cliOut);
});

test("the start-up savings of tools/run.js change no byte: the plain compiled app writes the same files", () => {
  expectSameTree(plainOut, directOut);
});

test("both environments' stacks are there", () => {
  expect(fs.readdirSync(path.join(cliOut, "stacks")).sort()).toEqual(["dev-test-apps", "dev-test-cluster-admin", "prod-apps", "prod-cluster-admin"]);
});
