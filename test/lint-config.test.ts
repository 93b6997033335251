/**
 * `npm test`'s first stage is `oxlint` with this repository's .oxlintrc.json: the type check and
 * the lint in one run. This proves, with the real oxlint and its TypeScript checker, that each
 * kind of finding fails it (exit 1): a type error, a type-aware rule, an unused disable
 * directive, an undefined name in plain JavaScript; and that a clean file passes. A config that
 * lost `typeCheck` or `typeAware`, or an oxlint that ignored them, would pass these files.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

const ROOT = path.resolve(__dirname, "..");
const OXLINT = path.join(ROOT, "node_modules", ".bin", "oxlint");

interface Lint {
  readonly code: number;
  readonly out: string;
}

// A scratch project whose node_modules is this repository's, so oxlint finds oxlint-tsgolint the
// way it does for `npm test`: in the node_modules of the directory it runs in.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lint-config-"));
fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  "tsconfig.json": JSON.stringify({
    compilerOptions: { ...JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")).compilerOptions, types: [], paths: {} },
    include: ["*.ts"],
  }),
  "clean.ts": "export async function ping(): Promise<number> {\n  return Promise.resolve(1);\n}\nexport function run(): void {\n  void ping();\n}\n",
  "type-error.ts": 'export const port: number = "8080";\n',
  "floating.ts": "async function ping(): Promise<void> {}\nexport function run(): void {\n  ping();\n}\n",
  "directive.ts": "// eslint-disable-next-line no-control-regex\nexport const n = 1;\n",
  "undefined-name.js": '"use strict";\nmodule.exports = () => notDefinedAnywhere();\n',
};

async function lint(file: string): Promise<Lint> {
  try {
    const { stdout, stderr } = await promisify(execFile)(OXLINT, ["-c", path.join(ROOT, ".oxlintrc.json"), file], { cwd: dir });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : -1, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

const results = new Map<string, Lint>();
beforeAll(async () => {
  for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, name), text);
  const names = Object.keys(FILES).filter((n) => n !== "tsconfig.json");
  for (const [name, r] of await Promise.all(names.map(async (n) => [n, await lint(n)] as const))) results.set(name, r);
}, 60_000);

test("GIVEN a clean file THEN oxlint exits 0", () => {
  expect(results.get("clean.ts")).toMatchObject({ code: 0 });
});

test.each([
  ["type-error.ts", /TS2322.*Type 'string' is not assignable to type 'number'/],
  ["floating.ts", /no-floating-promises/],
  ["directive.ts", /Unused eslint-disable directive/],
  ["undefined-name.js", /no-undef.*'notDefinedAnywhere' is not defined/],
])("GIVEN %s THEN oxlint exits 1 and names the finding", (name, finding) => {
  const r = results.get(name)!;
  expect(r.out).toMatch(finding);
  expect(r.code).toBe(1);
});
