/**
 * Jest setup (setupFilesAfterEnv): cheap stack captures for cdktf's tokens.
 *
 * cdktf records a full stack trace for every token it creates (`captureStackTrace` in
 * `cdktf/lib/tokens/private/stack-trace.js`, with `Error.stackTraceLimit` raised to the maximum),
 * to print it only if that token later fails to resolve. Under jest every such capture went
 * through jest's source-map formatter, frame by frame (each cdktf frame mapped through the
 * package's inline source map): a third of the CPU of a synthesizing test file, measured with
 * `node --cpu-prof` (test/stack-layout.test.ts: 2.0 s → 1.35 s user).
 *
 * The captures are plain `{ stack: "" }` holders, not errors. They get V8's own formatting here;
 * every real `Error` still goes to jest's formatter, so failing tests show TypeScript lines as before.
 * Nothing of cdktf or jest is patched: `Error.prepareStackTrace` is V8's public hook, set for
 * this test file's realm only.
 */
import { statSync } from "fs";
import * as path from "path";

/** The worker's own Error, whose `prepareStackTrace` jest installed: errors thrown by node's fs come from that realm. */
const WorkerError: ErrorConstructor = (() => {
  try {
    statSync(path.join(__dirname, "no-such-file-token-stacks"));
  } catch (e) {
    return (e as Error).constructor as ErrorConstructor;
  }
  return Error;
})();

const isError = (v: unknown): boolean => Object.prototype.toString.call(v) === "[object Error]";

Error.prepareStackTrace = (holder: unknown, frames: NodeJS.CallSite[]): unknown => {
  if (isError(holder) && WorkerError !== Error && typeof WorkerError.prepareStackTrace === "function")
    return WorkerError.prepareStackTrace(holder as Error, frames);
  // eslint-disable-next-line @typescript-eslint/restrict-template-expressions, @typescript-eslint/no-base-to-string -- V8's CallSite has its own toString (the "at" line's text), which @types/node does not declare
  return `${isError(holder) ? String(holder) : "Error"}${frames.map((f) => `\n    at ${f}`).join("")}`;
};
