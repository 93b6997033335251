/**
 * Two projects, run together by `npm test` (tools/timed.js, which prints each stage's time)
 * after oxlint's lint and type check and oxfmt's format check:
 *
 * - `unit`: everything that runs inside the jest worker: constructs, stacks, config, the tools'
 *   functions, on synthesized JSON and recorded fixtures. Budget: ≤ 15 s on a 2-core machine,
 *   run alone (`npm run test:unit`).
 * - `system`: the files listed in test/support/system-tests.js, which start real programs: the packed tarball installed with
 *   npm (its prepack builds dist/), the cdktf CLI, terraform, kubectl, node children, actionlint,
 *   shellcheck, bash. Their cost is those programs' start-up and work (docs/performance.md has
 *   the figures). `npm test` as a whole has a ≤ 60 s budget on 2 cores.
 *
 * test/jest-projects.test.ts checks that every test file that starts a program is listed there.
 */
const SYSTEM = require("./test/support/system-tests.js");
const systemFiles = SYSTEM.map((name) => `<rootDir>/test/${name}.test.ts`);

const common = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  // The README example imports the package by name.
  moduleNameMapper: { "^aks-app-identity$": "<rootDir>/constructs/index.ts" },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", ...SYSTEM.map((n) => `/test/${n}\\.test\\.ts$`)],
    },
    { ...common, displayName: "system", testMatch: systemFiles },
  ],
  testSequencer: "<rootDir>/test/support/sequencer.js",
  // Synthesis tests write to temp dirs; keep workers to the machine's cores.
  maxWorkers: 2,
};
