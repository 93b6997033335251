import type { Construct } from "constructs";
import { Aspects, TerraformStack } from "cdktf";
import { SecurityPolicy } from "../constructs/policy";
import type { EnvironmentConfig } from "../config/types";
import { requireTerraformVersion } from "../constructs/providers";
import { runValidations } from "../constructs/app-identity-stack";
import { configureBackend, resolveBackend } from "./backend";

export { REQUIRED_TERRAFORM } from "../constructs/providers";

/** Common wiring of every stack of an environment: backend, Terraform version, policy. */
export abstract class EnvironmentStack extends TerraformStack {
  /** The policy aspect of this stack; its findings are reported after synth. */
  public readonly policy: SecurityPolicy;

  protected constructor(scope: Construct, name: string, env: EnvironmentConfig, vars: NodeJS.ProcessEnv) {
    super(scope, name);
    configureBackend(this, name, resolveBackend(env, vars));
    requireTerraformVersion(this);
    this.policy = new SecurityPolicy({
      requirePurgeProtection: env.dataProtection.requirePurgeProtection,
      requirePreventDestroy: env.dataProtection.preventDestroy,
    });
    Aspects.of(this).add(this.policy);
  }

  /** Every construct validation problem at once, with context, field, value and fix (synthesize.ts prints them). */
  public override runAllValidations(): void {
    runValidations(this);
  }
}
