// Issue 12, sections 1 and 2: bad input as users really write it. Every case mutates a deep copy
// of the real config (or builds a construct the way a JavaScript caller would) and runs the real
// synth entry point in-process (stacks/synthesize.ts) into a temp dir that holds a stale
// cdktf.out/. Each case asserts the line's context, field, value and fix, and that neither
// cdktf.out/ nor cdktf.out.tmp-<pid>/ is left. A handful run through `node tools/run.js synth`.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { TerraformStack } from "cdktf";
import { platform } from "../config/environments";
import { buildPlatform } from "../stacks/platform";
import { synthesize, type SynthResult } from "../stacks/synthesize";
import { ManagedIdentityOperatorAssignment } from "../constructs/managed-identity-operator-assignment";
import { KeyVaultReaderWorkload } from "../constructs/keyvault-reader-workload";
import { SecretProviderClass } from "../constructs/secret-provider-class";
import { WorkloadIdentityFederation } from "../constructs/workload-identity-federation";
import { PodIdentityBinding } from "../constructs/pod-identity-binding";
import { BuiltInRoleAssignment } from "../constructs/role-assignment";
import { NodeResourceGroupRoles } from "../constructs/node-resource-group-roles";
import { KeyVault } from "../constructs/key-vault";
import { MISSING_PROP_FIXES as FIX } from "../constructs/validation";
import { appIdentity, IDS } from "./support/synth";

jest.mock("../stacks/platform", () => {
  const actual = jest.requireActual("../stacks/platform");
  return { ...actual, buildPlatform: jest.fn(actual.buildPlatform) };
});

const ROOT = path.resolve(__dirname, "..");
/* eslint-disable @typescript-eslint/no-explicit-any */
type Raw = any;

const DEV = 0;
const PROD = 1;
const CTX = { dev: "dev-test", prod: "prod", team: 'prod / team "poc"' } as const;

/** Sets a value at a dotted path (`environments.1.teams.0.keyVault.name`), creating objects on the way. */
function setAt(c: Raw, p: string, v: unknown): void {
  const keys = p.split(".");
  let o = c;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys[keys.length - 1]] = v;
}
const team = (f: string) => `environments.${PROD}.teams.0.${f}`;
const env = (f: string, i = PROD) => `environments.${i}.${f}`;

interface Case {
  readonly name: string;
  readonly mutate?: (c: Raw) => void;
  readonly vars?: NodeJS.ProcessEnv;
  readonly argv?: readonly string[];
  /** Build a construct the way a JavaScript caller might (runs inside the synth). */
  readonly build?: (stack: TerraformStack) => void;
  readonly context: string;
  readonly field: string;
  readonly value: unknown;
  /** Part of the problem text. */
  readonly problem: string;
  /** The fix, or its beginning. */
  readonly fix: string;
}

const CASES: Case[] = [];
const add = (c: Case) => CASES.push(c);

// ---- 1. Wrong types: numbers and nulls where strings belong ----
const STRING_FIELDS: [string, string, string][] = [
  [env("location"), CTX.prod, "location"],
  [env("tenantId"), CTX.prod, "tenantId"],
  [env("appSubscriptionId"), CTX.prod, "appSubscriptionId"],
  [env("cluster.subscriptionId"), CTX.prod, "cluster.subscriptionId"],
  [env("cluster.agentPool.identityName"), CTX.prod, "cluster.agentPool.identityName"],
  [env("cluster.agentPool.nodeResourceGroupName"), CTX.prod, "cluster.agentPool.nodeResourceGroupName"],
  [env("cluster.agentPool.principalId", DEV), CTX.dev, "cluster.agentPool.principalId"],
  [env("cluster.kubernetes.configPath"), CTX.prod, "cluster.kubernetes.configPath"],
  [env("cluster.kubernetes.context"), CTX.prod, "cluster.kubernetes.context"],
  [team("namespace"), CTX.team, "namespace"],
  [team("identity.name"), CTX.team, "identity.name"],
  [team("identity.resourceGroupName"), CTX.team, "identity.resourceGroupName"],
  [team("keyVault.name"), CTX.team, "keyVault.name"],
  [team("keyVault.resourceGroupName"), CTX.team, "keyVault.resourceGroupName"],
  [team("keyVault.secrets.0.name"), CTX.team, "keyVault.secrets[0].name"],
  [team("keyVault.secrets.0.contentType"), CTX.team, "keyVault.secrets[0].contentType"],
  [team("keyVault.secrets.0.expirationDate"), CTX.team, "keyVault.secrets[0].expirationDate"],
  [team("podIdentity.azureIdentityName"), CTX.team, "podIdentity.azureIdentityName"],
  [team("podIdentity.bindingName"), CTX.team, "podIdentity.bindingName"],
  [team("podIdentity.selector"), CTX.team, "podIdentity.selector"],
  [team("workload.name"), CTX.team, "workload.name"],
  [team("workload.secretName"), CTX.team, "workload.secretName"],
];
for (const [p, context, field] of STRING_FIELDS) {
  add({
    name: `${field} (${context}) as a number`,
    mutate: (c) => setAt(c, p, 42),
    context,
    field,
    value: 42,
    problem: "is a number, not a string",
    fix: 'write it in quotes: "42"',
  });
  add({
    name: `${field} (${context}) as null`,
    mutate: (c) => setAt(c, p, null),
    context,
    field,
    value: null,
    problem: "is null, not a string",
    fix: "remove the null, or write a string",
  });
}

