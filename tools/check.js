#!/usr/bin/env node
// The type check, the package build (dist/) and ESLint's type-aware rules, on ONE TypeScript
// program (`npm test` runs it). Run separately (`tsc -b` and `eslint .`), each builds and
// type-checks the same ~650 files on its own: 13.5 s + 21.7 s of CPU on a fresh clone of this
// 2-core machine; together here 21.5 s (docs/performance.md, "Test time"). Only public APIs:
// TypeScript's `createIncrementalProgram` (its build info is the one `tsc -b` reads) and
// typescript-eslint's `parserOptions.programs`. The rules are eslint.config.mjs's, as
// `npm run lint` runs them. Results are cached per file and per state of every declaration in
// the program, so a changed type re-lints every file that could see it (declarationsHash).
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
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const USAGE = "usage: node tools/check.js [--build] [--root DIR]\n";
const TSCONFIG = "tsconfig.build.json";
// Not npm run lint's cache (node_modules/.cache/eslint/): the two configs differ, each would drop the other's results.
const ESLINT_CACHE = "node_modules/.cache/eslint-check/";

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
  if (!config) return { program: undefined, types: "", errors: 1 };
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
  const outputs = outputsOf(ts, config);
  for (const file of syncOutDir(config, outputs)) diagnostics.push(...program.emit(program.getSourceFile(file)).diagnostics);
  report(ts, root, diagnostics);
  return {
    program,
    types: declarationsHash(outputs, root),
    errors: diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).length,
  };
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
  if (syncOutDir(config, outputsOf(ts, config)).length && config.options.tsBuildInfoFile) {
    // An output was deleted by hand: without the build info the builder writes every output again.
    fs.rmSync(config.options.tsBuildInfoFile, { force: true });
    errors = 0;
    status = run();
  }
  return status === ts.ExitStatus.Success ? errors : Math.max(errors, 1);
}

/**
 * A hash of every type a file can see from outside itself: the program's declaration outputs
 * (they hold the inferred types of every export too) and the lockfile (the dependencies' types).
 * Part of the ESLint cache key: a type-aware result stays valid while its file's content and
 * this hash do; when a declaration changes, every file is linted again.
 */
function declarationsHash(outputs, root) {
  const hash = crypto.createHash("sha256");
  for (const [, files] of [...outputs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const out of files.filter((f) => f.endsWith(".d.ts"))) {
      hash.update(`${path.relative(root, out)}\0`);
      hash.update(fs.existsSync(out) ? fs.readFileSync(out) : "(none)");
    }
  }
  const lock = path.join(root, "package-lock.json");
  if (fs.existsSync(lock)) hash.update(fs.readFileSync(lock));
  return hash.digest("hex");
}

/** Each source file of the config with the absolute paths of its outputs (JavaScript, declarations). */
function outputsOf(ts, config) {
  const ignoreCase = !ts.sys.useCaseSensitiveFileNames;
  return new Map(config.fileNames.map((file) => [file, ts.getOutputFileNames(config, file, ignoreCase).map((f) => path.resolve(f))]));
}

/** Removes from outDir what no source produces any more; returns the sources with a missing output. */
function syncOutDir(config, outputs) {
  if (!config.options.outDir) return [];
  const expected = new Set(config.options.tsBuildInfoFile ? [path.resolve(config.options.tsBuildInfoFile)] : []);
  const missing = [];
  for (const [file, files] of outputs) {
    for (const f of files) expected.add(f);
    if (files.some((f) => !fs.existsSync(f))) missing.push(file);
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

/**
 * Lints `root` with its ESLint config, the TypeScript files on `program`; returns the error count.
 * The cache keys each result on the file's content and on a JSON form of the config: the program
 * has none (ESLint calls `toJSON` on language options objects), so it stands there as `types`,
 * the hash of what every file can see of the others (declarationsHash).
 */
async function lint(root, program, types) {
  const { ESLint } = require("eslint");
  const programs = program && Object.assign([program], { toJSON: () => `TypeScript program of ${TSCONFIG}, declarations ${types}` });
  const eslint = new ESLint({
    cwd: root,
    cache: true,
    cacheStrategy: "content",
    cacheLocation: path.join(root, ESLINT_CACHE),
    overrideConfig: programs ? [{ files: ["**/*.ts"], languageOptions: { parserOptions: { project: null, programs } } }] : [],
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
  const { program, types, errors } = typecheckAndBuild(ts, opts.root);
  const summary = [`${errors} type error(s) (type check and build ${secs(t)} s)`];
  t = process.hrtime.bigint();
  const lintErrors = await lint(opts.root, program, types);
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
