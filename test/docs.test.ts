// The README and docs/ as a reader meets them on GitHub: short README, links that resolve
// (files and #anchors, by GitHub's heading slugs), and a heading outline that example output
// cannot break. Pure file reads: no Markdown renderer, no network.
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const docsDir = path.join(root, "docs");
const docFiles = fs
  .readdirSync(docsDir)
  .filter((f) => f.endsWith(".md"))
  .sort()
  .map((f) => path.join("docs", f));
const files = ["README.md", ...docFiles];

interface Heading {
  readonly level: number;
  readonly text: string;
  readonly line: number;
}
interface Link {
  readonly target: string;
  readonly line: number;
}
interface Parsed {
  readonly headings: readonly Heading[];
  readonly links: readonly Link[];
  /** Lines inside fenced or indented code, with a heading-like text (for the messages). */
  readonly codeLines: readonly number[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const LIST_ITEM = /^ {0,3}(?:[-*+]|\d+[.)])[ \t]/;

/**
 * A small CommonMark-shaped scanner: fenced blocks (``` or ~~~, closed by the same character at
 * least as long), indented code (4+ spaces after a blank line, outside a list), ATX and setext
 * headings, and inline links and images outside code spans.
 */
function parse(text: string): Parsed {
  const lines = text.split(/\r?\n/);
  const headings: Heading[] = [];
  const links: Link[] = [];
  const codeLines: number[] = [];
  let fence: { char: string; length: number } | undefined;
  let inIndented = false;
  let inList = false;
  let previousBlank = true;
  let paragraph: { text: string; line: number } | undefined;
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (fence) {
      const close = FENCE.exec(raw);
      if (close && close[1][0] === fence.char && close[1].length >= fence.length && close[2].trim() === "") fence = undefined;
      else if (/^\s*#{1,6}\s/.test(raw)) codeLines.push(n);
      return;
    }
    const blank = raw.trim() === "";
    if (blank) {
      previousBlank = true;
      paragraph = undefined;
      return;
    }
    const indent = /^(?: {4}|\t)/.test(raw);
    if (indent && !inList && (previousBlank || inIndented) && !paragraph) {
      inIndented = true;
      previousBlank = false;
      if (/^\s*#{1,6}\s/.test(raw)) codeLines.push(n);
      return;
    }
    inIndented = false;
    if (!indent && LIST_ITEM.test(raw)) inList = true;
    else if (!indent && previousBlank) inList = false;
    previousBlank = false;
    const open = FENCE.exec(raw);
    if (open && !(open[1][0] === "`" && open[2].includes("`"))) {
      fence = { char: open[1][0], length: open[1].length };
      paragraph = undefined;
      return;
    }
    const atx = ATX.exec(raw);
    if (atx) {
      headings.push({ level: atx[1].length, text: (atx[2] ?? "").trim(), line: n });
      paragraph = undefined;
      return;
    }
    const setext = SETEXT.exec(raw);
    if (setext && paragraph && !raw.includes("|")) {
      headings.push({ level: setext[1][0] === "=" ? 1 : 2, text: paragraph.text.trim(), line: paragraph.line });
      paragraph = undefined;
      return;
    }
    paragraph = paragraph ? { text: `${paragraph.text} ${raw.trim()}`, line: paragraph.line } : { text: raw.trim(), line: n };
    const outsideCode = raw.replace(/(`+)[\s\S]*?\1/g, "");
    for (const m of outsideCode.matchAll(/!?\[(?:[^\]]|\\\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      links.push({ target: m[1], line: n });
  });
  return { headings, links, codeLines };
}

/** The text GitHub renders for a heading's inline Markdown. */
function renderedText(markdown: string): string {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/<[^>]+>/g, "") // inline HTML tags
    .replace(/`/g, "");
}

/** GitHub's anchor for a heading (github-slugger): lower case, punctuation removed except '-' and '_', spaces to '-'. */
function slug(markdown: string): string {
  return renderedText(markdown)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor of a file, duplicates numbered -1, -2, … as GitHub does. */
function anchors(headings: readonly Heading[]): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings) {
    const base = slug(h.text);
    let candidate = base;
    let count = seen.get(base) ?? 0;
    while (out.has(candidate)) candidate = `${base}-${++count}`;
    seen.set(base, count);
    out.add(candidate);
  }
  return out;
}

const parsed = new Map(files.map((f) => [f, parse(fs.readFileSync(path.join(root, f), "utf8"))]));

describe("slug rules (GitHub)", () => {
  test("GIVEN headings with code, punctuation, dashes and duplicates WHEN slugged THEN they match GitHub's anchors", () => {
    const hs = [
      "Saved plans and `TF_PLAN_ENCRYPTION_KEY`",
      "allow-destroy: reviewed, exact allowances",
      "1. `adopt: true` on the team",
      "Issue 13: what was removed",
      "A — B",
      "Usage",
      "Usage",
      "[Link](x.md) text",
    ];
    expect([...anchors(hs.map((text, line) => ({ level: 2, text, line })))]).toEqual([
      "saved-plans-and-tf_plan_encryption_key",
      "allow-destroy-reviewed-exact-allowances",
      "1-adopt-true-on-the-team",
      "issue-13-what-was-removed",
      "a--b",
      "usage",
      "usage-1",
      "link-text",
    ]);
  });

  test("GIVEN a heading inside a fence or an indented example WHEN parsed THEN it is not in the outline", () => {
    const p = parse(
      [
        "# Title",
        "",
        "```text",
        "## not a heading",
        "```",
        "",
        "    ## nor this",
        "",
        "## Real",
        "",
        "````md",
        "```",
        "# still code",
        "````",
      ].join("\n"),
    );
    expect(p.headings.map((h) => h.text)).toEqual(["Title", "Real"]);
    expect(p.codeLines).toEqual([4, 7, 13]);
  });
});

describe("README.md", () => {
  test("GIVEN the README WHEN counted THEN it is under 250 lines", () => {
    const lines = fs.readFileSync(path.join(root, "README.md"), "utf8").replace(/\n$/, "").split("\n").length;
    expect(lines).toBeLessThan(250);
  });

  test("GIVEN the README's More list WHEN read THEN it links every docs/*.md file", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const start = readme.indexOf("\n## More\n");
    expect(start).toBeGreaterThan(0);
    const end = readme.indexOf("\n## ", start + 1);
    const more = parse(readme.slice(start, end < 0 ? undefined : end));
    const linked = new Set(more.links.map((l) => path.normalize(l.target.split("#")[0])));
    expect(docFiles.filter((f) => !linked.has(f))).toEqual([]);
  });
});

describe.each(files)("%s", (file) => {
  const { headings, links } = parsed.get(file)!;

  test("GIVEN its outline WHEN read THEN one H1 at the top, no level skipped", () => {
    const problems: string[] = [];
    if (headings[0]?.level !== 1 || headings[0].line !== 1)
      problems.push(`line 1 is not the H1 (first heading: ${JSON.stringify(headings[0])})`);
    headings.slice(1).forEach((h, i) => {
      if (h.level === 1) problems.push(`line ${h.line}: a second H1 "${h.text}"`);
      if (h.level > headings[i].level + 1)
        problems.push(`line ${h.line}: "${h.text}" is H${h.level} after H${headings[i].level} (line ${headings[i].line})`);
    });
    expect(problems).toEqual([]);
  });

  test("GIVEN its relative links WHEN resolved THEN every file exists and every #anchor is a heading of its target", () => {
    const problems: string[] = [];
    for (const { target, line } of links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [pathPart, anchor] = target.split("#", 2);
      const resolved = pathPart === "" ? file : path.normalize(path.join(path.dirname(file), decodeURIComponent(pathPart)));
      if (resolved.startsWith("..") || !fs.existsSync(path.join(root, resolved))) {
        problems.push(`line ${line}: ${target}: ${resolved} does not exist`);
        continue;
      }
      if (anchor === undefined) continue;
      const targetParsed =
        parsed.get(resolved) ?? (resolved.endsWith(".md") ? parse(fs.readFileSync(path.join(root, resolved), "utf8")) : undefined);
      if (!targetParsed) continue; // an anchor into source (#L10) is not a heading
      if (!anchors(targetParsed.headings).has(decodeURIComponent(anchor)))
        problems.push(`line ${line}: ${target}: no heading "#${anchor}" in ${resolved}`);
    }
    expect(problems).toEqual([]);
  });
});
