/**
 * The package as an app team gets it: `npm pack` of this repository (which runs `prepack`,
 * the build), then `npm install` of the tarball into an empty app in a temp directory.
 * No network: the peer dependencies (cdktf, constructs, the three providers) are `file:` links
 * to this repository's node_modules, so npm checks the package's peer ranges against the
 * versions the tests run with, and `--offline` fails instead of reaching the registry.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");
const NODE_MODULES = path.join(ROOT, "node_modules");
export const PEERS = ["cdktf", "constructs", "@cdktf/provider-azurerm", "@cdktf/provider-kubernetes", "@cdktf/provider-time"] as const;

/** Output of a finished process. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without a shell; resolves when it exits (never rejects on a non-zero exit). */
export function run(program: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Fails with the process's own output when it did not exit 0. */
export function ok(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

/** The ```ts block of a README section, as written. */
export function readmeCodeBlock(heading: string): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`README.md section "${heading}" has no \`\`\`ts block`);
  return block[1];
}

/** A consumer app with the packed package installed. */
export interface ConsumerApp {
  /** Temp directory holding the tarball and the app; remove it when done. */
  readonly tmp: string;
  readonly dir: string;
  readonly tarball: string;
  /** Paths inside the tarball, e.g. `dist/tools/doctor/cli.js`. */
  readonly packedFiles: readonly string[];
  /** What `npm install <tarball>` printed (peer-range conflicts show here as ERESOLVE / "overriding peer dependency"). */
  readonly install: Run;
  /** `node_modules/.bin/<name>` of the app. */
  bin(name: string): string;
}

/** Packs this repository and installs the tarball into a fresh app (peers linked, offline). */
export async function packAndInstall(): Promise<ConsumerApp> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "aks-consumer-"));
  const npmEnv = { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };
  const packed = ok(await run("npm", ["pack", "--json", "--pack-destination", tmp], { cwd: ROOT, env: npmEnv }), "npm pack");
  // prepack's build output comes before the JSON on stdout.
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("[\n"))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = path.join(tmp, info[0].filename);

  const dir = path.join(tmp, "app");
  fs.mkdirSync(dir);
  const dependencies = Object.fromEntries(PEERS.map((p) => [p, `file:${path.join(NODE_MODULES, p)}`]));
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "payments-infra", version: "1.0.0", private: true, dependencies }, null, 2),
  );
  const install = ok(
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock", tarball], { cwd: dir, env: npmEnv }),
    "npm install <tarball>",
  );
  return {
    install,
    tmp,
    dir,
    tarball,
    packedFiles: info[0].files.map((f) => f.path),
    bin: (name) => path.join(dir, "node_modules", ".bin", name),
  };
}