// ---- 2. Booleans written as strings or numbers ----
const BOOLEAN_FIELDS: [string, string, string][] = [
  [team("createNamespace"), CTX.team, "createNamespace"],
  [team("identity.existing"), CTX.team, "identity.existing"],
  [team("keyVault.existing"), CTX.team, "keyVault.existing"],
  [team("keyVault.rbacAuthorization"), CTX.team, "keyVault.rbacAuthorization"],
  [team("keyVault.purgeProtection"), CTX.team, "keyVault.purgeProtection"],
  [team("keyVault.network.bypassAzureServices"), CTX.team, "keyVault.network.bypassAzureServices"],
  [env("dataProtection.preventDestroy"), CTX.prod, "dataProtection.preventDestroy"],
  [env("dataProtection.purgeOnDestroy"), CTX.prod, "dataProtection.purgeOnDestroy"],
  [env("dataProtection.requirePurgeProtection", DEV), CTX.dev, "dataProtection.requirePurgeProtection"],
];
for (const [p, context, field] of BOOLEAN_FIELDS) {
  for (const s of ["false", "true"]) {
    add({
      name: `${field} (${context}) as the string "${s}"`,
      mutate: (c) => setAt(c, p, s),
      context,
      field,
      value: s,
      problem: "is a string, not true or false",
      fix: `write ${s} without quotes: the string "${s}" is not a boolean`,
    });
  }
  add({
    name: `${field} (${context}) as 0`,
    mutate: (c) => setAt(c, p, 0),
    context,
    field,
    value: 0,
    problem: "is a number, not true or false",
    fix: "write true or false",
  });
}

// ---- 3. Numbers written as strings ----
for (const [p, field, v] of [
  [team("keyVault.softDeleteRetentionDays"), "keyVault.softDeleteRetentionDays", "90"],
  [team("workload.replicas"), "workload.replicas", "1"],
  [team("keyVault.secrets.0.valueVersion"), "keyVault.secrets[0].valueVersion", "2"],
] as const) {
  add({
    name: `${field} as the string "${v}"`,
    mutate: (c) => setAt(c, p, v),
    context: CTX.team,
    field,
    value: v,
    problem: "is a string, not a number",
    fix: `write ${v} without quotes`,
  });
}

