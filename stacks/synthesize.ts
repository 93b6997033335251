import * as fs from "fs";
import { App } from "cdktf";
import { formatIssue, ValidationError } from "../constructs/validation";
import type { PlatformConfig } from "../config/types";
import { validatePlatform } from "../config/validate";
import { buildPlatform } from "./platform";
import type { EnvironmentStack } from "./environment-stack";

export { ENV_SELECTOR, selectedEnvironments, type SynthResult } from "./env-selection";
import { failSynth as fail, selectedEnvironments, type SynthResult } from "./env-selection";

/**
 * Validates the config, builds the stacks and synthesizes them into a temporary directory
 * beside `outdir`; only a complete, error-free synth replaces `outdir`. On any error the
 * temporary directory and any old `outdir` are removed, so `cdktf deploy` can never pick up
 * partial or stale output.
 */
export function synthesize(config: PlatformConfig, argv: readonly string[], vars: NodeJS.ProcessEnv, outdir: string): SynthResult {
  const selection = selectedEnvironments(argv, vars);
  const issues = [...selection.issues, ...validatePlatform(config, selection.names, selection.field)];
  if (issues.length) return fail(outdir, undefined, [`${issues.length} problem(s) in the configuration; nothing was synthesized:`, ...issues.map((i) => `  - ${formatIssue(i)}`)]);

  const tmp = `${outdir.replace(/[\\/]+$/, "")}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  let stacks: EnvironmentStack[];
  // Let every stack synthesize so all policy errors are reported together (checked below).
  // Stacks read this when they are created.
  const previous = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = "true";
  try {
    const app = new App({ outdir: tmp, stackTraces: false });
    stacks = buildPlatform(app, config, { environments: selection.names, vars });
    app.synth();
  } catch (err) {
    if (err instanceof ValidationError) {
      return fail(outdir, tmp, [`${err.issues.length} problem(s) in construct props; nothing was synthesized:`, ...err.issues.map((i) => `  - ${formatIssue(i)}`)]);
    }
    return fail(outdir, tmp, [`synth failed: ${err instanceof Error ? err.message : String(err)}`]);
  } finally {
    if (previous === undefined) delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    else process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = previous;
  }

  const findings = stacks.flatMap((s) => s.policy.findings.map((f) => ({ stack: s.node.id, ...f })));
  const errors = findings.filter((f) => f.severity === "error" && !f.suppressedBecause);
  if (errors.length) {
    return fail(outdir, tmp, [`${errors.length} security policy violation(s); nothing was synthesized:`, ...errors.map((f) => `  - ${f.stack}: ${f.message}`)]);
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.renameSync(tmp, outdir);
  const warnings = findings.filter((f) => f.severity === "warning" && !f.suppressedBecause);
  // Construct warnings outside the policy (e.g. a cluster whose OIDC issuer is off).
  const other = stacks.flatMap((st) =>
    st.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/warn" && !String(m.data).startsWith("[AKSID-")).map((m) => `  warning ${st.node.id}: ${c.node.path}: ${m.data}`)),
  );
  const suppressed = findings.filter((f) => f.suppressedBecause);
  const names = stacks.map((s) => s.node.id);
  return {
    ok: true,
    stacks: names,
    messages: [
      `synthesized ${names.length} stack(s) into ${outdir}: ${names.join(", ")}`,
      `policy: 0 errors, ${warnings.length} warning(s), ${suppressed.length} suppressed`,
      ...warnings.map((f) => `  warning ${f.stack}: ${f.message}`),
      ...other,
      ...suppressed.map((f) => `  suppressed ${f.stack}: ${f.message} Reason: ${f.suppressedBecause}`),
    ],
  };
}

