/**
 * tools/check.js (npm test's type check + package build + type-aware ESLint on one TypeScript
 * program; `--build` for npm run build and prepack), run on a two-file project in a temp
 * directory that uses this repository's tsconfig and ESLint config: it must report what `tsc` and
 * `eslint` report and exit as they would, also from its lint cache, leave a build that `tsc -b`
 * takes as up to date, and keep dist/ to exactly the outputs of today's sources, so a packed
 * tarball holds no stale file. The tests run in order on one directory.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const CHECK = path.join(ROOT, "tools", "check.js");
const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");

let dir: string;
const dist = (...p: string[]) => path.join(dir, "dist", ...p);
const check = (...args: string[]) => spawnSync(process.execPath, [CHECK, ...args, "--root", dir], { cwd: dir, encoding: "utf8" });

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
  fs.writeFileSync(path.join(dir, "ok.ts"), "export function later(): number {\n  return 1;\n}\n");
  fs.writeFileSync(path.join(dir, "user.ts"), 'import { later } from "./ok";\nexport function f(): void {\n  later();\n}\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("GIVEN a clean project WHEN checked THEN it exits 0, builds dist/, and tsc -b (what a plain build would run) calls the build up to date", () => {
  const run = check();
  expect(run.stderr).toBe("");
  expect(run.stdout).toMatch(/^check: 0 type error\(s\) .*, 0 ESLint error\(s\)/m);
  expect(run.status).toBe(0);
  expect(fs.readdirSync(dist()).sort()).toEqual([".tsbuildinfo", "ok.d.ts", "ok.js", "user.d.ts", "user.js"]);
  const tsc = spawnSync(process.execPath, [TSC, "-b", "tsconfig.build.json", "--verbose"], { cwd: dir, encoding: "utf8" });
  expect(tsc.stdout).toMatch(/is up to date/);
  expect(tsc.status).toBe(0);
});

test("GIVEN an output whose source is gone and a source whose output is gone WHEN built (--build, as prepack runs it) THEN dist/ holds exactly today's outputs", () => {
  fs.writeFileSync(dist("deleted-source.js"), "exports.stale = true;\n");
  fs.mkdirSync(dist("gone"));
  fs.writeFileSync(dist("gone", "old.d.ts"), "export {};\n");
  fs.rmSync(dist("ok.js"));
  const run = check("--build");
  expect(run.stdout).toMatch(/^check --build: 0 type error\(s\)/m);
  expect(run.status).toBe(0);
  expect(fs.readdirSync(dist()).sort()).toEqual([".tsbuildinfo", "ok.d.ts", "ok.js", "user.d.ts", "user.js"]);
  expect(fs.readFileSync(dist("ok.js"), "utf8")).toMatch(/function later\(\)/);
});

test("GIVEN a type error, and a function that now returns a promise which an unchanged file does not await WHEN checked again THEN tsc's error and the type-aware ESLint rule in the unchanged file are both reported (the lint cache keys on every declaration) and it exits 1", () => {
  fs.writeFileSync(
    path.join(dir, "ok.ts"),
    'export function later(): Promise<number> {\n  return Promise.resolve(1);\n}\nexport const n: number = "one";\n',
  );
  const run = check();
  expect(run.stderr).toBe("");
  expect(run.stdout).toMatch(/ok\.ts\(4,14\): error TS2322: Type 'string' is not assignable to type 'number'/);
  expect(run.stdout).toMatch(/user\.ts\n\s+3:3\s+error\s+Promises must be awaited.*@typescript-eslint\/no-floating-promises/);
  expect(run.stdout).toMatch(/check: 1 type error\(s\) .*, 1 ESLint error\(s\)/);
  expect(run.status).toBe(1);
});

test("GIVEN an unknown argument THEN it prints its usage and exits 2", () => {
  const run = spawnSync(process.execPath, [CHECK, "--fix"], { encoding: "utf8" });
  expect(run.stderr).toMatch(/^usage: node tools\/check\.js \[--build\] \[--root DIR\]/);
  expect(run.status).toBe(2);
});