// ---- 4. Misspelled keys: "did you mean" ----
const NEAR_MISSES: [string, string, string, string][] = [
  [team("namespce"), CTX.team, "namespce", "namespace"],
  [team("identiy"), CTX.team, "identiy", "identity"],
  [team("keyVualt"), CTX.team, "keyVualt", "keyVault"],
  [team("podIdentty"), CTX.team, "podIdentty", "podIdentity"],
  [team("createNamespaces"), CTX.team, "createNamespaces", "createNamespace"],
  [team("identitymode"), CTX.team, "identitymode", "identityMode"],
  [team("keyVault.secret"), CTX.team, "keyVault.secret", "secrets"],
  [team("keyVault.softDeleteRetentionDay"), CTX.team, "keyVault.softDeleteRetentionDay", "softDeleteRetentionDays"],
  [team("keyVault.secrets.0.contenttype"), CTX.team, "keyVault.secrets[0].contenttype", "contentType"],
  [team("keyVault.secrets.0.expirationdate"), CTX.team, "keyVault.secrets[0].expirationdate", "expirationDate"],
  [team("podIdentity.selecter"), CTX.team, "podIdentity.selecter", "selector"],
  [team("workload.replica"), CTX.team, "workload.replica", "replicas"],
  [team("identity.resource_group_name"), CTX.team, "identity.resource_group_name", "resourceGroupName"],
  [env("locaton"), CTX.prod, "locaton", "location"],
  [env("tenantID"), CTX.prod, "tenantID", "tenantId"],
  [env("tag"), CTX.prod, "tag", "tags"],
  [env("cluster.kubernets"), CTX.prod, "cluster.kubernets", "kubernetes"],
  [env("cluster.agentPool.principalID"), CTX.prod, "cluster.agentPool.principalID", "principalId"],
  [env("dataProtection.preventdestroy"), CTX.prod, "dataProtection.preventdestroy", "preventDestroy"],
  [env("cluster.kubernetes.contxt"), CTX.prod, "cluster.kubernetes.contxt", "context"],
];
for (const [p, context, field, near] of NEAR_MISSES) {
  add({
    name: `misspelled key ${field}`,
    mutate: (c) => setAt(c, p, "x"),
    context,
    field,
    value: "x",
    problem: "is not a known field",
    fix: `did you mean "${near}"? Rename it`,
  });
}
for (const [p, context, field, known] of [
  [team("owner"), CTX.team, "owner", "name, namespace, createNamespace"],
  [env("region"), CTX.prod, "region", "name, location, tenantId"],
  ["environments.0.cluster.clusterName", CTX.dev, "cluster.clusterName", "subscriptionId, lookup, agentPool"],
] as const) {
  add({
    name: `unknown key ${field}`,
    mutate: (c) => setAt(c, p, "x"),
    context,
    field,
    value: "x",
    problem: "is not a known field",
    fix: `remove it (known fields: ${known}`,
  });
}
add({
  name: "unknown top-level key",
  mutate: (c) => setAt(c, "environment", []),
  context: "config",
  field: "environment",
  value: [],
  problem: "is not a known field",
  fix: 'did you mean "environments"? Rename it',
});

// ---- 5. Nulls and wrong types for whole entries ----
add({
  name: "a null team",
  mutate: (c) => setAt(c, `environments.${PROD}.teams.0`, null),
  context: CTX.prod,
  field: "teams[0]",
  value: null,
  problem: "is null, not an object",
  fix: "remove the null, or write an object",
});
add({
  name: "a null secret",
  mutate: (c) => setAt(c, team("keyVault.secrets.0"), null),
  context: CTX.team,
  field: "keyVault.secrets[0]",
  value: null,
  problem: "is null, not an object",
  fix: "remove the null",
});
add({
  name: "a null environment",
  mutate: (c) => setAt(c, "environments.0", null),
  context: "config",
  field: "environments[0]",
  value: null,
  problem: "is null, not an object",
  fix: "remove the null",
});
add({
  name: "a null IP rule",
  mutate: (c) => setAt(c, team("keyVault.network"), { ipRules: [null] }),
  context: CTX.team,
  field: "keyVault.network.ipRules[0]",
  value: null,
  problem: "is null, not a string",
  fix: "remove the null",
});
add({
  name: "environments as an object",
  mutate: (c) => setAt(c, "environments", { prod: {} }),
  context: "config",
  field: "environments",
  value: { prod: {} },
  problem: "is an object, not a list",
  fix: "write a list (add the environments (Dev/Test and Prod) to the platform config",
});
add({
  name: "teams as an object",
  mutate: (c) => setAt(c, env("teams"), { poc: {} }),
  context: CTX.prod,
  field: "teams",
  value: { poc: {} },
  problem: "is an object, not a list",
  fix: "write a list (list the app teams",
});
add({
  name: "secrets as a string",
  mutate: (c) => setAt(c, team("keyVault.secrets"), "grafana"),
  context: CTX.team,
  field: "keyVault.secrets",
  value: "grafana",
  problem: "is a string, not a list",
  fix: "write a list (list the vault's secrets",
});
add({
  name: "tags as a list",
  mutate: (c) => setAt(c, env("tags"), ["owner"]),
  context: CTX.prod,
  field: "tags",
  value: ["owner"],
  problem: "is a list, not an object",
  fix: "write an object",
});
add({
  name: "a tag value as a number",
  mutate: (c) => setAt(c, env("tags"), { costCenter: 1234 }),
  context: CTX.prod,
  field: "tags.costCenter",
  value: 1234,
  problem: "is a number, not a string",
  fix: 'write it in quotes: "1234"',
});
for (const [p, context, field] of [
  [team("identity"), CTX.team, "identity"],
  [team("keyVault"), CTX.team, "keyVault"],
  [env("cluster"), CTX.prod, "cluster"],
  [env("dataProtection"), CTX.prod, "dataProtection"],
  [team("podIdentity"), CTX.team, "podIdentity"],
  [team("workload"), CTX.team, "workload"],
] as const) {
  add({
    name: `${field} (${context}) as null`,
    mutate: (c) => setAt(c, p, null),
    context,
    field,
    value: null,
    problem: "is null, not an object",
    fix: "remove the null, or write an object",
  });
}
add({
  name: "missing environment name",
  mutate: (c) => delete c.environments[PROD].name,
  context: "environments[1]",
  field: "name",
  value: undefined,
  problem: "is missing",
  fix: 'name the environment, e.g. "dev-test"',
});
add({
  name: "missing secrets list",
  mutate: (c) => delete c.environments[PROD].teams[0].keyVault.secrets,
  context: CTX.team,
  field: "keyVault.secrets",
  value: undefined,
  problem: "is missing",
  fix: "list the vault's secrets (may be empty)",
});

