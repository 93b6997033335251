#!/usr/bin/env node
// `npm test`'s static check: the type check, the package build (dist/) and ESLint's type-aware
// rules, on ONE TypeScript program. Run separately (`tsc -b` and `eslint .`), each builds and
// type-checks the same ~650 files on its own: 13.5 s + 21.7 s of CPU on a fresh clone of this
// 2-core machine; together here 21 s (docs/performance.md, "Test time"). Only public APIs:
// TypeScript's `createIncrementalProgram` (its build info is the one `tsc -b` reads, so
// `npm pack`'s prepack finds dist/ up to date) and typescript-eslint's `parserOptions.programs`.
// The rules are eslint.config.mjs's, as `npm run lint` runs them; the ESLint cache is shared.
//
//   node tools/check.js [--root DIR]  -> exit 0 clean, 1 on a type error or an ESLint error, 2 on a crash
//   (DIR, default this repository: the directory of tsconfig.build.json and the ESLint config)
"use strict";
const path = require("path");

const args = process.argv.slice(2);
if (!(args.length === 0 || (args.length === 2 && args[0] === "--root"))) {
  process.stderr.write(`usage: node tools/check.js [--root DIR]\n`);
  process.exit(2);
}
const ROOT = args.length ? path.resolve(args[1]) : path.resolve(__dirname, "..");
const TSCONFIG = "tsconfig.build.json";
const ESLINT_CACHE = "node_modules/.cache/eslint/";

/** Type-checks and emits tsconfig.build.json's program; returns it and the number of errors. */
function typecheckAndBuild(ts) {
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => report(ts, [d]) };
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, TSCONFIG), {}, host);
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
  report(ts, diagnostics);
  return { program: builder.getProgram(), errors: diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).length };
}

function report(ts, diagnostics) {
  if (!diagnostics.length) return;
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" };
  const text = process.stdout.isTTY ? ts.formatDiagnosticsWithColorAndContext(diagnostics, host) : ts.formatDiagnostics(diagnostics, host);
  process.stdout.write(text + "\n");
}

/**
 * The ESLint cache keys results on the file's content and a JSON form of its config; a program
 * has no JSON form, so it says what it is (ESLint calls toJSON on language options objects).
 */
function cacheable(programs) {
  return Object.assign(programs, { toJSON: () => `TypeScript program of ${TSCONFIG}` });
}

/** Lints the repository with eslint.config.mjs, the TypeScript files on `program`; returns the error count. */
async function lint(program) {
  const { ESLint } = require("eslint");
  const eslint = new ESLint({
    cwd: ROOT,
    cache: true,
    cacheStrategy: "content",
    cacheLocation: path.join(ROOT, ESLINT_CACHE),
    overrideConfig: program
      ? [{ files: ["**/*.ts"], languageOptions: { parserOptions: { project: null, programs: cacheable([program]) } } }]
      : [],
  });
  const results = await eslint.lintFiles(["."]);
  const formatter = await eslint.loadFormatter("stylish");
  const text = await formatter.format(results);
  if (text) process.stdout.write(text + "\n");
  return results.reduce((n, r) => n + r.errorCount + r.fatalErrorCount, 0);
}

async function main() {
  const ts = require("typescript");
  const t0 = process.hrtime.bigint();
  const { program, errors } = typecheckAndBuild(ts);
  const t1 = process.hrtime.bigint();
  const lintErrors = await lint(program);
  const secs = (a, b) => (Number(b - a) / 1e9).toFixed(1);
  process.stdout.write(
    `check: ${errors} type error(s) (type check and build ${secs(t0, t1)} s), ` +
      `${lintErrors} ESLint error(s) (${secs(t1, process.hrtime.bigint())} s)\n`,
  );
  return errors || lintErrors ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    process.stderr.write(`check: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
