/**
 * The run-time shape of the config: one zod schema, checked at compile time against the
 * interfaces of `config/types.ts` (so the two cannot drift: a field added to one and not the
 * other fails `tsc`), and at run time before any value rule (`config/validate.ts`).
 *
 * `npm run synth` does not type-check, so `config/environments.ts` can hold `null`, a number
 * where a string belongs, the string `"false"` for a boolean or a misspelled key: each is
 * reported here, all at once, with environment, team, field, value and fix.
 *
 * It also keeps Terraform from evaluating config text (see docs/guard-rails.md, "Terraform
 * expressions in config"): free text that lands in `cdk.tf.json` (tag values, a secret's
 * `contentType`) is escaped (`${` → `$${`, `%{` → `%%{`); every other string is refused if it
 * holds `${` or `%{`, and any string that looks like a cdktf token is refused.
 *
 * `zod/v3` (the zod 3 API of the pinned zod 4 package) is the lightest entry point to load.
 */
import { z } from "zod/v3";
import { Rules, type Rule, type ValidationIssue } from "../constructs/validation";
import { KEY_VAULT_NAME_LENGTH, POD_IDENTITY_LABEL } from "../constructs/facts";
import type { PlatformConfig } from "./types";

/** The fix for a platform config without environments (schema and value check alike). */
export const ENVIRONMENTS_FIX =
  "add the environments (Dev/Test and Prod) to the platform config: " +
  "config/environments.ts in this repository, or the file given to --config";

/** `${` → `$${` and `%{` → `%%{`: Terraform then reads the text literally. */
export function escapeTerraformTemplate(text: string): string {
  return text.replace(/\$\{/g, "$$${").replace(/%\{/g, "%%{");
}

/** Free text that Terraform must read literally: escaped, never refused. */
const literalText = () => z.string().transform(escapeTerraformTemplate);

/** A required string: an empty one is reported as missing, with the same fix. */
const text = (fix: string) => z.string().min(1).describe(fix);

/** A number checked by `rule` (config/validate.ts applies it); a wrong type is fixed as the rule says. */
const ruled = (r: Rule<number>) => z.number().describe(r.fix);

/** One of a few strings; the problem reads `is invalid: "a" or "b"` / `is invalid: one of a, b, c`. */
function oneOf<U extends string, T extends [U, ...U[]]>(values: T, fix: string) {
  return z.enum(values).describe(fix);
}

const agentPool = z
  .object({
    identityName: text("set the agent-pool identity name, e.g. aks-xcEwmVSi-agentpool"),
    nodeResourceGroupName: text("set the node resource group (MC_…)"),
    principalId: z.string().optional().describe("copy it from `az identity show -n <pool> -g <MC_ group> --query principalId`"),
  })
  .strict();

const kubernetes = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("cluster-credentials") }).strict(),
    z
      .object({
        kind: z.literal("kubeconfig"),
        configPath: text("set the kubeconfig path, e.g. ~/.kube/config"),
        context: z.string().optional(),
      })
      .strict(),
    z
      .object({
        kind: z.literal("exec"),
        loginMode: z
          .enum(["azurecli", "workloadidentity", "msi", "spn"])
          .optional()
          .describe("use azurecli, workloadidentity, msi or spn (kubelogin's login modes)"),
      })
      .strict(),
  ])
  .describe('say how Terraform reaches the API server, e.g. { kind: "kubeconfig", configPath: "~/.kube/config" }');

const cluster = z
  .object({
    subscriptionId: text("set the subscription of the cluster"),
    lookup: z
      .object({
        name: text("set the AKS cluster name"),
        resourceGroupName: text("set the cluster's resource group"),
      })
      .strict()
      .optional(),
    agentPool: agentPool.optional(),
    oidcIssuerUrl: z.string().optional().describe("copy it from `az aks show --query oidcIssuerProfile.issuerUrl`"),
    kubernetes,
  })
  .strict()
  .describe("describe the AKS cluster: subscriptionId, lookup or agentPool, kubernetes");