// ---- 6. Values outside a fixed set ----
for (const [p, context, field, v, problem] of [
  [team("identityMode"), CTX.team, "identityMode", "pod_identity", "is invalid: one of pod-identity, workload-identity, both"],
  [team("workload.reader"), CTX.team, "workload.reader", "csi", 'is invalid: "sidecar" or "csi-driver"'],
  [team("keyVault.secrets.0.source"), CTX.team, "keyVault.secrets[0].source", "env", 'is invalid: "variable" or "external"'],
  [env("stackLayout"), CTX.prod, "stackLayout", "per_team", 'is invalid: "shared" or "per-team"'],
  [
    env("cluster.kubernetes.kind"),
    CTX.prod,
    "cluster.kubernetes.kind",
    "kubectl",
    "is invalid: one of cluster-credentials, kubeconfig, exec",
  ],
  [env("backend"), CTX.prod, "backend.kind", "s3", 'is invalid: "local" or "azurerm"'],
  [team("keyVault.network.defaultAction"), CTX.team, "keyVault.network.defaultAction", "deny", 'is invalid: "Allow" or "Deny"'],
] as const) {
  add({
    name: `${field} "${v}"`,
    mutate: (c) => setAt(c, p, field === "backend.kind" ? { kind: v } : v),
    context,
    field,
    value: v,
    problem,
    fix: "use ",
  });
}

// ---- 7. Terraform expressions and look-alike cdktf tokens ----
const EXPRESSIONS = ['${file("/etc/passwd")}', "%{ if true }x%{ endif }"];
const REFUSED_FIELDS: [string, string, string][] = [
  [env("cluster.kubernetes.context"), CTX.prod, "cluster.kubernetes.context"],
  [env("cluster.kubernetes.configPath"), CTX.prod, "cluster.kubernetes.configPath"],
  [env("location"), CTX.prod, "location"],
  [env("cluster.oidcIssuerUrl", DEV), CTX.dev, "cluster.oidcIssuerUrl"],
  [team("namespace"), CTX.team, "namespace"],
  [team("keyVault.name"), CTX.team, "keyVault.name"],
  [team("identity.name"), CTX.team, "identity.name"],
  [team("keyVault.secrets.0.name"), CTX.team, "keyVault.secrets[0].name"],
  [team("podIdentity.selector"), CTX.team, "podIdentity.selector"],
  [team("podIdentity.bindingName"), CTX.team, "podIdentity.bindingName"],
  [team("workload.images.reader"), CTX.team, "workload.images.reader"],
  [team("keyVault.network.ipRules"), CTX.team, "keyVault.network.ipRules[0]"],
];
for (const [p, context, field] of REFUSED_FIELDS) {
  for (const x of EXPRESSIONS) {
    const value = field.endsWith("[0]") ? x : x;
    add({
      name: `${field} holding ${x.slice(0, 2)}…`,
      mutate: (c) => setAt(c, p, field.endsWith("[0]") ? [x] : x),
      context,
      field,
      value,
      problem: 'contains "${" or "%{", which Terraform would evaluate',
      fix: "remove it: config values are literal text",
    });
  }
}
const TOKEN = "${TfToken[TOKEN.1]}";
for (const [p, context, field] of [
  [team("keyVault.name"), CTX.team, "keyVault.name"],
  [team("namespace"), CTX.team, "namespace"],
  [env("cluster.kubernetes.context"), CTX.prod, "cluster.kubernetes.context"],
  [team("keyVault.secrets.0.contentType"), CTX.team, "keyVault.secrets[0].contentType"],
  [env("tags.owner"), CTX.prod, "tags.owner"],
  [team("identity.resourceGroupName"), CTX.team, "identity.resourceGroupName"],
] as const) {
  add({
    name: `${field} holding a look-alike cdktf token`,
    mutate: (c) => setAt(c, p, TOKEN),
    context,
    field,
    value: TOKEN,
    problem: "looks like a cdktf token",
    fix: "write the literal value",
  });
}
add({
  name: "a tag key holding ${",
  mutate: (c) => setAt(c, env("tags"), { "${var.x}": "v" }),
  context: CTX.prod,
  field: "tags.${var.x}",
  value: "v",
  problem: "has a key with",
  fix: "use a plain tag name",
});

