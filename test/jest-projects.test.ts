/**
 * `npm test` runs jest as two projects (jest.config.js): `unit`, in the worker, and `system`,
 * the files that start real programs. The split is only honest if every file that starts a
 * program is in `system`: this checks it from the files' imports.
 */
import * as fs from "fs";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const SYSTEM = require("./support/system-tests.js") as string[];

/** Imports that start programs: child_process itself, the real-terraform plan helper, the tarball installer, verify's kubectl runner, calls of the bench's runners. */
const STARTS_PROGRAMS =
  /from "child_process"|require\("child_process"\)|fixtures\/plans\/terraform"|support\/consumer-app"|tools\/verify\/(cli|kubectl|gather)"|\b(runOnce|measureGroup)\(/;

const files = fs
  .readdirSync(__dirname)
  // (This file names the imports in its pattern; it starts nothing.)
  .filter((f) => f.endsWith(".test.ts") && f !== path.basename(__filename))
  .map((f) => ({ name: f.replace(/\.test\.ts$/, ""), text: fs.readFileSync(path.join(__dirname, f), "utf8") }));

test("GIVEN the test files THEN exactly those that start programs are in the system project", () => {
  const starting = files.filter((f) => STARTS_PROGRAMS.test(f.text)).map((f) => f.name);
  expect([...SYSTEM].sort()).toEqual(starting.sort());
  expect(starting.length).toBeGreaterThan(10);
});

test("GIVEN the system list THEN every entry is a test file (a renamed file cannot fall out of both projects)", () => {
  const names = new Set(files.map((f) => f.name));
  expect(SYSTEM.filter((n) => !names.has(n))).toEqual([]);
});