const secret = z
  .object({
    name: text("name the secret"),
    source: oneOf(
      ["variable", "external"],
      'use "variable" (TF_VAR_…, write-only) or "external" (set with az keyvault secret set)',
    ).optional(),
    contentType: literalText().optional(),
    expirationDate: z.string().optional().describe("write the expiry as YYYY-MM-DDThh:mm:ssZ"),
    valueVersion: ruled(Rules.secretValueVersion).optional(),
  })
  .strict();

const keyVault = z
  .object({
    name: text(`name the vault (${KEY_VAULT_NAME_LENGTH.min}–${KEY_VAULT_NAME_LENGTH.max} characters, globally unique)`),
    resourceGroupName: text("set the vault's resource group"),
    existing: z.boolean().optional(),
    rbacAuthorization: z.boolean().optional(),
    softDeleteRetentionDays: ruled(Rules.softDeleteRetentionDays).optional(),
    purgeProtection: z.boolean().optional(),
    network: z
      .object({
        kind: oneOf(
          ["public", "firewall", "private-endpoint"],
          'use "public" (the guide), "firewall" with subnetIds/ipRules, or "private-endpoint" with privateEndpoint',
        ).optional(),
        privateEndpoint: z
          .union([
            z
              .object({
                subnetId: text("set the ARM ID of the endpoint's subnet"),
                privateDnsZoneId: text("set the ARM ID of the privatelink.vaultcore.azure.net zone"),
              })
              .strict(),
            z.object({ existingId: text("set the ARM ID of the existing private endpoint") }).strict(),
          ])
          .optional()
          .describe("give { subnetId, privateDnsZoneId } to create one, or { existingId } of an existing private endpoint"),
        defaultAction: oneOf(["Allow", "Deny"], 'use "Deny" and list allowed networks').optional(),
        ipRules: z.array(z.string()).optional(),
        subnetIds: z.array(z.string()).optional(),
        bypassAzureServices: z.boolean().optional(),
      })
      .strict()
      .optional(),
    rbacPropagationWait: z
      .string()
      .refine((v) => Rules.duration.test(v), Rules.duration.requirement)
      .optional()
      .describe(Rules.duration.fix),
    secrets: z.array(secret).describe("list the vault's secrets (may be empty)"),
  })
  .strict()
  .describe("set keyVault { name, resourceGroupName, secrets }");

