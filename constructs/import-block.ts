import { TerraformElement, type TerraformProvider, type TerraformResource } from "cdktf";
import type { Construct } from "constructs";

/** Props of {@link ImportBlock}. */
export interface ImportBlockProps {
  /** The resource of this stack that the existing object becomes. */
  readonly resource: TerraformResource;
  /** The provider's import ID of the existing object (an Azure resource ID, a Kubernetes name, …). */
  readonly importId: string;
  /**
   * The provider that reads the existing object.
   * @default the resource's own provider (Terraform's default for an import block)
   */
  readonly provider?: TerraformProvider;
}

/**
 * A Terraform `import` block: brings an object that already exists (made by hand, as the guide's
 * steps make them) under a resource of this stack on the next apply. It writes exactly what
 * cdktf's `resource.importFrom(id)` writes, JSON and HCL (test/import-block.test.ts), without
 * the construct validation `importFrom` adds: that one runs `terraform version` for every
 * imported resource at every synth (~0.13 s each) and fails the synth where no terraform is on
 * PATH, such as the pull-request job that synthesizes before any Terraform step. Import blocks
 * need Terraform ≥ 1.5; {@link AppIdentityStack} requires ≥ 1.11, which Terraform itself enforces.
 */
export class ImportBlock extends TerraformElement {
  /** Imports `importId` into `resource`; the block is a child of the resource, named "Import". */
  public static into(resource: TerraformResource, importId: string, provider?: TerraformProvider): ImportBlock {
    return new ImportBlock(resource, "Import", { resource, importId, provider });
  }

  private readonly props: ImportBlockProps;

  constructor(scope: Construct, id: string, props: ImportBlockProps) {
    super(scope, id);
    this.props = props;
  }

  /** The import block's `to`: the resource's address. */
  public get to(): string {
    return `${this.props.resource.terraformResourceType}.${this.props.resource.friendlyUniqueId}`;
  }

  public override toTerraform(): Record<string, unknown> {
    return { import: [{ provider: this.props.provider?.fqn, id: this.props.importId, to: this.to }] };
  }

  public override toHclTerraform(): Record<string, unknown> {
    const provider = this.props.provider;
    return {
      import: [
        {
          to: { value: this.to, type: "simple", storageClassType: "reference" },
          id: { value: this.props.importId, type: "simple", storageClassType: "string" },
          provider: provider ? { value: provider.fqn, type: "simple", storageClassType: "reference" } : undefined,
        },
      ],
    };
  }

  public override toMetadata(): Record<string, unknown> {
    return { imports: { [this.props.resource.terraformResourceType]: [this.props.resource.friendlyUniqueId] } };
  }
}
