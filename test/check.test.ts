/**
 * tools/check.js, npm test's static check (type check + package build + type-aware ESLint on one
 * TypeScript program), run on a two-file project in a temp directory that uses this repository's
 * tsconfig and ESLint config: it must report what `tsc` and `eslint` report, exit as they would,
 * and keep the ESLint cache working with a program in the config. (That `tsc -b`, npm pack's
 * prepack, takes the build as up to date shows in the tarball test's time, not its result.)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const CHECK = path.join(ROOT, "tools", "check.js");

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-"));
  fs.writeFileSync(
    path.join(dir, "tsconfig.build.json"),
    JSON.stringify({
      extends: path.join(ROOT, "tsconfig.build.json"),
      // Only this directory's files; no @types from the repository (they resolve from here).
      compilerOptions: { types: [], paths: {}, rootDir: ".", outDir: "dist", tsBuildInfoFile: "dist/.tsbuildinfo" },
      include: ["*.ts"],
      exclude: ["dist"],
    }),
  );
  fs.writeFileSync(
    path.join(dir, "eslint.config.mjs"),
    `export { default } from ${JSON.stringify(path.join(ROOT, "eslint.config.mjs"))};\n`,
  );
  fs.writeFileSync(path.join(dir, "ok.ts"), "export function later(): Promise<number> {\n  return Promise.resolve(1);\n}\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("GIVEN a type error and a floating promise WHEN checked THEN tsc's error and the type-aware ESLint rule are both reported, it exits 1, and the build and the ESLint cache are written", () => {
  fs.writeFileSync(
    path.join(dir, "bad.ts"),
    'import { later } from "./ok";\nexport const n: number = "one";\nexport function f(): void {\n  later();\n}\n',
  );
  const run = spawnSync(process.execPath, [CHECK, "--root", dir], { cwd: dir, encoding: "utf8" });
  expect(run.stderr).toBe("");
  expect(run.stdout).toMatch(/bad\.ts\(2,14\): error TS2322: Type 'string' is not assignable to type 'number'/);
  expect(run.stdout).toMatch(/4:3\s+error\s+Promises must be awaited.*@typescript-eslint\/no-floating-promises/);
  expect(run.stdout).toMatch(/check: 1 type error\(s\) .*, 1 ESLint error\(s\)/);
  expect(run.status).toBe(1);
  // Like tsc: emitted all the same, with the build info that records the error for tsc -b.
  expect(fs.readdirSync(path.join(dir, "dist")).sort()).toEqual([".tsbuildinfo", "bad.d.ts", "bad.js", "ok.d.ts", "ok.js"]);
  // The cache keys on the config, which holds the program: it must serialize (see cacheable()).
  expect(fs.readdirSync(path.join(dir, "node_modules", ".cache", "eslint"))).not.toEqual([]);
});

test("GIVEN an unknown argument THEN it prints its usage and exits 2", () => {
  const run = spawnSync(process.execPath, [CHECK, "--fix"], { encoding: "utf8" });
  expect(run.stderr).toMatch(/^usage: node tools\/check\.js \[--root DIR\]/);
  expect(run.status).toBe(2);
});
