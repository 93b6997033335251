/**
 * Placeholders: values the guide does not give, written in the config as
 * `placeholder("MC_rg-aks-prod-container-westus2", "az aks show -n <cluster> -g <rg> --query nodeResourceGroup -o tsv")`.
 * The value stays a string of its field's type (so synth works offline), but it is marked:
 * `npm run synth` lists every placeholder with where to find the real value, and every
 * stack that contains one refuses to plan (a Terraform output precondition), so
 * `cdktf deploy`, `npm run deploy` and the deploy workflow stop with that list.
 */

/** A string marked as a placeholder (typed marker; assignable wherever a string goes). */
export type Placeholder = string & { readonly __placeholder: true };

/** One placeholder found in a config object. */
export interface PlaceholderUse {
  /** Field path, e.g. `cluster.agentPool.nodeResourceGroupName`. */
  readonly field: string;
  readonly value: string;
  /** Where to find the real value. */
  readonly where: string;
}

const REGISTRY = new Map<string, string>();

/** Marks `value` as a guess that must be replaced before deploying; `where` says how to find the real one. */
export function placeholder(value: string, where: string): Placeholder {
  if (!where || !where.trim()) throw new Error(`placeholder("${value}") needs a note saying where to find the real value`);
  REGISTRY.set(value, where);
  return value as Placeholder;
}

/** Where to find the real value, when `value` is a placeholder. */
export function placeholderNote(value: unknown): string | undefined {
  return typeof value === "string" ? REGISTRY.get(value) : undefined;
}

/** Every placeholder in `obj` (walked recursively), with its field path. */
export function findPlaceholders(obj: unknown, prefix = ""): PlaceholderUse[] {
  const out: PlaceholderUse[] = [];
  const walk = (v: unknown, path: string): void => {
    const where = placeholderNote(v);
    if (where !== undefined) out.push({ field: path, value: v as string, where });
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(obj, prefix);
  return out;
}

/** One line per placeholder: `<context>: <field> = "<value>" is a placeholder; find the real value: <where>`. */
export function formatPlaceholder(context: string, p: PlaceholderUse): string {
  return `${context}: ${p.field} = "${p.value}" is a placeholder; real value: ${p.where}`;
}
