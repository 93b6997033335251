/**
 * Streaming: CRLF, ANSI colour codes, JSON-formatted lines, lines split across chunks,
 * over-long lines, and 10,000 repeats folded into one finding.
 */
import * as fs from "fs";
import * as path from "path";
import { Readable } from "stream";
import { Analyzer } from "../tools/doctor/analyzer";
import { LineSplitter } from "../tools/doctor/lines";
import { normalizeLine } from "../tools/doctor/normalize";

const LOGS = path.join(__dirname, "fixtures", "logs");
const STEP7 = fs.readFileSync(path.join(LOGS, "guide-step7-mic.log"), "utf8").split("\n")[0];
const STEP4 = fs.readFileSync(path.join(LOGS, "guide-step4-keyvault-reader.log"), "utf8").split("\n")[0];

describe("LineSplitter", () => {
  it("GIVEN lines split at arbitrary chunk boundaries WHEN pushed THEN the same lines come out", () => {
    const text = "alpha\r\nbeta\n\ngamma-without-newline";
    for (let size = 1; size <= text.length; size++) {
      const got: string[] = [];
      const s = new LineSplitter((l) => got.push(l));
      for (let i = 0; i < text.length; i += size) s.push(text.slice(i, i + size));
      s.end();
      expect(got).toEqual(["alpha\r", "beta", "", "gamma-without-newline"]);
    }
  });

  it("GIVEN a line longer than the limit WHEN pushed in pieces THEN it is cut, counted, and the next line is intact", () => {
    const got: string[] = [];
    const s = new LineSplitter((l) => got.push(l), 10);
    s.push("0123456789abc");
    s.push("defghij");
    s.push("klm\nnext\n");
    s.end();
    expect(got).toEqual(["0123456789", "next"]);
    expect(s.truncatedLines).toBe(1);
  });
});

describe("normalizeLine", () => {
  it("GIVEN CRLF and ANSI colours THEN both are gone and the klog timestamp is read", () => {
    const n = normalizeLine(`\x1b[31m${STEP7.slice(0, 40)}\x1b[0m rest\r`);
    expect(n.text).toBe(`${STEP7.slice(0, 40)} rest`);
    expect(n.timestamp?.display).toBe("12-15 23:46:00.914853");
  });

  it("GIVEN a Docker json-file line holding a klog line THEN the message is unwrapped and the JSON time wins", () => {
    const n = normalizeLine(JSON.stringify({ log: `${STEP7}\n`, stream: "stderr", time: "2021-12-15T23:46:00.914853123Z" }));
    expect(n.text.startsWith("E1215 23:46:00.914853")).toBe(true);
    expect(n.timestamp?.display).toBe("2021-12-15T23:46:00.914853123Z");
  });

  it("GIVEN a klog JSON line (ts in milliseconds) THEN msg and err are the text", () => {
    const n = normalizeLine(
      JSON.stringify({
        ts: 1639614360914.853,
        caller: "mic/mic.go:1111",
        msg: "failed to update user-assigned identities",
        err: "boom",
        v: 0,
      }),
    );
    expect(n.text).toBe("failed to update user-assigned identities boom");
    expect(n.timestamp?.display).toBe("2021-12-16T00:26:00.914Z");
  });

  it("GIVEN kubectl --timestamps before a line THEN that RFC 3339 time is used", () => {
    const n = normalizeLine(`2021-12-16T00:38:19.000000001Z ${STEP4}`);
    expect(n.timestamp?.display).toBe("2021-12-16T00:38:19.000000001Z");
    expect(n.text.startsWith("2021/12/16 00:38:19 failed to retrieve")).toBe(true);
  });
});

describe("Analyzer on a stream", () => {
  it("GIVEN the same MIC failure 10,000 times among noise, in CRLF, colour and JSON forms WHEN streamed THEN it is one finding with a count and first/last timestamps", async () => {
    // GIVEN
    const parts: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const sec = String(i % 60).padStart(2, "0");
      const min = String(10 + Math.floor(i / 3600)).padStart(2, "0");
      const minute = String(Math.floor(i / 60) % 60).padStart(2, "0");
      const line = STEP7.replace("E1215 23:46:00.914853", `E1215 ${min}:${minute}:${sec}.000${String(i).padStart(3, "0").slice(-3)}`);
      if (i % 3 === 0) parts.push(`${line}\r\n`);
      else if (i % 3 === 1) parts.push(`\x1b[0;31m${line}\x1b[0m\n`);
      else parts.push(`${JSON.stringify({ log: `${line}\n`, stream: "stderr" })}\n`);
      parts.push(`I1215 10:00:00.000000       1 mic.go:1023] noise line ${i}\n`);
    }
    const stream = Readable.from(parts.join("").match(/[\s\S]{1,65536}/g) ?? []);
    // WHEN
    const a = new Analyzer();
    await a.readStream(stream, "big.log");
    const findings = a.findings();
    // THEN
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f.id).toBe("missing-node-resource-group-roles");
    expect(f.count).toBe(10_000);
    expect(f.first?.display).toBe("12-15 10:00:00.000000");
    expect(f.last?.display).toBe("12-15 12:46:39.000999");
    expect(f.values.principalId).toEqual(["b9276f33-e80c-4f09-9cdf-24c28c0feea4"]);
    expect(a.stats).toMatchObject({ lines: 20_000, recognized: 10_000, skipped: 10_000 });
  });

  it("GIVEN many distinct pods WHEN analysed THEN values per field are capped and marked as truncated", () => {
    const a = new Analyzer({ maxValuesPerField: 3 });
    const text = Array.from(
      { length: 5 },
      (_, i) =>
        `E0512 09:14:0${i}.000000       1 server.go:375] failed to get matching identities for pod: ns1/p${i}, error: getting assigned identities for pod ns1/p${i} in CREATED state failed after 16 attempts, retry duration [5]s, error: <nil>.`,
    ).join("\n");
    a.text(text);
    const [f] = a.findings();
    expect(f.count).toBe(5);
    expect(f.values.pod).toEqual(["ns1/p0", "ns1/p1", "ns1/p2"]);
    expect([...f.valuesTruncated]).toEqual(["pod"]);
  });

  it("GIVEN only unrelated lines WHEN analysed THEN there is no finding and every line counts as skipped", () => {
    const a = new Analyzer();
    a.text('hello\nworld\n{"msg":"all good"}\n');
    expect(a.findings()).toEqual([]);
    expect(a.stats).toMatchObject({ lines: 3, recognized: 0, skipped: 3 });
  });
});
