// patches/cdktf+0.21.0.patch, applied by `npm ci`/`npm install` (the `prepare` script: patch-package; `prepare` runs on this repository's own install, never when an app installs the packed tarball).
// Made with `npx patch-package cdktf` after editing node_modules/cdktf; to change it, edit the
// files there again and rerun that command.
// These tests fail when the installed cdktf no longer matches the patch (another version, a
// reinstall without the prepare step, an edited file), so the savings and the HCL fix can
// never be lost silently. See docs/performance.md and docs/exit.md.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Lazy, Tokenization } from "cdktf";

const ROOT = path.resolve(__dirname, "..");
const PATCHES = path.join(ROOT, "patches");
const CDKTF = path.dirname(path.dirname(require.resolve("cdktf"))); // node_modules/cdktf

/** The one cdktf patch, and the version its name says it was made for. */
function cdktfPatch(): { file: string; version: string } {
  const names = fs.readdirSync(PATCHES).filter((f) => f.startsWith("cdktf+") && f.endsWith(".patch"));
  expect(names).toHaveLength(1);
  return { file: path.join(PATCHES, names[0]), version: names[0].slice("cdktf+".length, -".patch".length) };
}

/** Per patched file (relative to node_modules/cdktf), the lines the patch adds. */
function addedLines(patch: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let file: string | undefined;
  for (const line of patch.split("\n")) {
    const m = /^\+\+\+ b\/node_modules\/cdktf\/(.+)$/.exec(line);
    if (m) {
      file = m[1];
      out.set(file, []);
    } else if (file && line.startsWith("+") && !line.startsWith("+++")) {
      out.get(file)!.push(line.slice(1));
    }
  }
  return out;
}

describe("patches/cdktf+0.21.0.patch", () => {
  test("GIVEN the patch WHEN the installed cdktf is read THEN it is the version the patch was made for", () => {
    const { version } = cdktfPatch();
    const installed = JSON.parse(fs.readFileSync(path.join(CDKTF, "package.json"), "utf8")) as { version: string };
    expect(installed.version).toBe(version);
  });

  test("GIVEN the patch WHEN the installed files are read THEN every line it adds is there, in the four files it names", () => {
    const added = addedLines(fs.readFileSync(cdktfPatch().file, "utf8"));
    expect([...added.keys()].sort()).toEqual([
      "lib/hcl/render.js",
      "lib/private/fs.js",
      "lib/tokens/private/stack-trace.js",
      "lib/validations/validate-binary-version.js",
    ]);
    for (const [file, lines] of added) {
      const text = fs.readFileSync(path.join(CDKTF, file), "utf8").split("\n");
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect({ file, line, present: text.includes(line) }).toEqual({ file, line, present: true });
    }
  });

  test("GIVEN the installed files WHEN git checks the patch in reverse THEN it applies exactly: every hunk is in place, context included", () => {
    // `git apply --check -R` changes nothing; it succeeds only if the patched text is there as the patch wrote it.
    const r = spawnSync("git", ["apply", "--check", "--reverse", cdktfPatch().file], { cwd: ROOT, encoding: "utf8" });
    if (r.error) {
      console.warn(`cdktf-patch: skipping the exact check: git is not on PATH (${r.error.message})`);
      return;
    }
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  });

  test("GIVEN a copy of the patched files WHEN patch-package runs as the prepare script does THEN it reports the patch applied, with no warning", () => {
    // A sandbox, so the check never writes into node_modules: package.json and the four files.
    const { file } = cdktfPatch();
    const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-patch-"));
    try {
      fs.mkdirSync(path.join(sandbox, "patches"));
      fs.copyFileSync(file, path.join(sandbox, "patches", path.basename(file)));
      fs.writeFileSync(path.join(sandbox, "package.json"), JSON.stringify({ name: "sandbox", version: "0.0.0", private: true }));
      for (const f of ["package.json", ...addedLines(fs.readFileSync(file, "utf8")).keys()]) {
        fs.mkdirSync(path.dirname(path.join(sandbox, "node_modules", "cdktf", f)), { recursive: true });
        fs.copyFileSync(path.join(CDKTF, f), path.join(sandbox, "node_modules", "cdktf", f));
      }
      const r = spawnSync(process.execPath, [require.resolve("patch-package/index.js"), "--error-on-fail", "--error-on-warn"], {
        cwd: sandbox,
        encoding: "utf8",
        env: { ...process.env, FORCE_COLOR: "0" },
      });
      expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({
        status: 0,
        out: expect.stringContaining(`cdktf@${cdktfPatch().version} ✔`),
      });
    } finally {
      fs.rmSync(sandbox, { recursive: true, force: true });
    }
  }, 20_000);

  test("GIVEN a token WHEN created THEN cdktf records no creation stack, unless AKS_TOKEN_STACKS=1 asks for it", () => {
    const stackOf = () => Tokenization.reverseString(Lazy.stringValue({ produce: () => "x" })).firstToken!.creationStack;
    const previous = process.env.AKS_TOKEN_STACKS;
    try {
      delete process.env.AKS_TOKEN_STACKS;
      expect(stackOf()).toEqual([]);
      process.env.AKS_TOKEN_STACKS = "1";
      expect(stackOf().length).toBeGreaterThan(0);
    } finally {
      if (previous === undefined) delete process.env.AKS_TOKEN_STACKS;
      else process.env.AKS_TOKEN_STACKS = previous;
    }
  });

  test("GIVEN a fresh Node process WHEN it loads cdktf THEN archiver and semver are not loaded, and load on first use", () => {
    const script = `
      const loaded = (name) => Object.keys(require.cache).some((f) => f.includes("/node_modules/" + name + "/"));
      require("cdktf");
      const before = { archiver: loaded("archiver"), semver: loaded("semver") };
      const { createRequire } = require("module");
      const from = createRequire(require.resolve("cdktf"));
      const used = { satisfies: from("semver").satisfies("1.11.4", ">=1.5"), zip: typeof from("archiver")("zip").append };
      console.log(JSON.stringify({ before, used }));`;
    const r = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }));
    expect(r).toEqual({ before: { archiver: false, semver: false }, used: { satisfies: true, zip: "function" } });
  });
});