const team = z
  .object({
    name: text('name the team, e.g. "payments"'),
    namespace: text("set the Kubernetes namespace of the app"),
    createNamespace: z.boolean().optional(),
    identity: z
      .object({
        name: text("name the managed identity"),
        resourceGroupName: text("set the identity's resource group"),
        existing: z.boolean().optional(),
      })
      .strict()
      .describe("set identity { name, resourceGroupName }"),
    keyVault,
    identityMode: oneOf(
      ["pod-identity", "workload-identity", "both"],
      'use "pod-identity" (the guide), "both" while migrating, then "workload-identity"',
    ).optional(),
    podIdentity: z
      .object({
        azureIdentityName: text("name the AzureIdentity"),
        bindingName: text("name the AzureIdentityBinding"),
        selector: text(`set the selector pods carry as label ${POD_IDENTITY_LABEL}`),
      })
      .strict()
      .optional(),
    workloadIdentity: z
      .object({ serviceAccountName: text("name the ServiceAccount the pods run as") })
      .strict()
      .optional(),
    workload: z
      .object({
        name: text("name the Deployment"),
        secretName: text("name the secret the test reads"),
        reader: oneOf(["sidecar", "csi-driver"], 'use "sidecar" with pod identity, "csi-driver" with workload identity').optional(),
        replicas: ruled(Rules.replicas).optional(),
        images: z.object({ reader: z.string().optional(), sidecar: z.string().optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    adopt: z.boolean().optional(),
    suppressions: z
      .array(
        z
          .object({
            ruleId: z.string().describe("name the policy rule, e.g. AKSID-KV-005"),
            reason: z.string().describe(Rules.suppressionReason.fix),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

const backend = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("local") }).strict(),
    z
      .object({
        kind: z.literal("azurerm"),
        subscriptionId: z.string().optional(),
        resourceGroupName: text("set the state storage account's resource group"),
        storageAccountName: text("set the state storage account's name"),
        containerName: text('set the blob container, e.g. "tfstate"'),
        keyPrefix: z.string().optional(),
      })
      .strict(),
  ])
  .describe('use "azurerm" for shared state, "local" offline');

const environment = z
  .object({
    name: text('name the environment, e.g. "dev-test"'),
    location: text('set the Azure region, e.g. "westus2"'),
    tenantId: text("set the Entra ID tenant (az account show --query tenantId)"),
    appSubscriptionId: text("set the subscription of the app identities and vaults"),
    cluster,
    teams: z.array(team).describe("list the app teams (an empty list is allowed)"),
    dataProtection: z
      .object({
        preventDestroy: z.boolean().describe("set it explicitly (Prod: true)"),
        purgeOnDestroy: z.boolean().describe("set it explicitly (Prod: false)"),
        requirePurgeProtection: z.boolean().describe("set it explicitly (Prod: true)"),
      })
      .strict()
      .describe("set { preventDestroy, purgeOnDestroy, requirePurgeProtection } (Prod: true, false, true)"),
    secretWriter: z
      .object({
        objectId: text("set the object ID of the identity that applies: az ad sp show --id <client id> --query id -o tsv"),
        principalType: oneOf(["ServicePrincipal", "User", "Group"], 'use "ServicePrincipal" for a workflow identity').optional(),
      })
      .strict()
      .optional(),
    stackLayout: oneOf(["shared", "per-team"], 'use "shared" (one apps stack) or "per-team"').optional(),
    backend: backend.optional(),
    tags: z.record(literalText()).optional(),
  })
  .strict();

/** The whole config's shape. */
export const platformSchema = z.object({ environments: z.array(environment).describe(ENVIRONMENTS_FIX) }).strict();

// ---- compile-time link to config/types.ts: same fields (required and optional), same types ----
/** Every key made required, recursively: two types are equal here only if they have the same fields. */
type Fields<T> = T extends readonly (infer U)[] ? Fields<U>[] : T extends object ? { [K in keyof T]-?: Fields<NonNullable<T[K]>> } : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type AssertTrue<T extends true> = T;
/** Fails to compile when the schema and `PlatformConfig` differ in a field's name, presence or type. */
export type SchemaMatchesTypes = AssertTrue<
  Same<Fields<z.infer<typeof platformSchema>>, Fields<PlatformConfig>> & Same<z.infer<typeof platformSchema>, PlatformConfig>
>;

// ---- run-time check ----

/** Fields whose text is escaped rather than refused (see escapeTerraformTemplate). */
const ESCAPED = [/^environments\.\d+\.tags\.[^.]+$/, /^environments\.\d+\.teams\.\d+\.keyVault\.secrets\.\d+\.contentType$/];
/** The marker cdktf puts in strings that stand for tokens (`${TfToken[TOKEN.12]}`). */
const TOKEN_MARKER = /\$\{TfToken\[|#\{TfToken\[|TfToken\[TOKEN\.\d+\]/;

/** The config as checked and escaped, or every problem with its shape, types and Terraform syntax. */
export function parseConfig(raw: unknown): { config?: PlatformConfig; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const result = platformSchema.safeParse(raw);
  if (!result.success) for (const i of result.error.issues) issues.push(...toIssues(raw, i));
  issues.push(...templateIssues(raw));
  if (issues.length || !result.success) return { issues };
  return { config: result.data, issues };
}

/** Strings anywhere in the config (known fields or not) that Terraform or cdktf would evaluate. */
function templateIssues(raw: unknown): ValidationIssue[] {
  const found: ValidationIssue[] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (typeof v === "string") {
      const key = path.join(".");
      if (TOKEN_MARKER.test(v)) {
        found.push(
          issueAt(
            raw,
            path,
            v,
            "looks like a cdktf token: config values are plain text, " +
              "and a token copied from elsewhere would be resolved into another resource's expression",
            "write the literal value; references between resources are made in the stacks, not in config",
          ),
        );
      } else if (/[$%]\{/.test(v) && !ESCAPED.some((r) => r.test(key))) {
        found.push(
          issueAt(
            raw,
            path,
            v,
            'contains "${" or "%{", which Terraform would evaluate as an expression or directive',
            "remove it: config values are literal text (only tag values and a secret's contentType may hold it, and are escaped)",
          ),
        );
      }
    } else if (Array.isArray(v)) v.forEach((e, i) => walk(e, [...path, i]));
    else if (v && typeof v === "object") {
      for (const [k, e] of Object.entries(v)) {
        // Tag keys are identifiers: refused, not escaped.
        if (path[path.length - 1] === "tags" && /[$%]\{|TfToken\[/.test(k)) {
          found.push(
            issueAt(
              raw,
              [...path, k],
              e,
              'has a key with "${", "%{" or a cdktf token, which Terraform would evaluate',
              "use a plain tag name such as costCenter",
            ),
          );
        }
        walk(e, [...path, k]);
      }
    }
  };
  walk(raw, []);
  return found;
}

function toIssues(raw: unknown, i: z.ZodIssue): ValidationIssue[] {
  const path = i.path;
  const node = schemaAt(path);
  const hint = node?.description;
  switch (i.code) {
    case "invalid_type": {
      const value = valueAt(raw, path);
      if (i.received === "undefined")
        return [issueAt(raw, path, undefined, "is missing", hint ?? `add it (see ${path[path.length - 1]} in config/types.ts)`)];
      return [issueAt(raw, path, value, `is ${describeValue(value)}, not ${article(i.expected)}`, typeFix(i.expected, value, hint))];
    }
    case "unrecognized_keys": {
      const known = knownKeys(node);
      return i.keys.map((k) => {
        const near = closest(k, known);
        const fix = near ? `did you mean "${near}"? Rename it` : `remove it (known fields: ${known.join(", ")})`;
        return issueAt(raw, [...path, k], valueAt(raw, [...path, k]), "is not a known field", fix);
      });
    }
    case "too_small":
      // text(): an empty required string reads like a missing one.
      if (i.type === "string" && i.minimum === 1) return [issueAt(raw, path, undefined, "is missing", hint ?? "fill it in")];
      return [issueAt(raw, path, valueAt(raw, path), `is invalid: ${i.message}`, hint ?? "see config/types.ts for the expected shape")];
    case "invalid_enum_value":
    case "invalid_union_discriminator": {
      const options = (i.options as readonly unknown[]).map(String);
      const problem = options.length === 2 ? `is invalid: "${options[0]}" or "${options[1]}"` : `is invalid: one of ${options.join(", ")}`;
      const fix = i.code === "invalid_enum_value" && hint ? hint : `use one of ${options.map((o) => `"${o}"`).join(", ")}`;
      return [issueAt(raw, path, valueAt(raw, path), problem, fix)];
    }
    default:
      return [issueAt(raw, path, valueAt(raw, path), `is invalid: ${i.message}`, hint ?? "see config/types.ts for the expected shape")];
  }
}

function typeFix(expected: string, value: unknown, hint: string | undefined): string {
  const then = hint ? ` (${hint})` : "";
  if (value === null) return `remove the null, or write ${article(expected)}${then}`;
  if (expected === "boolean" && (value === "true" || value === "false"))
    return `write ${value} without quotes: the string "${value}" is not a boolean${then}`;
  if (expected === "number" && typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)))
    return `write ${value} without quotes${then}`;
  if (expected === "string" && (typeof value === "number" || typeof value === "boolean"))
    return `write it in quotes: "${String(value)}"${then}`;
  return `write ${article(expected)}${then}`;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "string") return "a string";
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

function article(type: string): string {
  if (type === "array") return "a list";
  if (type === "object") return "an object";
  if (type === "boolean") return "true or false";
  return `a ${type}`;
}

/** The schema node at a config path (through arrays, records, optionals and discriminated unions). */
function schemaAt(path: readonly (string | number)[]): z.ZodTypeAny | undefined {
  let node: z.ZodTypeAny | undefined = platformSchema;
  for (const key of path) {
    node = unwrap(node);
    if (!node) return undefined;
    if (node instanceof z.ZodArray) node = node.element as z.ZodTypeAny;
    else if (node instanceof z.ZodRecord) node = node.valueSchema as z.ZodTypeAny;
    else if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodTypeAny>)[String(key)];
    else if (node instanceof z.ZodDiscriminatedUnion) {
      const options = node.options as z.ZodObject<z.ZodRawShape>[];
      node = options.map((o) => (o.shape as Record<string, z.ZodTypeAny>)[String(key)]).find(Boolean);
    } else return undefined;
  }
  return node;
}

function unwrap(node: z.ZodTypeAny | undefined): z.ZodTypeAny | undefined {
  while (node instanceof z.ZodOptional || node instanceof z.ZodEffects) {
    node = (node instanceof z.ZodOptional ? node.unwrap() : node.innerType()) as z.ZodTypeAny;
  }
  return node;
}

function knownKeys(node: z.ZodTypeAny | undefined): string[] {
  const n = unwrap(node);
  if (n instanceof z.ZodObject) return Object.keys(n.shape as object);
  if (n instanceof z.ZodDiscriminatedUnion)
    return [...new Set((n.options as z.ZodObject<z.ZodRawShape>[]).flatMap((o) => Object.keys(o.shape)))];
  return [];
}

/** The known key nearest to a misspelled one (edit distance ≤ 2, or a case/separator difference). */
function closest(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = norm(k) === norm(key) ? 0 : distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(1, Math.min(2, Math.floor(key.length / 4))) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
        j > 1 && i > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] ? prev : Infinity,
      );
      prev = cur;
    }
  }
  return row[b.length];
}

function valueAt(raw: unknown, path: readonly (string | number)[]): unknown {
  let v = raw;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[String(k)];
  }
  return v;
}

/** Context (`prod`, `prod / team "poc"`, `config`) and field (`keyVault.secrets[0].name`) of a config path. */
export function locate(raw: unknown, path: readonly (string | number)[]): { context: string; field: string } {
  const named = (o: unknown): string | undefined => {
    const n = o && typeof o === "object" ? (o as { name?: unknown }).name : undefined;
    return typeof n === "string" && n && !/[$%]\{|TfToken/.test(n) ? n : undefined;
  };
  let context = "config";
  let rest = path;
  if (path[0] === "environments" && typeof path[1] === "number" && path.length > 2) {
    const env = valueAt(raw, path.slice(0, 2));
    context = named(env) ?? `environments[${path[1]}]`;
    rest = path.slice(2);
    if (rest[0] === "teams" && typeof rest[1] === "number" && rest.length > 2) {
      const t = named(valueAt(raw, path.slice(0, 4)));
      context = `${context} / ${t ? `team "${t}"` : `teams[${rest[1]}]`}`;
      rest = rest.slice(2);
    }
  }
  const field = rest.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
  return { context, field };
}

function issueAt(raw: unknown, path: readonly (string | number)[], value: unknown, problem: string, fix: string): ValidationIssue {
  return { ...locate(raw, path), value, problem, fix };
}
