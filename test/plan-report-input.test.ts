/**
 * Plan files as they really come: UTF-8 with a BOM, UTF-16 from Windows PowerShell 5's `>`,
 * saved binary plans, the text of `terraform plan`, warnings mixed into the JSON, cut-short
 * files. Every refusal is one printable line that names the file and the fix.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { cli } from "../tools/plan-report/cli";
import { decodeText } from "../tools/plan-report/parse";
import { oneLine, PlanReport, StackReport } from "../tools/plan-report/types";
import { runCli } from "./fixtures/plans/capture";

const FIXTURE = join(__dirname, "fixtures", "plans", "dev-test-apps.plan.json");
const PLAN_TEXT = readFileSync(FIXTURE, "utf8");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "plan-report-input-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function report(argv: string[]) {
  return runCli(cli, argv, { PLAN_REPORT_ALLOW_DESTROY: undefined });
}

function file(name: string, bytes: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const BOM8 = Buffer.from([0xef, 0xbb, 0xbf]);
const BOM16LE = Buffer.from([0xff, 0xfe]);
const BOM16BE = Buffer.from([0xfe, 0xff]);

function utf16le(text: string): Buffer {
  return Buffer.from(text, "utf16le");
}

function utf16be(text: string): Buffer {
  return Buffer.from(text, "utf16le").swap16();
}

/** What Windows PowerShell 5 writes for `terraform show -json tfplan > plan.json`: UTF-16LE, BOM, CRLF. */
function powershell5(text: string): Buffer {
  return Buffer.concat([BOM16LE, utf16le(`${text.trimEnd()}\r\n`)]);
}

/** The stack report without the file it came from, to compare encodings (its protected changes allowed). */
async function stackOf(path: string): Promise<Omit<StackReport, "source">> {
  const run = await runCli(cli, ["--json", "--stack", "dev-test-apps", path], { PLAN_REPORT_ALLOW_DESTROY: "*" });
  expect(run).toMatchObject({ code: 0, stderr: "" });
  const { source: _source, ...rest } = (JSON.parse(run.stdout) as PlanReport).stacks[0];
  return rest;
}

describe("encodings", () => {
  const encodings: [string, () => Buffer][] = [
    ["UTF-8 with a BOM", () => Buffer.concat([BOM8, Buffer.from(PLAN_TEXT, "utf8")])],
    ["UTF-16LE with a BOM and CRLF (Windows PowerShell 5 `>`)", () => powershell5(PLAN_TEXT)],
    ["UTF-16BE with a BOM", () => Buffer.concat([BOM16BE, utf16be(PLAN_TEXT)])],
    ["UTF-16LE without a BOM", () => utf16le(PLAN_TEXT)],
    ["UTF-16BE without a BOM", () => utf16be(PLAN_TEXT)],
  ];

  test.each(encodings)("GIVEN the plan as %s THEN the report equals the UTF-8 one", async (_name, bytes) => {
    const expected = await stackOf(FIXTURE);
    expect(expected.counts).toEqual({ create: 3, update: 2, delete: 3, replace: 1, read: 0, "no-op": 1, forget: 0 });
    const path = file("encoded.plan.json", bytes());
    expect(await stackOf(path)).toEqual(expected);
  });

  test("GIVEN a changed-stacks file written by PowerShell 5 THEN it is read too", async () => {
    const changed = file(
      "changed.json",
      powershell5(
        JSON.stringify({ kind: "aks-changed-stacks", version: 1, stacks: [{ name: "prod-apps", status: "unchanged" }], plan: [] }),
      ),
    );
    const run = await runCli(cli, ["--json", "--changed-stacks", changed, FIXTURE], { PLAN_REPORT_ALLOW_DESTROY: "*" });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect((JSON.parse(run.stdout) as PlanReport).withoutPlan).toEqual([{ stack: "prod-apps", status: "unchanged" }]);
  });

  test("GIVEN non-ASCII text in UTF-16 THEN it is decoded, not mangled", () => {
    const text = '{"ä":"😀 ü"}';
    expect(decodeText(Buffer.concat([BOM16LE, utf16le(text)]), "x")).toBe(text);
    expect(decodeText(Buffer.concat([BOM16BE, utf16be(text)]), "x")).toBe(text);
    expect(decodeText(Buffer.concat([BOM8, Buffer.from(text)]), "x")).toBe(text);
  });
});

/** Characters that must never reach a terminal from an error line. */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

