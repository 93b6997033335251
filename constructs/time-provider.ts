import type { TerraformStack } from "cdktf";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";

/** Construct id of the stack's `time` provider. */
export const TIME_PROVIDER_ID = "Time";

/**
 * The stack's `hashicorp/time` provider (for `time_sleep`), created on first use so that
 * stacks without a wait do not need the provider at `terraform init`.
 */
export function timeProvider(stack: TerraformStack): TimeProvider {
  const existing = stack.node.tryFindChild(TIME_PROVIDER_ID);
  if (existing instanceof TimeProvider) return existing;
  return new TimeProvider(stack, TIME_PROVIDER_ID, {});
}
