#!/usr/bin/env node
// The type check, the package build (dist/) and ESLint's type-aware rules, on ONE TypeScript
// program (`npm test` runs it). Run separately (`tsc -b` and `eslint .`), each builds and
// type-checks the same ~650 files on its own: 13.5 s + 21.7 s of CPU on a fresh clone of this
// 2-core machine; together here 21.5 s (docs/performance.md, "Test time"). Only public APIs:
// TypeScript's `createIncrementalProgram` (its build info is the one `tsc -b` reads) and
// typescript-eslint's `parserOptions.programs`. The rules are eslint.config.mjs's, as
// `npm run lint` runs them, on every file: no cache here, because a cached result cannot know
// that a file it depends on changed its types.
//
// dist/ holds exactly the outputs of today's sources: outputs of deleted sources are removed
// and missing ones are written again (tsc -b does neither), so `npm pack` (prepack runs
// `--build`, which is tsc -b's builder plus that) can never ship a stale file.
//
//   node tools/check.js [--build] [--root DIR]
//     --build     type check and build only (npm run build, prepack)
//     --root DIR  the directory of tsconfig.build.json and the ESLint config (default: this repository)
//   exit 0 clean, 1 on a type error or an ESLint error, 2 on bad arguments or a crash
"use strict";
const fs = require("fs");
const path = require("path");

const USAGE = "usage: node tools/check.js [--build] [--root DIR]\n";
const TSCONFIG = "tsconfig.build.json";

/** The options, or undefined on anything else. */
function parseArgs(argv) {
  const opts = { build: false, root: path.resolve(__dirname, "..") };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--build") opts.build = true;
    else if (argv[i] === "--root" && argv[i + 1]) opts.root = path.resolve(argv[++i]);
    else return undefined;
  }
  return opts;
}

/** Reads tsconfig.build.json; undefined (reported) when it cannot be read. */
function readConfig(ts, root) {
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => report(ts, root, [d]) };
  return ts.getParsedCommandLineOfConfigFile(path.join(root, TSCONFIG), {}, host);
}

/** Type-checks and emits tsconfig.build.json's program; returns it and the number of errors. */
function typecheckAndBuild(ts, root) {
  const config = readConfig(ts, root);
  if (!config) return { program: undefined, errors: 1 };
  const builder = ts.createIncrementalProgram({
    rootNames: config.fileNames,
    options: config.options,
    projectReferences: config.projectReferences,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(config),
  });
  const diagnostics = [
    ...builder.getConfigFileParsingDiagnostics(),
    ...builder.getOptionsDiagnostics(),
    ...builder.getGlobalDiagnostics(),
    ...builder.getSyntacticDiagnostics(),
    ...builder.getSemanticDiagnostics(),
  ];
  // Like tsc (noEmitOnError is off): emit even with errors; the build info records them.
  diagnostics.push(...builder.emit().diagnostics);
  const program = builder.getProgram();
  for (const file of syncOutDir(ts, config)) diagnostics.push(...program.emit(program.getSourceFile(file)).diagnostics);
  report(ts, root, diagnostics);
  return { program, errors: diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).length };
}

/**
 * `--build`: what `tsc -b` does, in process (TypeScript's solution builder: an up-to-date tree
 * costs ~1 s, not a program), then the outDir sync; returns the number of errors.
 */
function build(ts, root) {
  const config = readConfig(ts, root);
  if (!config) return 1;
  let errors = 0;
  const onDiagnostic = (d) => {
    if (d.category === ts.DiagnosticCategory.Error) errors++;
    report(ts, root, [d]);
  };
  const run = () =>
    ts.createSolutionBuilder(ts.createSolutionBuilderHost(ts.sys, undefined, onDiagnostic), [path.join(root, TSCONFIG)], {}).build();
  let status = run();
  if (syncOutDir(ts, config).length && config.options.tsBuildInfoFile) {
    // An output was deleted by hand: without the build info the builder writes every output again.
    fs.rmSync(config.options.tsBuildInfoFile, { force: true });
    errors = 0;
    status = run();
  }
  return status === ts.ExitStatus.Success ? errors : Math.max(errors, 1);
}

/** Removes from outDir what no source produces any more; returns the sources with a missing output. */
function syncOutDir(ts, config) {
  if (!config.options.outDir) return [];
  const ignoreCase = !ts.sys.useCaseSensitiveFileNames;
  const expected = new Set(config.options.tsBuildInfoFile ? [path.resolve(config.options.tsBuildInfoFile)] : []);
  const missing = [];
  for (const file of config.fileNames) {
    const outputs = ts.getOutputFileNames(config, file, ignoreCase).map((f) => path.resolve(f));
    for (const f of outputs) expected.add(f);
    if (outputs.some((f) => !fs.existsSync(f))) missing.push(file);
  }
  prune(path.resolve(config.options.outDir), expected);
  return missing;
}

/** Deletes every file under `dir` not in `keep`, and directories left empty; returns whether `dir` is now empty. */
function prune(dir, keep) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let left = 0;
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() ? prune(p, keep) : !keep.has(p)) fs.rmSync(p, { recursive: true, force: true });
    else left++;
  }
  return left === 0;
}

function report(ts, root, diagnostics) {
  if (!diagnostics.length) return;
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
  const text = process.stdout.isTTY ? ts.formatDiagnosticsWithColorAndContext(diagnostics, host) : ts.formatDiagnostics(diagnostics, host);
  process.stdout.write(text + "\n");
}

/** Lints `root` with its ESLint config, the TypeScript files on `program`; returns the error count. */
async function lint(root, program) {
  const { ESLint } = require("eslint");
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: program ? [{ files: ["**/*.ts"], languageOptions: { parserOptions: { project: null, programs: [program] } } }] : [],
  });
  const results = await eslint.lintFiles(["."]);
  const formatter = await eslint.loadFormatter("stylish");
  const text = await formatter.format(results);
  if (text) process.stdout.write(text + "\n");
  // errorCount includes fatal (parse) errors.
  return results.reduce((n, r) => n + r.errorCount, 0);
}

async function main(opts) {
  const ts = require("typescript");
  const secs = (from) => (Number(process.hrtime.bigint() - from) / 1e9).toFixed(1);
  let t = process.hrtime.bigint();
  if (opts.build) {
    const errors = build(ts, opts.root);
    process.stdout.write(`check --build: ${errors} type error(s) (${secs(t)} s)\n`);
    return errors ? 1 : 0;
  }
  const { program, errors } = typecheckAndBuild(ts, opts.root);
  const summary = [`${errors} type error(s) (type check and build ${secs(t)} s)`];
  t = process.hrtime.bigint();
  const lintErrors = await lint(opts.root, program);
  summary.push(`${lintErrors} ESLint error(s) (${secs(t)} s)`);
  process.stdout.write(`check: ${summary.join(", ")}\n`);
  return errors || lintErrors ? 1 : 0;
}

const opts = parseArgs(process.argv.slice(2));
if (!opts) {
  process.stderr.write(USAGE);
  process.exitCode = 2;
} else {
  main(opts).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`check: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 2;
    },
  );
}