// ---- 8. TFSTATE_* environment variables ----
const ENVCTX = "environment";
for (const [vars, field, value, problem, fix] of [
  [
    { TFSTATE_STORAGE_ACCOUNT: "Bad_Name", TFSTATE_RESOURCE_GROUP: "rg-tfstate" },
    "TFSTATE_STORAGE_ACCOUNT",
    "Bad_Name",
    "is invalid: 3–24 lower-case letters and digits",
    "use the state storage account's name",
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "st", TFSTATE_RESOURCE_GROUP: "rg-tfstate" },
    "TFSTATE_STORAGE_ACCOUNT",
    "st",
    "is invalid: 3–24",
    "use the state storage account's name",
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "s".repeat(25), TFSTATE_RESOURCE_GROUP: "rg-tfstate" },
    "TFSTATE_STORAGE_ACCOUNT",
    "s".repeat(25),
    "is invalid: 3–24",
    "use the state storage account's name",
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "st-tfstate", TFSTATE_RESOURCE_GROUP: "rg-tfstate" },
    "TFSTATE_STORAGE_ACCOUNT",
    "st-tfstate",
    "is invalid: 3–24",
    "use the state storage account's name",
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "sttfstate" },
    "TFSTATE_RESOURCE_GROUP",
    undefined,
    "is missing: TFSTATE_STORAGE_ACCOUNT is set",
    'set TFSTATE_RESOURCE_GROUP to the resource group of storage account "sttfstate"',
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "sttfstate", TFSTATE_RESOURCE_GROUP: "" },
    "TFSTATE_RESOURCE_GROUP",
    undefined,
    "is missing",
    "set TFSTATE_RESOURCE_GROUP",
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "sttfstate", TFSTATE_RESOURCE_GROUP: "rg-tfstate." },
    "TFSTATE_RESOURCE_GROUP",
    "rg-tfstate.",
    "is invalid: 1–90",
    "remove the trailing period",
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "sttfstate", TFSTATE_RESOURCE_GROUP: "rg", TFSTATE_CONTAINER: "tf--state" },
    "TFSTATE_CONTAINER",
    "tf--state",
    "is invalid: 3–63",
    'use e.g. "tfstate"',
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "sttfstate", TFSTATE_RESOURCE_GROUP: "rg", TFSTATE_CONTAINER: "TFState" },
    "TFSTATE_CONTAINER",
    "TFState",
    "is invalid: 3–63",
    'use e.g. "tfstate"',
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "sttfstate", TFSTATE_RESOURCE_GROUP: "rg", TFSTATE_SUBSCRIPTION_ID: "prod" },
    "TFSTATE_SUBSCRIPTION_ID",
    "prod",
    "is invalid: a GUID",
    "copy the ID from",
  ],
  [
    { TFSTATE_RESOURCE_GROUP: "rg-tfstate" },
    "TFSTATE_RESOURCE_GROUP",
    "rg-tfstate",
    "is set but TFSTATE_STORAGE_ACCOUNT is not",
    "set TFSTATE_STORAGE_ACCOUNT to the state storage account too",
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "", TFSTATE_CONTAINER: "tfstate" },
    "TFSTATE_CONTAINER",
    "tfstate",
    "is set but TFSTATE_STORAGE_ACCOUNT is not",
    "set TFSTATE_STORAGE_ACCOUNT",
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "sttfstate", TFSTATE_RESOURCE_GROUP: "rg", TFSTATE_KEY_PREFIX: "${path.cwd}/" },
    "TFSTATE_KEY_PREFIX",
    "${path.cwd}/",
    'contains "${"',
    "use the plain name",
  ],
  [
    { TFSTATE_STORAGE_ACCOUNT: "sttfstate", TFSTATE_RESOURCE_GROUP: "rg", TFSTATE_KEY_PREFIX: "a b/" },
    "TFSTATE_KEY_PREFIX",
    "a b/",
    "is invalid: a blob name prefix",
    'use e.g. "aks-app-identity/"',
  ],
] as const) {
  add({ name: `${field} ${JSON.stringify(value)} with ${Object.keys(vars).join("+")}`, vars, context: ENVCTX, field, value, problem, fix });
}

