// tools/fast-start.js, installed by tools/run.js for the synth: token creation stacks off,
// archiver and semver loaded on first use. Each case runs in a fresh Node process, since
// the savings act on the module cache before cdktf is loaded.
import { execFileSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

/** Runs `script` in a new Node process after installing fast-start; returns its JSON output. */
function probe(script: string, env: Record<string, string> = {}): any {
  const prelude = `const installed = require(${JSON.stringify(path.join(ROOT, "tools", "fast-start.js"))}).install(${JSON.stringify(ROOT)});\n`;
  const out = execFileSync(process.execPath, ["-e", prelude + script], {
    cwd: ROOT,
    env: { ...process.env, AKS_FAST_START: "", AKS_TOKEN_STACKS: "", ...env },
    encoding: "utf8",
  });
  return JSON.parse(out);
}

// The real modules load their internals (archiver/lib/core.js, semver/classes/...); the stand-ins load nothing.
const loaded = `const loaded = (name, inner) => Object.keys(require.cache).some((f) => f.includes("/node_modules/" + name + "/" + inner + "/"));`;

test("require('cdktf') no longer loads archiver and semver, and token creation stacks are empty", () => {
  const r = probe(`${loaded}
    const cdktf = require("cdktf");
    const token = cdktf.Lazy.stringValue({ produce: () => "x" });
    const stack = cdktf.Tokenization.reverseString(token).firstToken.creationStack;
    console.log(JSON.stringify({ installed, archiver: loaded("archiver", "lib"), semver: loaded("semver", "classes"), stack }));`);
  expect(r).toEqual({ installed: ["token-stacks-off", "defer:archiver", "defer:semver"], archiver: false, semver: false, stack: [] });
});

test("the deferred modules load on first use and behave as the real ones", () => {
  const r = probe(`
    require("cdktf");
    const { createRequire } = require("module");
    const from = createRequire(require.resolve("cdktf"));
    const semver = from("semver");
    const archiver = from("archiver");
    const zip = archiver("zip");
    console.log(JSON.stringify({
      satisfies: semver.satisfies("1.11.4", ">=1.5"),
      valid: semver.valid("v1.2.3"),
      isFormat: archiver.isRegisteredFormat("zip"),
      zipHasAppend: typeof zip.append,
    }));`);
  expect(r).toEqual({ satisfies: true, valid: "1.2.3", isFormat: true, zipHasAppend: "function" });
});

test("AKS_TOKEN_STACKS=1 keeps cdktf's token creation stacks; AKS_FAST_START=0 installs nothing", () => {
  const withStacks = probe(
    `const cdktf = require("cdktf");
     const t = cdktf.Tokenization.reverseString(cdktf.Lazy.stringValue({ produce: () => "x" })).firstToken;
     console.log(JSON.stringify({ installed, frames: t.creationStack.length }));`,
    { AKS_TOKEN_STACKS: "1" },
  );
  expect(withStacks.installed).toEqual(["defer:archiver", "defer:semver"]);
  expect(withStacks.frames).toBeGreaterThan(0);
  expect(probe(`console.log(JSON.stringify(installed))`, { AKS_FAST_START: "0" })).toEqual([]);
});

test("installing twice, or after cdktf is loaded, does nothing", () => {
  const install = `require(${JSON.stringify(path.join(ROOT, "tools", "fast-start.js"))}).install(${JSON.stringify(ROOT)})`;
  expect(probe(`console.log(JSON.stringify(${install}))`)).toEqual([]);
  expect(
    execFileSync(process.execPath, ["-e", `require("cdktf"); console.log(JSON.stringify(${install}))`], { cwd: ROOT, encoding: "utf8" }).trim(),
  ).toBe("[]");
});
