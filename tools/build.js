#!/usr/bin/env node
// The package build (`npm run build`, and prepack before `npm pack`): empties dist/, then
// type-checks and emits tsconfig.build.json with TypeScript's `tsc` (TypeScript 7, ~1.5 s on
// 2 cores). A clean build each time, so dist/ holds exactly the outputs of today's sources:
// `tsc` alone never deletes the output of a removed source, which `npm pack` would ship.
// Exits with tsc's status: a type error fails the build and the pack.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
fs.rmSync(path.join(root, "dist"), { recursive: true, force: true });
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
if (r.error) process.stderr.write(`build: could not start tsc: ${r.error.message}\n`);
process.exitCode = r.status ?? 1;
