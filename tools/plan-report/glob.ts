/**
 * Address globs for `--protect` and `--allow-destroy`.
 *
 * `*` matches any run of characters (dots and brackets included), `?` one character; everything
 * else is literal, so `azurerm_key_vault.kv["a"]` needs no escaping. A pattern without a dot is
 * a resource type (`azurerm_key_vault`, `azurerm_*`); a pattern with a dot is an address
 * (`module.apps.*`, `azurerm_role_assignment.kubelet_*`).
 */

/** A compiled pattern; `source` is what the user wrote, for messages. */
export interface ResourceMatcher {
  readonly source: string;
  matches(address: string, type: string): boolean;
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (const ch of glob) {
    if (ch === "*") re += "[\\s\\S]*";
    else if (ch === "?") re += "[\\s\\S]";
    else re += ch.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** True when the pattern names a resource type rather than an address. */
export function isTypePattern(pattern: string): boolean {
  return !pattern.includes(".");
}

/** Compiles a type-or-address pattern (see the module comment). */
export function resourceMatcher(pattern: string): ResourceMatcher {
  const re = globToRegExp(pattern);
  return isTypePattern(pattern)
    ? { source: pattern, matches: (_address, type) => re.test(type) }
    : { source: pattern, matches: (address) => re.test(address) };
}

/** Compiles an address glob; `*` alone matches every address. */
export function addressMatcher(pattern: string): ResourceMatcher {
  const re = globToRegExp(pattern);
  return { source: pattern, matches: (address) => re.test(address) };
}

/** Splits a list given in one string (environment variable): commas, spaces or new lines. */
export function splitPatterns(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
