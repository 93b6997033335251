import type { Construct } from "constructs";
import { Aspects, TerraformStack } from "cdktf";
import { SecurityPolicy } from "../constructs/policy";
import type { EnvironmentConfig } from "../config/types";
import { configureBackend, resolveBackend } from "./backend";

/** Terraform ≥ 1.11: write-only attributes (`value_wo`) and ephemeral variables. */
export const REQUIRED_TERRAFORM = ">= 1.11.0";

/** Common wiring of every stack of an environment: backend, Terraform version, policy. */
export abstract class EnvironmentStack extends TerraformStack {
  /** The policy aspect of this stack; its findings are reported after synth. */
  public readonly policy: SecurityPolicy;

  protected constructor(scope: Construct, name: string, env: EnvironmentConfig, vars: NodeJS.ProcessEnv) {
    super(scope, name);
    configureBackend(this, name, resolveBackend(env, vars));
    // Rendered by `cdktf synth --hcl` too since patches/cdktf+0.21.0.patch (docs/exit.md).
    this.addOverride("terraform.required_version", REQUIRED_TERRAFORM);
    this.policy = new SecurityPolicy({
      requirePurgeProtection: env.dataProtection.requirePurgeProtection,
      requirePreventDestroy: env.dataProtection.preventDestroy,
    });
    Aspects.of(this).add(this.policy);
  }
}
