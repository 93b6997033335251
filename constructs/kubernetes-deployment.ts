import type { Construct } from "constructs";
import { type ITerraformDependable, type TerraformProvider, TerraformResource, Tokenization } from "cdktf";

/**
 * `kubernetes_deployment_v1` with the fields this project's workloads write, and no more.
 *
 * Why not `DeploymentV1` of `@cdktf/provider-kubernetes/lib/deployment-v1`: that binding
 * brings 5.4 MB of generated structs (every volume type, probe and affinity of the pod spec).
 * Loading them took 110 ms of the default app's 0.53 s synth (the largest single cost, more
 * than cdktf's own load) and again in every test file that builds a workload. This class is
 * the same kind of binding, written for the subset {@link KeyVaultReaderWorkload} uses: the
 * same resource type, the same JSON and HCL. `test/kubernetes-deployment.test.ts` synthesizes
 * each shape through both bindings and requires identical output, and type-checks that
 * {@link KubernetesDeploymentConfig} is assignable to the generated `DeploymentV1Config`, so
 * a field renamed upstream fails the tests. Anything else: `addOverride`.
 */

/** `metadata` of the Deployment and of its pod template. */
export interface KubernetesObjectMetadata {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: { [key: string]: string };
  readonly annotations?: { [key: string]: string };
}

/** A container of the pod template. */
export interface KubernetesContainer {
  readonly name: string;
  readonly image?: string;
  readonly imagePullPolicy?: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: { readonly name: string; readonly value?: string }[];
  readonly resources?: { readonly limits?: { [key: string]: string }; readonly requests?: { [key: string]: string } };
  readonly securityContext?: {
    readonly allowPrivilegeEscalation?: boolean;
    readonly readOnlyRootFilesystem?: boolean;
    readonly runAsNonRoot?: boolean;
    readonly privileged?: boolean;
    readonly capabilities?: { readonly add?: string[]; readonly drop?: string[] };
  };
  readonly volumeMount?: { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
}

/** A volume of the pod template (CSI only: the Secrets Store CSI driver). */
export interface KubernetesVolume {
  readonly name?: string;
  readonly csi?: { readonly driver: string; readonly readOnly?: boolean; readonly volumeAttributes?: { [key: string]: string } };
}

/** Config of {@link KubernetesDeployment}: `DeploymentV1Config`'s names and types, for the fields it has. */
export interface KubernetesDeploymentConfig {
  readonly metadata: KubernetesObjectMetadata;
  readonly spec: {
    readonly replicas?: string;
    readonly selector: { readonly matchLabels?: { [key: string]: string } };
    readonly template: {
      readonly metadata: KubernetesObjectMetadata;
      readonly spec: {
        readonly serviceAccountName?: string;
        readonly automountServiceAccountToken?: boolean;
        readonly restartPolicy?: string;
        readonly securityContext?: {
          readonly runAsNonRoot?: boolean;
          readonly runAsUser?: string;
          readonly runAsGroup?: string;
          readonly seccompProfile?: { readonly type?: string };
        };
        readonly container?: KubernetesContainer[];
        readonly volume?: KubernetesVolume[];
      };
    };
  };
  readonly dependsOn?: ITerraformDependable[];
  /** @default - the stack's default kubernetes provider */
  readonly provider?: TerraformProvider;
}

// The provider schema of the fields above, by Terraform name. A block is `single` (one
// nested block, max_items = 1: an object in JSON) or `list` (repeated: an array in JSON).
type Leaf = "string" | "boolean" | "stringList" | "stringMap";
interface Block {
  readonly block: "single" | "list";
  readonly fields: Schema;
}
type Schema = { readonly [terraformName: string]: Leaf | Block };

const single = (fields: Schema): Block => ({ block: "single", fields });
const list = (fields: Schema): Block => ({ block: "list", fields });
const METADATA = single({ annotations: "stringMap", labels: "stringMap", name: "string", namespace: "string" });
const SCHEMA: Schema = {
  metadata: METADATA,
  spec: single({
    replicas: "string",
    selector: single({ match_labels: "stringMap" }),
    template: single({
      metadata: METADATA,
      spec: single({
        automount_service_account_token: "boolean",
        container: list({
          args: "stringList",
          command: "stringList",
          env: list({ name: "string", value: "string" }),
          image: "string",
          image_pull_policy: "string",
          name: "string",
          resources: single({ limits: "stringMap", requests: "stringMap" }),
          security_context: single({
            allow_privilege_escalation: "boolean",
            capabilities: single({ add: "stringList", drop: "stringList" }),
            privileged: "boolean",
            read_only_root_filesystem: "boolean",
            run_as_non_root: "boolean",
          }),
          volume_mount: list({ mount_path: "string", name: "string", read_only: "boolean" }),
        }),
        restart_policy: "string",
        security_context: single({
          run_as_group: "string",
          run_as_non_root: "boolean",
          run_as_user: "string",
          seccomp_profile: single({ type: "string" }),
        }),
        service_account_name: "string",
        volume: list({
          csi: single({ driver: "string", read_only: "boolean", volume_attributes: "stringMap" }),
          name: "string",
        }),
      }),
    }),
  }),
};

const camel = (terraformName: string) => terraformName.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
type Props = { readonly [key: string]: unknown };
/** A value cdktf resolves later (a token), passed through as it is, like the generated bindings do. */
const opaque = (v: unknown) => typeof v !== "object" || v === null || Tokenization.isResolvable(v);

/** `cdk.tf.json` attributes: Terraform names, undefined fields left out. */
function toJson(props: Props, schema: Schema): Props {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(schema)) {
    const v = props[camel(name)];
    if (v === undefined) continue;
    if (typeof kind === "string" || opaque(v)) out[name] = v;
    else if (kind.block === "list" && Array.isArray(v)) out[name] = v.map((e: Props) => toJson(e, kind.fields));
    else out[name] = toJson(v as Props, kind.fields);
  }
  return out;
}

