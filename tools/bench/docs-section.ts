/**
 * docs/performance.md holds bench-results/bench.md between two markers, so the tables in the
 * docs are the bench's own output, never typed by hand: `npm run bench` (and `--render`) rewrite
 * that section when they write bench-results/, and test/bench-docs-section.test.ts checks they agree.
 */
export const BENCH_SECTION_BEGIN = "<!-- bench:begin: bench-results/bench.md, written by npm run bench; do not edit by hand -->";
export const BENCH_SECTION_END = "<!-- bench:end -->";

/** The text between the markers; undefined when the document has none. */
export function benchSectionOf(doc: string): string | undefined {
  const begin = doc.indexOf(BENCH_SECTION_BEGIN);
  const end = doc.indexOf(BENCH_SECTION_END);
  if (begin < 0 || end < begin) return undefined;
  return doc
    .slice(begin + BENCH_SECTION_BEGIN.length, end)
    .replace(/^\n+/, "")
    .replace(/\n+$/, "\n");
}

/** `doc` with the section between the markers replaced by `md`; throws when the markers are missing. */
export function withBenchSection(doc: string, md: string, name = "the document"): string {
  if (benchSectionOf(doc) === undefined) {
    throw new Error(
      `${name} has no "${BENCH_SECTION_BEGIN}" … "${BENCH_SECTION_END}" section for the bench tables; add the two markers where they belong`,
    );
  }
  const begin = doc.indexOf(BENCH_SECTION_BEGIN) + BENCH_SECTION_BEGIN.length;
  return `${doc.slice(0, begin)}\n\n${md.replace(/\n+$/, "")}\n\n${doc.slice(doc.indexOf(BENCH_SECTION_END))}`;
}
