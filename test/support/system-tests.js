// The jest `system` project (jest.config.js): test files, by name under test/, that start real
// programs (npm, the cdktf CLI, terraform, kubectl, node children, actionlint, shellcheck, bash).
// test/jest-projects.test.ts checks the list against the files' imports.
module.exports = [
  "adopt",
  "bench-measure",
  "cdktf-patch",
  "config-hardening",
  "config-validation",
  "consumer",
  "data-safety",
  "deploy-guard",
  "facts",
  "hcl-export",
  "lint-config",
  "plan-report",
  "plan-report-moves",
  "synth-equivalence",
  "terraform-escape-hardening",
  "verify-kubectl",
  "workflows",
  "workflows-allow-destroy",
];