describe("refused input: one printable line with the right advice", () => {
  const half = PLAN_TEXT.slice(0, Math.floor(PLAN_TEXT.length / 2));
  const cases: [string, () => string, RegExp][] = [
    [
      "a saved binary plan (zip)",
      () => file("tfplan", Buffer.concat([Buffer.from("PK\u0003\u0004", "latin1"), Buffer.alloc(64), Buffer.from("tfplan")])),
      /tfplan: is a saved binary plan \(the `-out` file of `terraform plan`\), not its JSON\. Convert it with `terraform show -json tfplan > plan\.json`/,
    ],
    ["an empty file", () => file("empty.json", ""), /empty\.json: is empty\. `terraform show -json` wrote nothing/],
    ["an empty UTF-16 file from PowerShell", () => file("empty16.json", powershell5("")), /empty16\.json: is empty\./],
    [
      "the coloured text of terraform plan, written by PowerShell 5",
      () =>
        file(
          "text16.json",
          powershell5(
            "\u001b[0m\u001b[1mTerraform used the selected providers to generate the following execution plan.\u001b[0m\n  \u001b[32m+\u001b[0m create\n",
          ),
        ),
      /text16\.json: is the text output of `terraform plan`, not JSON\. Save the plan with `terraform plan -out=tfplan`/,
    ],
    [
      "the text of terraform plan with no changes",
      () => file("nochanges.json", "\nNo changes. Your infrastructure matches the configuration.\n"),
      /nochanges\.json: is the text output of `terraform plan`/,
    ],
    [
      "terraform's warnings before the JSON (2>&1)",
      () =>
        file(
          "mixed.json",
          `There are some problems with the CLI configuration:\n╷\n│ Warning: Unable to open CLI configuration file\n╵\n${PLAN_TEXT}`,
        ),
      /mixed\.json: has text before the JSON \(it starts "There are some problems with the CLI configuration:"\).*Redirect only standard output: `terraform show -json <planfile> > plan\.json` \(not `2>&1`/,
    ],
    [
      "a plan cut in half",
      () => file("cut.json", half),
      /cut\.json: the JSON ends early \(.*\): the file is cut short.*Run `terraform show -json <planfile> > plan\.json` again\./,
    ],
    [
      "two plans appended with >>",
      () => file("twice.json", `${PLAN_TEXT}\n${PLAN_TEXT}`),
      /twice\.json: holds more than one JSON document, or text after the JSON \(.*position \d+.*\)\. .*not appended with `>>`/,
    ],
    [
      "UTF-16 with an odd number of bytes",
      () => file("odd.json", Buffer.concat([powershell5(PLAN_TEXT), Buffer.from([0x41])])),
      /odd\.json: is UTF-16LE text cut in the middle of a character/,
    ],
    [
      "UTF-32",
      () => file("utf32.json", Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from("{\u0000\u0000\u0000", "latin1")])),
      /utf32\.json: is UTF-32 text; write it again as UTF-8 with `terraform show -json <planfile> > plan\.json` \(in Windows PowerShell 5: `terraform show -json <planfile> \| Out-File -Encoding utf8 plan\.json`\)/,
    ],
    [
      "Windows-1252 text (not UTF-8)",
      () => file("ansi.json", Buffer.from('{"format_version":"1.2","resource_changes":[],"x":"caf\u00e9"}', "latin1")),
      /ansi\.json: is not UTF-8 text .*Out-File -Encoding utf8/,
    ],
    [
      "JSON with NUL bytes in it",
      () => file("nul.json", Buffer.from('{"format_version":\u0000\u0000"1.2"}', "latin1")),
      /nul\.json: is a binary file, not JSON/,
    ],
    [
      "a control character in an action",
      () =>
        file(
          "ctl.json",
          JSON.stringify({
            format_version: "1.2",
            resource_changes: [{ address: "a.b", type: "a", change: { actions: ["\u0000boom\u001b[2J\r\nX"] } }],
          }),
        ),
      /ctl\.json: a\.b: unknown change actions \[\\u0000boom X\]/,
    ],
    [
      "a control character in format_version",
      () => file("fv.json", JSON.stringify({ format_version: "9.0\u0007\u202e", resource_changes: [] })),
      /fv\.json: plan format_version "9\.0\\u0007\\u202e" is not supported/,
    ],
    ["a file name with a new line and a bidi override", () => join(dir, "evil\nname\u202e.json"), /evil name\\u202e\.json: no such file\./],
    [
      "a UTF-16BE changed-stacks file that is not changed-stacks output",
      () => `--changed-stacks=${file("cs16.json", Buffer.concat([BOM16BE, utf16be('{"hello":"world"}')]))}`,
      /cs16\.json: not changed-stacks output; give the output of `changed-stacks --json <base> <head>`/,
    ],
    [
      "a binary changed-stacks file",
      () => `--changed-stacks=${file("cs-bin.json", Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x00, 0xff]))}`,
      /cs-bin\.json: is not UTF-8 text .*changed-stacks --json <base> <head> > changed\.json/,
    ],
  ];

  test.each(cases)("GIVEN %s THEN exit 2 with one printable line", async (_name, make, message) => {
    const arg = make();
    const run = await report(arg.startsWith("--changed-stacks") ? [arg, FIXTURE] : [arg]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^plan-report: /);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.endsWith("\n")).toBe(true);
    expect(run.stderr.slice(0, -1)).not.toMatch(UNPRINTABLE);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("oneLine", () => {
  test("GIVEN control characters, colours, line breaks, bidi and lone surrogates THEN one printable line", () => {
    expect(oneLine("a\r\nb\tc\u0000d\u001b[31me\u001b[0m\u007f\u0085\u202e\ufeff\ud800z")).toBe(
      "a b c\\u0000de\\u007f\\u0085\\u202e\\ufeff\\ud800z",
    );
    expect(oneLine("😀 ünïcode stays")).toBe("😀 ünïcode stays");
  });

  test("GIVEN a very long message THEN it is cut, without splitting a character", () => {
    const long = `${"x".repeat(1999)}😀${"y".repeat(100)}`;
    const out = oneLine(long);
    expect(out).toBe(`${"x".repeat(1999)}…`);
  });
});
