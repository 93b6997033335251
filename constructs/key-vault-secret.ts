import { Construct } from "constructs";
import { type ITerraformDependable, TerraformStack, TerraformVariable, type TerraformProvider } from "cdktf";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { Checker, Rules } from "./validation";

/** Variable names used per stack: two secrets sharing one would silently share one value. */
const VARIABLES_BY_STACK = new WeakMap<TerraformStack, Map<string, string>>();

/** Props of {@link VaultSecret}. */
export interface VaultSecretProps {
  /** ARM ID of the vault. */
  readonly keyVaultId: string;
  /** Secret name, 1–127 letters, digits and hyphens. */
  readonly name: string;
  /**
   * `variable`: Terraform writes the value through the write-only `value_wo`, fed by a
   * sensitive, ephemeral variable, so it is in neither `cdk.tf.json`, the plan nor the state.
   * `external`: the value is set out of band (`az keyvault secret set`); nothing is created.
   * @default "variable"
   */
  readonly source?: "variable" | "external";
  /**
   * Name of the Terraform variable (`TF_VAR_<name>`).
   * @default - `secret_` + the secret name with hyphens as underscores
   */
  readonly variableName?: string;
  /** @default "text/plain" */
  readonly contentType?: string;
  /** RFC 3339 UTC expiry (CKV_AZURE_41). @default - none (a policy violation) */
  readonly expirationDate?: string;
  /** Bump to write the variable's value again. @default 1 */
  readonly valueVersion?: number;
  /** `lifecycle.prevent_destroy`. @default false */
  readonly preventDestroy?: boolean;
  /** What must exist before the value is written, e.g. Terraform's own access to the vault. @default [] */
  readonly requires?: readonly ITerraformDependable[];
  /** @default - the stack's default azurerm provider */
  readonly provider?: TerraformProvider;
}

/**
 * Guide step 2: a Key Vault secret whose value never enters Terraform's files.
 * The operator sets `TF_VAR_<variableName>` for `cdktf deploy`; the variable is
 * `sensitive` and `ephemeral`, and the value goes to the write-only `value_wo`.
 * To rotate, set the new value and bump `valueVersion`.
 */
export class VaultSecret extends Construct {
  /** Secret name in the vault. */
  public readonly secretName: string;
  /** The variable an operator sets, when `source` is `variable`. */
  public readonly variableName?: string;
  /** The azurerm_key_vault_secret, when `source` is `variable`. */
  public readonly resource?: KeyVaultSecret;

  constructor(scope: Construct, id: string, props: VaultSecretProps) {
    super(scope, id);
    const check = new Checker(this.node.path);
    check.check("name", props.name, Rules.secretName);
    check.check("expirationDate", props.expirationDate, Rules.rfc3339);
    check.check("valueVersion", props.valueVersion, Rules.secretValueVersion);
    const variableName = props.variableName ?? `secret_${props.name.replace(/-/g, "_")}`;
    check.check("variableName", variableName, Rules.terraformVariableName);
    const external = (props.source ?? "variable") === "external";
    const stack = TerraformStack.of(this);
    const used = VARIABLES_BY_STACK.get(stack) ?? new Map<string, string>();
    VARIABLES_BY_STACK.set(stack, used);
    const owner = used.get(variableName);
    if (!external && owner !== undefined) {
      check.add(
        "variableName",
        variableName,
        `is already the variable of ${owner}: both secrets would get one value`,
        "give each secret its own variableName (the default is unique per vault and secret)",
      );
    }
    check.throwIfAny();
    this.secretName = props.name;
    if (external) return;
    used.set(variableName, this.node.path);

    const value = new TerraformVariable(this, "Value", {
      type: "string",
      sensitive: true,
      nullable: false,
      description: `Value of Key Vault secret ${props.name}. Write-only: never stored in plan or state. Set TF_VAR_${variableName}.`,
    });
    value.overrideLogicalId(variableName);
    // cdktf has no prop for ephemeral variables (Terraform ≥ 1.10).
    value.addOverride("ephemeral", true);
    this.variableName = variableName;

    this.resource = new KeyVaultSecret(this, "Resource", {
      name: props.name,
      keyVaultId: props.keyVaultId,
      valueWo: value.stringValue,
      valueWoVersion: props.valueVersion ?? 1,
      contentType: props.contentType ?? "text/plain",
      expirationDate: props.expirationDate,
      provider: props.provider,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
      dependsOn: props.requires?.length ? [...props.requires] : undefined,
    });
  }
}
