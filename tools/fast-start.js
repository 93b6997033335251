// Start-up and synth-time savings for the cdktf app, installed by tools/run.js before the
// app is loaded. They change no output (test/synth-equivalence.test.ts compares the files
// byte for byte with `cdktf synth` and with the plain compiled app), only what cdktf
// loads and records for diagnostics. Measured with `node --cpu-prof`
// (README.md, "Performance and scale"):
//
// 1. Token creation stacks off. cdktf captures and formats a full stack trace for every
//    token it creates (Intrinsic, Lazy, ...), only to print it if that token later fails to
//    resolve. With 1,000 teams per environment that was ~7 s of CPU and ~450 MiB of
//    retained strings out of 17 s and 940 MiB. `AKS_TOKEN_STACKS=1` turns them back on.
// 2. Deferred modules. `require("cdktf")` loads `archiver` (for zip assets) and `semver`
//    (for `terraform version` checks of import/move blocks): ~60 ms of the 165 ms cdktf
//    start, unused by this app. They are replaced by stand-ins that load the real module
//    on first use, so assets and version checks still work.
//
// `AKS_FAST_START=0` disables both.
"use strict";
const path = require("path");
const Module = require("module");

/** Modules cdktf requires at load time but uses only in rarely used features. */
const DEFERRED = [
  { request: "archiver", from: "lib/private/fs.js", kind: "function" },
  { request: "semver", from: "lib/validations/validate-binary-version.js", kind: "object" },
];

/** Puts `exports` into the module cache under `file`, as if `file` had been loaded. */
function preload(file, exports) {
  const m = new Module(file, null);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  m.exports = exports;
  m.loaded = true;
  Module._cache[file] = m;
  return m;
}

/** A stand-in for the module at `file` that loads it on first use (call, new or property access). */
function deferred(file, kind) {
  let real;
  let stub;
  const load = () => {
    if (real === undefined) {
      if (Module._cache[file] === stub) delete Module._cache[file];
      real = require(file);
    }
    return real;
  };
  const target = kind === "function" ? function deferredModule() {} : {};
  stub = preload(
    file,
    new Proxy(target, {
      get: (_t, key) => Reflect.get(load(), key),
      has: (_t, key) => Reflect.has(load(), key),
      set: (_t, key, value) => Reflect.set(load(), key, value),
      apply: (_t, self, args) => Reflect.apply(load(), self, args),
      construct: (_t, args) => Reflect.construct(load(), args),
    }),
  );
}

/**
 * Installs the savings for the cdktf that `root` resolves. Returns what was installed
 * (empty when disabled, when cdktf is not installed or already loaded).
 */
function install(root, env = process.env) {
  const done = [];
  if (env.AKS_FAST_START === "0") return done;
  let main;
  try {
    main = require.resolve("cdktf", { paths: [root] });
  } catch {
    return done;
  }
  if (Module._cache[main]) return done; // too late: cdktf is loaded
  const lib = path.dirname(main); // node_modules/cdktf/lib
  if (env.AKS_TOKEN_STACKS !== "1") {
    const file = path.join(lib, "tokens", "private", "stack-trace.js");
    if (!Module._cache[file]) {
      preload(file, { captureStackTrace: () => [] });
      done.push("token-stacks-off");
    }
  }
  for (const d of DEFERRED) {
    let file;
    try {
      file = Module.createRequire(path.join(lib, d.from)).resolve(d.request);
    } catch {
      continue; // not installed: nothing to defer
    }
    if (Module._cache[file]) continue;
    deferred(file, d.kind);
    done.push(`defer:${d.request}`);
  }
  return done;
}

module.exports = { install, DEFERRED };
