/**
 * `--config <file>` of `aks-doctor` and `aks-verify`: the platform config comes from the
 * consumer, never from this repository's `config/environments` (which is not packed).
 *
 * The file is a JSON document `{ "environments": [...] }`, or a CommonJS module that exports
 * the platform config as `module.exports`, `exports.platform` or `exports.default`
 * (a compiled `config/environments.ts` works as is). It is checked with the same
 * validator as `npm run synth`, so a bad value is named here, not met as a crash later.
 */
import * as fs from "fs";
import * as path from "path";
import type { EnvironmentConfig, PlatformConfig } from "../config/types";

/** A config file that is missing, unreadable or not a valid platform config. */
export class ConfigFileError extends Error {}

const SHAPE = `{ "environments": [...] } (JSON), or a CommonJS module exporting it as module.exports, exports.platform or exports.default`;

function isPlatform(v: unknown): v is PlatformConfig {
  return typeof v === "object" && v !== null && Array.isArray((v as { environments?: unknown }).environments);
}

function pickExport(mod: unknown): unknown {
  if (isPlatform(mod)) return mod;
  const m = (mod ?? {}) as { platform?: unknown; default?: unknown };
  if (isPlatform(m.platform)) return m.platform;
  if (isPlatform(m.default)) return m.default;
  const d = (m.default ?? {}) as { platform?: unknown };
  return isPlatform(d.platform) ? d.platform : mod;
}

function readRaw(file: string, abs: string): unknown {
  if (abs.endsWith(".json")) {
    try {
      return JSON.parse(fs.readFileSync(abs, "utf8"));
    } catch (e) {
      throw new ConfigFileError(`--config "${file}": not valid JSON: ${(e as Error).message}`);
    }
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads the user's --config module (a path known only at run time), synchronously like the JSON branch
    return pickExport(require(abs));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const hint =
      err.code === "ERR_REQUIRE_ESM"
        ? " (an ES module: give a CommonJS .cjs module or a JSON file)"
        : /\.[cm]?ts$/.test(abs)
          ? " (node cannot load TypeScript: compile it with tsc and pass the .js file, or give a JSON file)"
          : "";
    throw new ConfigFileError(`--config "${file}": cannot load the module: ${err.message.split("\n")[0]}${hint}`);
  }
}

/** Reads and validates the platform config; throws ConfigFileError with every problem found. */
export function loadPlatformConfig(file: string, cwd: string = process.cwd()): PlatformConfig {
  const abs = path.resolve(cwd, file);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigFileError(`--config "${file}": ${code === "ENOENT" ? "no such file" : String(code ?? e)}; give ${SHAPE}`);
  }
  if (st.isDirectory()) throw new ConfigFileError(`--config "${file}": is a directory; give ${SHAPE}`);
  const raw = readRaw(file, abs);
  if (!isPlatform(raw)) throw new ConfigFileError(`--config "${file}": holds no platform config; expected ${SHAPE}`);
  // Loaded only here: the validator pulls in cdktf, which `--help` and doctor without --config never need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validatePlatform } = require("../config/validate") as typeof import("../config/validate");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { formatIssue } = require("../constructs/validation") as typeof import("../constructs/validation");
  const issues = validatePlatform(raw);
  if (issues.length > 0) {
    throw new ConfigFileError(`--config "${file}" is not a valid platform config:\n${issues.map((i) => `  ${formatIssue(i)}`).join("\n")}`);
  }
  return raw;
}

/** The environment called `name` in the config, or a ConfigFileError listing the known ones. */
export function findEnvironment(platform: PlatformConfig, name: string, file: string): EnvironmentConfig {
  const env = platform.environments.find((e) => e.name === name);
  if (!env) {
    const known = platform.environments.map((e) => e.name);
    throw new ConfigFileError(
      `unknown environment "${name}" in --config "${file}" (known: ${known.join(", ")}); use --env ${known.join(" or --env ")}`,
    );
  }
  return env;
}