const LEAF_HCL: Record<Leaf, { type: string; storageClassType: string }> = {
  string: { type: "simple", storageClassType: "string" },
  boolean: { type: "simple", storageClassType: "boolean" },
  stringList: { type: "list", storageClassType: "stringList" },
  stringMap: { type: "map", storageClassType: "stringMap" },
};

/**
 * HCL attributes (`cdktf synth --hcl`): each value with its block/attribute kind, as cdktf's
 * renderer reads them; attributes before blocks, as the generated bindings order them.
 */
function toHcl(props: Props, schema: Schema): Props {
  const attributes: Record<string, unknown> = {};
  const blocks: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(schema)) {
    const v = props[camel(name)];
    if (v === undefined) continue;
    if (typeof kind === "string") attributes[name] = { value: v, isBlock: false, ...LEAF_HCL[kind] };
    else {
      const value = opaque(v) ? v : Array.isArray(v) ? v.map((e: Props) => toHcl(e, kind.fields)) : toHcl(v as Props, kind.fields);
      blocks[name] = { value, isBlock: true, type: "list", storageClassType: `${name}List` };
    }
  }
  return { ...attributes, ...blocks };
}

/** A `kubernetes_deployment_v1` resource (see the file's header for why it is not `DeploymentV1`). */
export class KubernetesDeployment extends TerraformResource {
  public static readonly tfResourceType = "kubernetes_deployment_v1";
  private readonly config: Props;

  constructor(scope: Construct, id: string, config: KubernetesDeploymentConfig) {
    super(scope, id, {
      terraformResourceType: KubernetesDeployment.tfResourceType,
      terraformGeneratorMetadata: { providerName: "kubernetes" },
      provider: config.provider,
      dependsOn: config.dependsOn,
    });
    this.config = { metadata: config.metadata, spec: config.spec };
  }

  /** The Deployment's Terraform ID, `<namespace>/<name>`. */
  public get id(): string {
    return this.getStringAttribute("id");
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return toJson(this.config, SCHEMA);
  }

  protected synthesizeHclAttributes(): { [name: string]: unknown } {
    return toHcl(this.config, SCHEMA);
  }
}
