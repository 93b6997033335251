/**
 * tools/check.js, npm test's static check (type check + package build + type-aware ESLint on one
 * TypeScript program), run on a two-file project in a temp directory that uses this repository's
 * tsconfig and ESLint config: it must report what `tsc` and `eslint` report, exit as they would,
 * keep the ESLint cache working with a program in the config, and leave a build that `tsc -b`
 * (npm pack's prepack) takes as up to date.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const CHECK = path.join(ROOT, "tools", "check.js");
const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");

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

const check = () => spawnSync(process.execPath, [CHECK, "--root", dir], { cwd: dir, encoding: "utf8" });

test("GIVEN a clean project WHEN checked THEN it exits 0 with the ESLint cache on (a program in the config must not break it), dist/ is built and tsc -b calls it up to date", () => {
  const run = check();
  expect(run.stderr).toBe("");
  expect(run.stdout).toMatch(/check: 0 type error\(s\) .*, 0 ESLint error\(s\)/);
  expect(run.status).toBe(0);
  expect(fs.readdirSync(path.join(dir, "dist")).sort()).toEqual([".tsbuildinfo", "ok.d.ts", "ok.js"]);
  expect(fs.existsSync(path.join(dir, "node_modules", ".cache", "eslint"))).toBe(true);
  const build = spawnSync(process.execPath, [TSC, "-b", "tsconfig.build.json", "--verbose"], { cwd: dir, encoding: "utf8" });
  expect(build.stdout).toMatch(/is up to date/);
  expect(build.status).toBe(0);
});

test("GIVEN a type error and a floating promise WHEN checked THEN tsc's error and the type-aware ESLint rule are both reported and it exits 1", () => {
  fs.writeFileSync(
    path.join(dir, "bad.ts"),
    'import { later } from "./ok";\nexport const n: number = "one";\nexport function f(): void {\n  later();\n}\n',
  );
  try {
    const run = check();
    expect(run.stdout).toMatch(/bad\.ts\(2,14\): error TS2322: Type 'string' is not assignable to type 'number'/);
    expect(run.stdout).toMatch(/4:3\s+error\s+Promises must be awaited.*@typescript-eslint\/no-floating-promises/);
    expect(run.stdout).toMatch(/check: 1 type error\(s\) .*, 1 ESLint error\(s\)/);
    expect(run.status).toBe(1);
  } finally {
    fs.rmSync(path.join(dir, "bad.ts"));
  }
});

test("GIVEN an unknown argument THEN it prints its usage and exits 2", () => {
  const run = spawnSync(process.execPath, [CHECK, "--fix"], { encoding: "utf8" });
  expect(run.stderr).toMatch(/^usage: node tools\/check\.js \[--root DIR\]/);
  expect(run.status).toBe(2);
});
