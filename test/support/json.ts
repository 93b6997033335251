/**
 * Synthesized Terraform JSON, manifest.json and parsed tool output as the tests walk them:
 * any object in such a document, read by key. Its shape is what the assertions check, so it
 * is not typed ahead of them (the no-unsafe-* rules are off for test/ for the same reason).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON documents walked by key in tests; the assertions check their shape
export type Json = Record<string, any>;
