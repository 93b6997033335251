/**
 * Line splitting for `doctor`: logs are read as streams, one chunk at a time, so a 1 GB
 * log runs in bounded memory. Only the current chunk and the unfinished tail of the
 * previous one are held; a line longer than {@link MAX_LINE_CHARS} is cut there (its
 * rest is skipped up to the next newline) so one runaway line cannot grow the buffer.
 */
import type { Readable } from "stream";

/** Longest line kept, in characters. Longer lines are truncated and counted. */
export const MAX_LINE_CHARS = 1024 * 1024;

/** Receives each complete line, without its `\n` (a trailing `\r` is left to the normalizer). */
export type LineHandler = (line: string) => void;

/**
 * Push-based splitter: `push` string chunks, get complete lines synchronously through the
 * handler, `end` flushes the last line. Synchronous on purpose: an async generator per line
 * costs more than the matching itself.
 */
export class LineSplitter {
  private tail = "";
  /** True while skipping the rest of an over-long line. */
  private skipping = false;
  /** Lines cut at {@link MAX_LINE_CHARS}. */
  truncatedLines = 0;

  constructor(
    private readonly onLine: LineHandler,
    private readonly maxLineChars: number = MAX_LINE_CHARS,
  ) {}

  push(chunk: string): void {
    let start = 0;
    let nl = chunk.indexOf("\n");
    while (nl !== -1) {
      if (this.skipping) {
        this.skipping = false;
      } else if (this.tail.length > 0) {
        const line = this.tail + chunk.slice(start, nl);
        this.tail = "";
        this.emit(line);
      } else {
        this.emit(chunk.slice(start, nl));
      }
      start = nl + 1;
      nl = chunk.indexOf("\n", start);
    }
    if (start < chunk.length && !this.skipping) {
      this.tail += chunk.slice(start);
      if (this.tail.length > this.maxLineChars) {
        // Emit what fits, drop the rest of this line.
        this.emit(this.tail);
        this.tail = "";
        this.skipping = true;
      }
    }
  }

  end(): void {
    if (!this.skipping && this.tail.length > 0) this.emit(this.tail);
    this.tail = "";
    this.skipping = false;
  }

  private emit(line: string): void {
    if (line.length > this.maxLineChars) {
      this.truncatedLines++;
      this.onLine(line.slice(0, this.maxLineChars));
    } else {
      this.onLine(line);
    }
  }
}

/** Reads a whole stream through a {@link LineSplitter}; resolves when the stream ends. */
export async function splitStream(stream: Readable, onLine: LineHandler): Promise<LineSplitter> {
  const splitter = new LineSplitter(onLine);
  stream.setEncoding("utf8");
  for await (const chunk of stream) splitter.push(chunk as string);
  splitter.end();
  return splitter;
}
