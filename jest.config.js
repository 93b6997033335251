/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  // The README example imports the package by name.
  moduleNameMapper: { "^aks-app-identity$": "<rootDir>/constructs/index.ts" },
  // cdktf's per-token stack captures without jest's per-frame source mapping (see the file).
  setupFilesAfterEnv: ["<rootDir>/test/support/token-stacks.ts"],
  // Synthesis tests write to temp dirs; keep workers to the machine's cores.
  maxWorkers: 2,
};
