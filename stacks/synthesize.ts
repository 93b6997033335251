import * as fs from "fs";
import { App } from "cdktf";
import { formatIssue, ValidationError } from "../constructs/validation";
import type { PlatformConfig } from "../config/types";
import { readConfig } from "../config/validate";
import { validateBackendEnv } from "./backend";
import { buildPlatform } from "./platform";
import { placeholderLines } from "./placeholder-guard";
import type { EnvironmentStack } from "./environment-stack";
import type { PolicyFinding } from "../constructs/policy";

export { ENV_SELECTOR, selectedEnvironments, type SynthResult } from "./env-selection";
import { DEBUG_ENV, failSynth as fail, selectedEnvironments, type SynthResult } from "./env-selection";

/**
 * Validates the config, builds the stacks and synthesizes them into a temporary directory
 * beside `outdir`; only a complete, error-free synth replaces `outdir`. On any failure —
 * bad config, bad `TFSTATE_*` variables, construct errors, policy errors, or an error nobody
 * expected (a bug) — the temporary directory and any old `outdir` are removed, so `cdktf
 * deploy` can never pick up partial or stale output, and no stack trace is printed unless
 * `--debug` or `AKS_DEBUG=1` asks for it. It never throws.
 *
 * `config` is `unknown` on purpose: `npm run synth` does not type-check config/environments.ts,
 * so its shape and types are checked here at run time first (config/schema.ts).
 */
export function synthesize(config: unknown, argv: readonly string[], vars: NodeJS.ProcessEnv, outdir: string): SynthResult {
  const tmp = `${outdir.replace(/[\\/]+$/, "")}.tmp-${process.pid}`;
  let debug = vars[DEBUG_ENV] === "1" || argv.includes("--debug");
  try {
    const selection = selectedEnvironments(argv, vars);
    debug = selection.debug;
    const read = readConfig(config, selection.names, selection.field);
    const issues = [...selection.issues, ...validateBackendEnv(vars), ...read.issues];
    if (issues.length || !read.config)
      return fail(outdir, undefined, [
        `${issues.length} problem(s) in the configuration; nothing was synthesized:`,
        ...issues.map((i) => `  - ${formatIssue(i)}`),
      ]);
    return build(read.config, selection.names, vars, outdir, tmp);
  } catch (err) {
    return fail(outdir, tmp, internalError(err, debug));
  }
}

/** One line saying an unexpected error is a bug in this tool; the stack only when asked for. */
export function internalError(err: unknown, debug: boolean): string[] {
  const message = (err instanceof Error ? err.message : String(err)).split("\n")[0];
  const lines = [
    `internal error: ${message} — this is a bug in aks-app-identity, not in your configuration; ` +
      `please report it with the output of \`npm run synth -- --debug\` (or AKS_DEBUG=1)`,
  ];
  if (debug && err instanceof Error && err.stack) lines.push(err.stack);
  return lines;
}

function build(
  config: PlatformConfig,
  environments: readonly string[] | undefined,
  vars: NodeJS.ProcessEnv,
  outdir: string,
  tmp: string,
): SynthResult {
  fs.rmSync(tmp, { recursive: true, force: true });
  let stacks: EnvironmentStack[];
  // Let every stack synthesize so all policy errors are reported together (checked below).
  // Stacks read this when they are created.
  const previous = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = "true";
  try {
    const app = new App({ outdir: tmp, stackTraces: false });
    stacks = buildPlatform(app, config, { environments, vars });
    app.synth();
  } catch (err) {
    if (err instanceof ValidationError) {
      return fail(outdir, tmp, [
        `${err.issues.length} problem(s) in construct props; nothing was synthesized:`,
        ...err.issues.map((i) => `  - ${formatIssue(i)}`),
      ]);
    }
    throw err;
  } finally {
    if (previous === undefined) delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    else process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = previous;
  }

  const findings = stacks.flatMap((s) => s.policy.findings.map((f) => ({ stack: s.node.id, ...f })));
  const errors = findings.filter((f) => f.severity === "error" && !f.suppressedBecause);
  if (errors.length) {
    return fail(outdir, tmp, [
      `${errors.length} security policy violation(s); nothing was synthesized:`,
      ...errors.map((f) => `  - ${f.stack}: ${f.message}`),
    ]);
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.renameSync(tmp, outdir);
  const names = stacks.map((s) => s.node.id);
  return { ok: true, stacks: names, messages: synthReport(stacks, names, findings, outdir) };
}

/** What a clean synth prints: the stacks, the policy's warnings and suppressions, other construct warnings, the placeholders. */
function synthReport(
  stacks: readonly EnvironmentStack[],
  names: readonly string[],
  findings: readonly (PolicyFinding & { stack: string })[],
  outdir: string,
): string[] {
  const warnings = findings.filter((f) => f.severity === "warning" && !f.suppressedBecause);
  // Construct warnings outside the policy (e.g. a cluster whose OIDC issuer is off).
  const other = stacks.flatMap((st) =>
    st.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === "@cdktf/warn" && !String(m.data).startsWith("[AKSID-"))
          .map((m) => `  warning ${st.node.id}: ${c.node.path}: ${m.data}`),
      ),
  );
  const suppressed = findings.filter((f) => f.suppressedBecause);
  const marked = stacks.map((s) => [s.node.id, placeholderLines(s)] as const).filter(([, l]) => l.length);
  return [
    `synthesized ${names.length} stack(s) into ${outdir}: ${names.join(", ")}`,
    `policy: 0 errors, ${warnings.length} warning(s), ${suppressed.length} suppressed`,
    ...warnings.map((f) => `  warning ${f.stack}: ${f.message}`),
    ...other,
    ...suppressed.map((f) => `  suppressed ${f.stack}: ${f.message} Reason: ${f.suppressedBecause}`),
    ...(marked.length
      ? [
          `placeholders: ${marked.length} stack(s) refuse to plan or deploy ` +
            `until these are replaced in config/environments.ts (${marked.map(([s]) => s).join(", ")}):`,
          ...marked.flatMap(([s, lines]) => lines.map((l) => `  placeholder ${s}: ${l}`)),
        ]
      : ["placeholders: none"]),
  ];
}