// ---- 9. Constructs called from JavaScript with missing props ----
const none = undefined as never;
const CONSTRUCT_CASES: [string, (s: TerraformStack) => void, string, string][] = [
  [
    "ManagedIdentityOperatorAssignment without identity",
    (s) => new ManagedIdentityOperatorAssignment(s, "Mio", { identity: none, cluster: none }),
    "identity",
    FIX.identity,
  ],
  [
    "ManagedIdentityOperatorAssignment without cluster",
    (s) => new ManagedIdentityOperatorAssignment(s, "Mio", { identity: appIdentity(s), cluster: none }),
    "cluster",
    FIX.cluster,
  ],
  [
    "KeyVaultReaderWorkload without keyVault",
    (s) => new KeyVaultReaderWorkload(s, "Reader", { name: "r", namespace: "ns", secretName: "x", keyVault: none, identities: [] }),
    "keyVault",
    FIX.keyVault,
  ],
  [
    "KeyVaultReaderWorkload without identities",
    (s) => new KeyVaultReaderWorkload(s, "Reader", { name: "r", namespace: "ns", secretName: "x", keyVault: none, identities: none }),
    "identities",
    "pass the identities the pods use",
  ],
  [
    "SecretProviderClass without keyVault",
    (s) =>
      new SecretProviderClass(s, "Spc", {
        name: "s",
        namespace: "ns",
        tenantId: IDS.tenant,
        secretNames: [],
        keyVault: none,
        identity: none,
      }),
    "keyVault",
    FIX.keyVault,
  ],
  [
    "SecretProviderClass without identity",
    (s) =>
      new SecretProviderClass(s, "Spc", {
        name: "s",
        namespace: "ns",
        tenantId: IDS.tenant,
        secretNames: [],
        keyVault: none,
        identity: none,
      }),
    "identity",
    FIX.identity,
  ],
  [
    "SecretProviderClass without secretNames",
    (s) =>
      new SecretProviderClass(s, "Spc", {
        name: "s",
        namespace: "ns",
        tenantId: IDS.tenant,
        secretNames: none,
        keyVault: none,
        identity: appIdentity(s),
      }),
    "secretNames",
    "list the secrets to mount",
  ],
  [
    "WorkloadIdentityFederation without cluster",
    (s) =>
      new WorkloadIdentityFederation(s, "Wif", {
        identity: appIdentity(s),
        cluster: none,
        namespace: "ns",
        serviceAccountName: "sa",
      }),
    "cluster",
    FIX.cluster,
  ],
  [
    "WorkloadIdentityFederation without identity",
    (s) =>
      new WorkloadIdentityFederation(s, "Wif", {
        identity: none,
        cluster: none,
        namespace: "ns",
        serviceAccountName: "sa",
      }),
    "identity",
    FIX.identity,
  ],
  [
    "PodIdentityBinding without identity",
    (s) =>
      new PodIdentityBinding(s, "Pib", {
        identity: none,
        namespace: "ns",
        azureIdentityName: "a",
        bindingName: "b",
        selector: "c",
        requires: [],
      }),
    "identity",
    FIX.identity,
  ],
  [
    "PodIdentityBinding without requires",
    (s) =>
      new PodIdentityBinding(s, "Pib", {
        identity: appIdentity(s),
        namespace: "ns",
        azureIdentityName: "a",
        bindingName: "b",
        selector: "c",
        requires: none,
      }),
    "requires",
    "pass what the binding waits for",
  ],
  [
    "BuiltInRoleAssignment without principal",
    (s) =>
      new BuiltInRoleAssignment(s, "Ra", {
        role: none,
        principal: none,
        scope: "/x",
        scopeSubscriptionId: IDS.appSubscription,
        description: "d",
      }),
    "principal",
    FIX.principal,
  ],
  [
    "BuiltInRoleAssignment without role",
    (s) =>
      new BuiltInRoleAssignment(s, "Ra", {
        role: none,
        principal: appIdentity(s),
        scope: "/x",
        scopeSubscriptionId: IDS.appSubscription,
        description: "d",
      }),
    "role",
    "pass one of BuiltInRoles",
  ],
  ["NodeResourceGroupRoles without cluster", (s) => new NodeResourceGroupRoles(s, "Nrg", { cluster: none }), "cluster", FIX.cluster],
];
for (const [name, build, field, fix] of CONSTRUCT_CASES)
  add({ name, build, context: "hardening/", field, value: undefined, problem: "is missing", fix });
