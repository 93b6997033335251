import type { IConstruct } from "constructs";
import { DefaultTokenResolver, StringConcat, Tokenization } from "cdktf";

/** The policy's token resolver: rules see attributes as `cdk.tf.json` will hold them. */

const RESOLVER = new DefaultTokenResolver(new StringConcat());
/** Resolves tokens the way synthesis does (`${azurerm_key_vault.x.id}`). */
export function resolveIn<T>(scope: IConstruct, obj: T): T {
  return Tokenization.resolve(obj, { scope, resolver: RESOLVER, preparing: false }) as T;
}
