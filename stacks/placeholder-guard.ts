import { TerraformLocal, TerraformOutput, type TerraformStack } from "cdktf";
import { PLACEHOLDER_MARKER } from "../tools/deploy-guard/check";
import { formatPlaceholder, type PlaceholderUse } from "../config/placeholders";
import { escapeTerraformTemplate } from "../config/schema";

export { PLACEHOLDER_MARKER };

/** Metadata type of the placeholder lines on a stack (listed by the synth). */
export const PLACEHOLDER_METADATA = "aksid/placeholder";

/** The placeholder lines recorded on a stack by {@link guardPlaceholders}. */
export function placeholderLines(stack: TerraformStack): string[] {
  return stack.node.metadata.filter((m) => m.type === PLACEHOLDER_METADATA).map((m) => String(m.data));
}

/**
 * Marks a stack that still contains placeholders: each is recorded on the stack (so `npm run
 * synth` lists them, offline), the local `aksid_placeholders` lists them (read by `npm run
 * deploy` and the deploy workflow through tools/deploy-guard before anything runs), and an
 * output's precondition fails `terraform plan` with the same list. So `cdktf diff`/`cdktf
 * deploy` and plain Terraform refuse to plan or apply it too.
 * A stack without placeholders gets nothing.
 */
export function guardPlaceholders(stack: TerraformStack, context: string, uses: readonly PlaceholderUse[]): string[] {
  if (uses.length === 0) return [];
  const lines = uses.map((u) => formatPlaceholder(context, u));
  for (const line of lines) stack.node.addMetadata(PLACEHOLDER_METADATA, line);
  // Notes are read literally by Terraform, whatever they hold.
  const literal = lines.map(escapeTerraformTemplate);
  const local = new TerraformLocal(stack, "PlaceholderList", literal);
  local.overrideLogicalId(PLACEHOLDER_MARKER);
  const output = new TerraformOutput(stack, "PlaceholderGuard", {
    value: local.asList,
    description: "Placeholders left in config/environments.ts; this stack refuses to plan until they are replaced.",
  });
  // cdktf 0.21 accepts `precondition` on an output but does not write it to cdk.tf.json (tested in
  // test/placeholder-guard.test.ts with the real terraform binary): write the block itself.
  output.addOverride("precondition", [
    {
      // Refers to the local: Terraform rejects conditions that refer to nothing.
      condition: `\${length(local.${PLACEHOLDER_MARKER}) == 0}`,
      error_message: [
        `Stack ${stack.node.id} still contains ${lines.length} placeholder(s) from config/environments.ts; nothing is planned or applied.`,
        ...literal.map((l) => `- ${l}`),
        "Fix: replace each placeholder(...) with the real value (or a cluster lookup), then synth again.",
        // One line: cdktf's HCL export (`synth --hcl`) writes a newline into a quoted string, which HCL refuses.
      ].join(" "),
    },
  ]);
  output.overrideLogicalId(PLACEHOLDER_MARKER);
  return lines;
}
