/**
 * `npm test`'s first stage is `oxlint` with this repository's .oxlintrc.json: the type check and
 * the lint in one run. This proves, with the real oxlint and its TypeScript checker, that each
 * kind of finding fails it: a type error, a type-aware rule, an unused disable directive, an
 * undefined name and an unused `_`-named variable in plain JavaScript; and that a clean file has
 * no finding. A config that lost `typeCheck` or `typeAware`, or an oxlint that ignored them,
 * would pass these files. And since oxlint type-checks a file outside tsconfig.json's `include`
 * with default options (no `noUnusedLocals`, no `types`), every TypeScript file of the
 * repository must be in that program.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ok, ROOT, run } from "./support/consumer-app";

const BIN = path.join(ROOT, "node_modules", ".bin");

/** oxlint's `--format json` report: one entry a finding. */
interface Report {
  readonly diagnostics: { readonly filename: string; readonly code?: string; readonly message: string }[];
}

// A scratch project whose node_modules is this repository's, so oxlint finds oxlint-tsgolint the
// way it does for `npm test`: in the node_modules of the directory it runs in.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lint-config-"));
fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const compilerOptions = { strict: true, target: "ES2022", module: "node16", moduleResolution: "node16", types: [] };
const FILES: Record<string, string> = {
  "clean.ts": [
    "export async function ping(): Promise<number> {",
    "  return Promise.resolve(1);",
    "}",
    "export function run(): void {",
    "  void ping();",
    "}",
    "",
  ].join("\n"),
  "type-error.ts": 'export const port: number = "8080";\n',
  "floating.ts": "async function ping(): Promise<void> {}\nexport function run(): void {\n  ping();\n}\n",
  "directive.ts": "// eslint-disable-next-line no-control-regex\nexport const n = 1;\n",
  "undefined-name.js": '"use strict";\nmodule.exports = () => notDefinedAnywhere();\n',
  "unused.js": '"use strict";\nconst _unused = 1;\nmodule.exports = 2;\n',
};

let report: Report;
let status: number | null;
beforeAll(async () => {
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["*.ts"] }));
  for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, name), text);
  const args = ["-c", path.join(ROOT, ".oxlintrc.json"), "--format", "json", ...Object.keys(FILES)];
  const lint = await run(path.join(BIN, "oxlint"), args, { cwd: dir });
  if (!lint.stdout) throw new Error(`oxlint did not run (exit ${lint.code}): ${lint.stderr}`);
  [report, status] = [JSON.parse(lint.stdout) as Report, lint.code];
}, 60_000);

const findings = (file: string) => report.diagnostics.filter((d) => d.filename === file).map((d) => `${d.code ?? ""} ${d.message}`);

test("GIVEN the files with findings THEN oxlint exits 1", () => {
  expect(status).toBe(1);
});

test("GIVEN a clean file THEN it has no finding", () => {
  expect(findings("clean.ts")).toEqual([]);
});

test.each([
  ["type-error.ts", /TS2322.*Type 'string' is not assignable to type 'number'/],
  ["floating.ts", /no-floating-promises/],
  ["directive.ts", /Unused eslint-disable directive/],
  ["undefined-name.js", /no-undef.*'notDefinedAnywhere' is not defined/],
  ["unused.js", /no-unused-vars.*_unused/],
])("GIVEN %s THEN oxlint names the finding", (name, finding) => {
  expect(findings(name)).toEqual([expect.stringMatching(finding)]);
});

test("GIVEN the repository THEN every TypeScript file git tracks is in tsconfig.json's program", async () => {
  const tracked = ok(await run("git", ["ls-files", "*.ts"], { cwd: ROOT }), "git ls-files")
    .stdout.split("\n")
    .filter(Boolean);
  const listed = ok(
    await run(path.join(BIN, "tsc"), ["-p", "tsconfig.json", "--listFilesOnly"], { cwd: ROOT }),
    "tsc --listFilesOnly",
  ).stdout;
  const inProgram = new Set(listed.split("\n").map((f) => path.relative(ROOT, f.trim())));
  expect(tracked.length).toBeGreaterThan(100);
  expect(tracked.filter((f) => !inProgram.has(f))).toEqual([]);
});
