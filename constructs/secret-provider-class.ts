import { Construct } from "constructs";
import { dependable, type ITerraformDependable, type TerraformProvider } from "cdktf";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import type { IKeyVault } from "./key-vault";
import type { IManagedIdentity } from "./managed-identity";
import { Checker, Rules, requireProps, MISSING_PROP_FIXES as FIX } from "./validation";
import { SECRET_PROVIDER_CLASS_API_VERSION } from "./facts";

/** Props of {@link SecretProviderClass}. */
export interface SecretProviderClassProps {
  /** Name of the SecretProviderClass. */
  readonly name: string;
  readonly namespace: string;
  /** The vault to read. */
  readonly keyVault: IKeyVault;
  /** The identity whose client ID the driver uses (workload identity). */
  readonly identity: IManagedIdentity;
  /**
   * Tenant the driver signs in to.
   * @default - the vault's tenant (`keyVault.tenantId`): one source of truth
   */
  readonly tenantId?: string;
  /** Secrets to mount; each must be in the vault. */
  readonly secretNames: readonly string[];
  /** @default - the stack's default kubernetes provider */
  readonly provider?: TerraformProvider;
}

/**
 * The Key Vault reader for workload identity: a `SecretProviderClass` of the Secrets
 * Store CSI driver (AKS add-on `azure-keyvault-secrets-provider`), with `clientID` set to
 * the app identity, so the driver reads the vault with the pod's federated token. The
 * guide's `az-keyvault-reader` sidecar asks NMI for a token and therefore works only
 * with pod identity.
 */
export class SecretProviderClass extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly secretNames: readonly string[];
  public readonly manifest: Manifest;

  constructor(scope: Construct, id: string, props: SecretProviderClassProps) {
    requireProps(scope, id, props, {
      keyVault: FIX.keyVault,
      identity: FIX.identity,
      secretNames: 'list the secrets to mount, e.g. ["db-password"]',
    });
    super(scope, id);
    const check = new Checker(this.node.path);
    check.check("name", props.name, Rules.objectName);
    check.check("namespace", props.namespace, Rules.namespace);
    const tenantId = props.tenantId ?? props.keyVault.tenantId;
    check.check("tenantId", tenantId, Rules.guid);
    if (props.secretNames.length === 0) check.add("secretNames", [], "is empty", "list the secrets to mount");
    for (const s of props.secretNames) {
      if (!props.keyVault.secretNames.includes(s)) {
        check.add(
          "secretNames",
          s,
          `is not a secret of vault "${props.keyVault.vaultName}"`,
          "add it to the vault, or mount a secret it holds",
        );
      }
    }
    check.throwIfAny();
    this.name = props.name;
    this.namespace = props.namespace;
    this.secretNames = [...props.secretNames];
    const objects = ["array:", ...props.secretNames.flatMap((s) => ["  - |", `    objectName: ${s}`, "    objectType: secret"])].join("\n");
    this.manifest = new Manifest(this, "Resource", {
      manifest: {
        apiVersion: SECRET_PROVIDER_CLASS_API_VERSION,
        kind: "SecretProviderClass",
        metadata: { name: props.name, namespace: props.namespace },
        spec: {
          provider: "azure",
          parameters: {
            usePodIdentity: "false",
            clientID: props.identity.clientId,
            keyvaultName: props.keyVault.vaultName,
            tenantId,
            objects,
          },
        },
      },
      provider: props.provider,
    });
  }

  public get dependables(): readonly ITerraformDependable[] {
    return [this.manifest];
  }

  /** Makes the SecretProviderClass wait for `deps` too (e.g. the namespace); keeps what it already waits for. */
  public addDependency(...deps: ITerraformDependable[]): void {
    this.manifest.dependsOn = [...(this.manifest.dependsOn ?? []), ...deps.map(dependable)];
  }
}
