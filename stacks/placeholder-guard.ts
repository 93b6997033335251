import { Annotations, TerraformLocal, TerraformOutput, type TerraformStack } from "cdktf";
import { formatPlaceholder, type PlaceholderUse } from "../config/placeholders";

/** Name of the local and output that carry a stack's placeholders (read by `npm run deploy` and tests). */
export const PLACEHOLDER_MARKER = "aksid_placeholders";

/**
 * Marks a stack that still contains placeholders: each is a synth warning (so `npm run synth`
 * lists them, offline), and the stack gets an output whose precondition fails at
 * `terraform plan` with the same list. So `cdktf diff`/`cdktf deploy`, `npm run deploy`, the
 * deploy workflow's `terraform plan` and plain Terraform all refuse to plan or apply it.
 * A stack without placeholders gets nothing.
 */
export function guardPlaceholders(stack: TerraformStack, context: string, uses: readonly PlaceholderUse[]): string[] {
  if (uses.length === 0) return [];
  const lines = uses.map((u) => formatPlaceholder(context, u));
  for (const line of lines) Annotations.of(stack).addWarning(line);
  const local = new TerraformLocal(stack, "PlaceholderList", lines);
  local.overrideLogicalId(PLACEHOLDER_MARKER);
  const output = new TerraformOutput(stack, "PlaceholderGuard", {
    value: local.asList,
    description: "Placeholders left in config/environments.ts; this stack refuses to plan until they are replaced.",
    precondition: {
      // Refers to the local: Terraform rejects conditions that refer to nothing.
      condition: `\${length(local.${PLACEHOLDER_MARKER}) == 0}`,
      errorMessage: [
        `Stack ${stack.node.id} still contains ${lines.length} placeholder(s) from config/environments.ts; nothing is planned or applied.`,
        ...lines.map((l) => `  - ${l}`),
        "Fix: replace each placeholder(...) with the real value (or a cluster lookup), then synth again.",
      ].join("\n"),
    },
  });
  output.overrideLogicalId(PLACEHOLDER_MARKER);
  return lines;
}