for (const [name, build] of [
  ["ManagedIdentityOperatorAssignment", (s: TerraformStack) => new ManagedIdentityOperatorAssignment(s, "X", none)],
  ["KeyVaultReaderWorkload", (s: TerraformStack) => new KeyVaultReaderWorkload(s, "X", none)],
  ["SecretProviderClass", (s: TerraformStack) => new SecretProviderClass(s, "X", none)],
  ["WorkloadIdentityFederation", (s: TerraformStack) => new WorkloadIdentityFederation(s, "X", none)],
  ["PodIdentityBinding", (s: TerraformStack) => new PodIdentityBinding(s, "X", none)],
  ["BuiltInRoleAssignment", (s: TerraformStack) => new BuiltInRoleAssignment(s, "X", none)],
  ["NodeResourceGroupRoles", (s: TerraformStack) => new NodeResourceGroupRoles(s, "X", none)],
] as const) {
  add({
    name: `${name} without props`,
    build,
    context: "hardening/X",
    field: "props",
    value: undefined,
    problem: "is missing",
    fix: "pass the props object {",
  });
}
add({
  name: "grantSecretRead without a grantee",
  build: (s) =>
    KeyVault.fromExisting(s, "Kv", {
      name: "kv-westus2-aks",
      resourceGroupName: "rg-westus2-shared",
      subscriptionId: IDS.appSubscription,
      rbacAuthorization: false,
    }).grantSecretRead(none),
  context: "hardening/Kv.grantSecretRead()",
  field: "grantee",
  value: undefined,
  problem: "is missing",
  fix: FIX.principal,
});
add({
  name: "grantOperator without a cluster",
  build: (s) => appIdentity(s).grantOperator(none),
  context: "hardening/Identity.grantOperator()",
  field: "cluster",
  value: undefined,
  problem: "is missing",
  fix: FIX.cluster,
});

