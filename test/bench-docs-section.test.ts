import * as fs from "fs";
import * as path from "path";
import { BENCH_SECTION_BEGIN, BENCH_SECTION_END, benchSectionOf, withBenchSection } from "../tools/bench/docs-section";
import { type BenchResults, renderMarkdown } from "../tools/bench/report";

const ROOT = path.resolve(__dirname, "..");
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), "utf8");

test("GIVEN the committed bench results THEN docs/performance.md's tables are bench.md, and bench.md is what bench.json renders to", () => {
  const md = read("bench-results/bench.md");
  expect(benchSectionOf(read("docs/performance.md"))).toBe(md);
  expect(renderMarkdown(JSON.parse(read("bench-results/bench.json")) as BenchResults)).toBe(md);
});

describe("GIVEN a document with the bench markers", () => {
  const doc = ["# Perf", "", "intro", "", BENCH_SECTION_BEGIN, "", "old table", "", BENCH_SECTION_END, "", "## After", "kept"].join("\n");

  test("WHEN the section is replaced THEN only the text between the markers changes, and doing it again changes nothing", () => {
    const once = withBenchSection(doc, "### New\n\n| a |\n");
    expect(once).toBe(
      ["# Perf", "", "intro", "", BENCH_SECTION_BEGIN, "", "### New", "", "| a |", "", BENCH_SECTION_END, "", "## After", "kept"].join(
        "\n",
      ),
    );
    expect(withBenchSection(once, "### New\n\n| a |\n")).toBe(once);
    expect(benchSectionOf(once)).toBe("### New\n\n| a |\n");
  });

  test("WHEN the markers are missing or out of order THEN it says which document and what to add, and writes nothing", () => {
    expect(() => withBenchSection("# Perf\n", "x", "docs/performance.md")).toThrow(
      /^docs\/performance\.md has no "<!-- bench:begin.*" … "<!-- bench:end -->" section for the bench tables; add the two markers/,
    );
    expect(benchSectionOf(`${BENCH_SECTION_END}\n${BENCH_SECTION_BEGIN}\n`)).toBeUndefined();
  });
});
