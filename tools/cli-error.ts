/**
 * One-line error reporting for the project's command-line tools: a known input error prints
 * its message, a file-system error its path and code, anything else its message; never a
 * stack trace. Returns the usage/input-error exit code, 2.
 */
export function reportCliError(tool: string, err: unknown, known: new (...args: never[]) => Error): number {
  if (err instanceof known) {
    process.stderr.write(`${tool}: ${err.message}\n`);
    return 2;
  }
  const e = err as NodeJS.ErrnoException;
  process.stderr.write(`${tool}: ${e.path ? `${e.path}: ` : ""}${e.code ?? e.message}\n`);
  return 2;
}