// ---- harness ----
const madeDirs: string[] = [];
afterAll(() => madeDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function staleOutdir(): { dir: string; outdir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hardening."));
  madeDirs.push(dir);
  const outdir = path.join(dir, "cdktf.out");
  fs.mkdirSync(path.join(outdir, "stacks", "prod-apps"), { recursive: true });
  fs.writeFileSync(path.join(outdir, "stacks", "prod-apps", "cdk.tf.json"), '{"stale": true}');
  return { dir, outdir };
}

function run(c: Case): { r: SynthResult; dir: string } {
  const config: Raw = structuredClone(platform);
  c.mutate?.(config);
  if (c.build) {
    jest.mocked(buildPlatform).mockImplementationOnce((app) => {
      c.build!(new TerraformStack(app, "hardening"));
      return [];
    });
  }
  const { dir, outdir } = staleOutdir();
  return { r: synthesize(config, c.argv ?? [], c.vars ?? {}, outdir), dir };
}

describe("GIVEN a bad input as users write it", () => {
  test(`the table holds at least 150 distinct cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  test.each(CASES.map((c) => [c.name, c] as const))(
    "%s: WHEN synthesized THEN one line names context, field, value and fix, and nothing is left",
    (_, c) => {
      const { r, dir } = run(c);
      const shown = c.value === undefined ? "" : ` ${JSON.stringify(c.value)}`;
      const head = `  - ${c.context}${c.build ? "" : ": "}`;
      const line = r.messages.find(
        (m) => m.startsWith(head) && m.includes(`${c.field}${shown} ${c.problem}`) && m.includes(`. Fix: ${c.fix}`),
      );
      if (!line)
        throw new Error(`no line for ${c.context} / ${c.field}${shown} ${c.problem} / Fix: ${c.fix} in:\n${r.messages.join("\n")}`);
      expect(r.ok).toBe(false);
      expect(r.messages[0]).toMatch(/^\d+ problem\(s\) in (the configuration|construct props); nothing was synthesized:$/);
      expect(r.messages[r.messages.length - 1]).toBe("removed cdktf.out/ so no partial or stale output can be deployed");
      for (const m of r.messages) expect(m).not.toMatch(/Cannot read properties|is not a function|^\s+at /);
      expect(fs.readdirSync(dir)).toEqual([]);
    },
  );
});

describe("GIVEN an error nobody expected (a bug)", () => {
  const boom = () =>
    jest.mocked(buildPlatform).mockImplementationOnce(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'name')");
    });

  test("WHEN synthesized THEN one line says it is a bug, no stack trace, and nothing is left", () => {
    boom();
    const { r, dir } = run({ name: "bug", context: "", field: "", value: undefined, problem: "", fix: "" });
    expect(r.messages).toEqual([
      "internal error: Cannot read properties of undefined (reading 'name') — this is a bug in aks-app-identity, not in your configuration; please report it with the output of `npm run synth -- --debug` (or AKS_DEBUG=1)",
      "removed cdktf.out/ so no partial or stale output can be deployed",
    ]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test.each([
    ["--debug", ["--debug"], {}],
    ["AKS_DEBUG=1", [], { AKS_DEBUG: "1" }],
  ] as const)("WHEN synthesized with %s THEN the stack trace is printed too", (_, argv, vars) => {
    boom();
    const config = structuredClone(platform);
    const { dir, outdir } = staleOutdir();
    const r = synthesize(config, argv, vars, outdir);
    expect(r.messages[0]).toMatch(/^internal error: /);
    expect(r.messages[1]).toMatch(/^TypeError: Cannot read properties[^]*\n\s+at /);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test("WHEN the config itself is not an object THEN the line says so", () => {
    for (const raw of [null, 42, "config", []]) {
      const { dir, outdir } = staleOutdir();
      const r = synthesize(raw, [], {}, outdir);
      expect(r.ok).toBe(false);
      expect(r.messages[1]).toMatch(/^ {2}- config: .* Fix: /);
      expect(fs.readdirSync(dir)).toEqual([]);
    }
  });

  test("WHEN several problems of different kinds are present THEN all are reported at once", () => {
    const config: Raw = structuredClone(platform);
    config.environments[1].teams[0].namespce = "x";
    config.environments[1].teams[0].createNamespace = "false";
    config.environments[0].teams[0].keyVault.name = 7;
    const { dir, outdir } = staleOutdir();
    const r = synthesize(config, [], {}, outdir);
    expect(r.messages[0]).toBe("3 problem(s) in the configuration; nothing was synthesized:");
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe("GIVEN free text that Terraform would evaluate (tag values, a secret's contentType)", () => {
  test("WHEN synthesized THEN it is escaped ($${, %%{) in cdk.tf.json and the synth succeeds", () => {
    const config: Raw = structuredClone(platform);
    config.environments[1].tags = { owner: '${file("/etc/passwd")}' };
    config.environments[1].teams[0].keyVault.secrets[0].contentType = "%{ if true }x%{ endif }";
    const { outdir } = staleOutdir();
    const r = synthesize(config, ["--env", "prod"], {}, outdir);
    expect(r.ok).toBe(true);
    const json = fs.readFileSync(path.join(outdir, "stacks", "prod-apps", "cdk.tf.json"), "utf8");
    expect(json).toContain('"owner": "$${file(\\"/etc/passwd\\")}"');
    expect(json).toContain('"content_type": "%%{ if true }x%%{ endif }"');
    // No unescaped occurrence anywhere.
    expect(json.replace(/\$\$\{/g, "").replace(/%%\{/g, "")).not.toMatch(/\$\{file|%\{ if/);
  });
});

describe("GIVEN the real `node tools/run.js synth` process", () => {
  const cases = [
    [
      "a storage account name that cannot exist",
      [],
      { TFSTATE_STORAGE_ACCOUNT: "Bad_Name", TFSTATE_RESOURCE_GROUP: "rg" },
      'environment: TFSTATE_STORAGE_ACCOUNT "Bad_Name" is invalid',
    ],
    [
      "a storage account without a resource group",
      [],
      { TFSTATE_STORAGE_ACCOUNT: "sttfstate" },
      "environment: TFSTATE_RESOURCE_GROUP is missing",
    ],
    ["an unknown --env", ["--env", "staging"], {}, 'command line: --env "staging" is not an environment'],
    ["an unknown argument", ["--verbose"], {}, 'command line: argument "--verbose" is not understood'],
  ] as const;
  test.each(cases)("%s: WHEN run THEN exit 1, the line, no stack trace, and the previous cdktf.out/ is gone", (_, argv, vars, expected) => {
    const { dir, outdir } = staleOutdir();
    const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir, ...vars };
    for (const k of ["AKS_ENV", "AKS_DEBUG", "TFSTATE_STORAGE_ACCOUNT", "TFSTATE_RESOURCE_GROUP"]) if (!(k in vars)) delete env[k];
    const p = spawnSync(process.execPath, [path.join(ROOT, "tools", "run.js"), "synth", ...argv], { cwd: ROOT, env, encoding: "utf8" });
    expect(p.status).toBe(1);
    expect(p.stderr).toContain(expected);
    expect(p.stderr).not.toMatch(/^\s+at /m);
    expect(p.stderr).toContain("removed cdktf.out/ so no partial or stale output can be deployed");
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
