/**
 * What `doctor` recognises: one rule per finding id. A rule matches the text of one
 * normalised log line and extracts the values the fix needs (principal, identity, vault,
 * node resource group, pod, …). Findings with the same id and the same `key` values are
 * one finding, however often they repeat.
 *
 * The ids are stable: they are the `id` of `--json` output and are listed in
 * docs/doctor-and-verify.md.
 */
import { GUID, addIdentityParts, dashedGuid, parseArmId, parseServiceAccountSubject, type FieldName, type Fields } from "./fields";

/** Stable finding ids. */
export const FINDING_IDS = [
  "missing-managed-identity-operator",
  "missing-node-resource-group-roles",
  "missing-keyvault-secret-permission",
  "missing-keyvault-rbac-role",
  "identity-not-assigned",
  "clientid-not-bound",
  "pruned-crd-fields",
  "kubenet-not-supported",
  "principal-not-found",
  "metadata-header-required",
  "crd-not-installed",
  "federated-credential-mismatch",
] as const;

export type FindingId = (typeof FINDING_IDS)[number];

/** One recognisable failure. */
export interface Rule {
  readonly id: FindingId;
  /** One line: what the finding is about. */
  readonly title: string;
  /** Returns the extracted values when the line is this failure, else undefined. */
  match(text: string): Fields | undefined;
  /** Fields whose values tell two findings of this id apart (kept low-cardinality). */
  readonly key: readonly FieldName[];
  /**
   * Terraform diagnostics span several lines: after a match, up to `lines` following lines
   * may add values (and are then consumed by this finding).
   */
  readonly followUp?: { readonly lines: number; match(text: string): Fields | undefined };
  /**
   * Errors printed over several lines (an SDK's JSON error body, a message with embedded
   * newlines): when this rule matches, up to `lines` preceding lines may fill in values the
   * matching line lacks.
   */
  readonly lookBack?: { readonly lines: number; match(text: string): Fields | undefined };
}

/** The most lines any rule looks back. */
export const MAX_LOOK_BACK = 12;

/**
 * Cheap pre-test run on every raw line: a line that fails it cannot match any rule, so the
 * (costlier) normalising and matching are skipped. Every rule's trigger text is in here.
 */
export const PREFILTER =
  /AuthorizationFailed|permission on key vault|ForbiddenByRbac|assigned identities for pod|AzureAssignedIdentity found|azure identity found for request|nvalid resource id|supported for Kubenet|PrincipalNotFound|metadata header not specified|no matches for kind|GroupVersionResource|have a resource type|AADSTS7002|federated identity record/;

const Q = `['"\\\\]*`; // a quote, possibly escaped, possibly doubled
const SCOPE_CHARS = `[^'"\\\\\\s]+`;

function pick(re: RegExp, text: string): RegExpExecArray | null {
  return re.exec(text);
}

/** `The client '<x>' with object id '<guid>'` (ARM authorization errors). */
const ARM_CLIENT = new RegExp(`The client ${Q}([^'"\\\\]+?)${Q} with object id ${Q}(${GUID})${Q}`, "i");
/** `Caller: appid=…;oid=…;iss=https://sts.windows.net/<tenant>/` and the data-plane variant. */
const KV_CALLER = new RegExp(`appid=(${GUID});oid=(${GUID})(?:;iss=https?://[^/]+/(${GUID}))?`, "i");

function addArmClient(text: string, f: Fields): void {
  const c = pick(ARM_CLIENT, text);
  if (c) {
    f.principalId = c[2].toLowerCase();
    if (c[1].toLowerCase() !== c[2].toLowerCase()) f.clientId = c[1];
  }
}

/** Adds cluster subscription, node resource group and scale set from a VMSS/VM scope. */
function addComputeScope(scope: string, f: Fields): void {
  const p = parseArmId(scope);
  if (!p) return;
  f.clusterSubscriptionId = p.subscriptionId;
  f.nodeResourceGroup = p.resourceGroup;
  if (p.name) f.vmss = p.name;
}

/** MIC's own context: `failed to apply binding <ns>/<binding> node <node> for pod <ns>/<pod>`. */
function addMicContext(text: string, f: Fields): void {
  const b = /failed to apply binding ([\w.-]+)\/([\w.-]+) node (\S+) for pod ([\w.-]+)\/([\w.-]+)/.exec(text);
  if (b) {
    f.binding = `${b[1]}/${b[2]}`;
    f.node = b[3];
    f.pod = `${b[4]}/${b[5]}`;
    f.namespace = b[4];
  }
  const u = /failed to (?:update|get) (?:identities for|vmss|vm) (\S+?) in (?:resource group )?([\w.()-]+?),/.exec(text);
  if (u) {
    f.vmss ??= u[1];
    f.nodeResourceGroup ??= u[2];
  }
}

function addKvCaller(text: string, f: Fields): void {
  const c = pick(KV_CALLER, text);
  if (c) {
    f.clientId = c[1].toLowerCase();
    f.principalId = c[2].toLowerCase();
    if (c[3]) f.tenantId = c[3].toLowerCase();
  }
}

function addPod(text: string, f: Fields): void {
  const p = /for pod:? ?([a-z0-9][\w.-]*)\/([a-z0-9][\w.-]*)/i.exec(text);
  if (p) {
    f.pod = `${p[1]}/${p[2]}`;
    f.namespace = p[1];
  }
}

const linkedAuthorization: Rule = {
  id: "missing-managed-identity-operator",
  title: "MIC cannot assign the app identity to the node scale set (no Managed Identity Operator)",
  key: ["principalId", "identityResourceId"],
  match(text) {
    if (!text.includes("LinkedAuthorizationFailed") || !/userAssignedIdentities\/assign\/action/i.test(text)) return undefined;
    const f: Fields = { action: "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action" };
    addArmClient(text, f);
    const linked = new RegExp(`linked scope\\(s\\) ${Q}(${SCOPE_CHARS})${Q}`, "i").exec(text);
    if (linked) addIdentityParts(f, linked[1]);
    const scope = new RegExp(`on scope ${Q}(/subscriptions/${SCOPE_CHARS})${Q}`, "i").exec(text);
    if (scope) addComputeScope(scope[1], f);
    addMicContext(text, f);
    return f;
  },
};

const nodeGroupRoles: Rule = {
  id: "missing-node-resource-group-roles",
  title: "MIC cannot read or write the node scale set (no Reader / Virtual Machine Contributor on the node resource group)",
  key: ["principalId", "nodeResourceGroup", "action"],
  match(text) {
    if (!/(?<![A-Za-z])AuthorizationFailed/.test(text)) return undefined;
    const a = new RegExp(
      `perform action ${Q}(Microsoft\\.Compute/(?:virtualMachineScaleSets|virtualMachines)/(?:read|write))${Q}(?: over scope ${Q}(/subscriptions/${SCOPE_CHARS})${Q})?`,
      "i",
    ).exec(text);
    if (!a) return undefined;
    const f: Fields = { action: a[1] };
    addArmClient(text, f);
    if (a[2]) addComputeScope(a[2], f);
    addMicContext(text, f);
    return f;
  },
};

const kvAccessPolicy: Rule = {
  id: "missing-keyvault-secret-permission",
  title: "The identity has no access policy on the Key Vault for secrets",
  key: ["vaultName", "principalId"],
  match(text) {
    const m = new RegExp(`does not have secrets (\\w+) permission on key vault ${Q}([\\w-]+)(?:;location=([\\w-]+))?`, "i").exec(text);
    if (!m) return undefined;
    const f: Fields = { permission: m[1].toLowerCase(), vaultName: m[2] };
    addKvCaller(text, f);
    return f;
  },
};

/** Caller, action, vault and secret of a Key Vault RBAC refusal (any of them may be on another line). */
function kvRbacFields(text: string): Fields | undefined {
  const f: Fields = {};
  addKvCaller(text, f);
  const p = new RegExp(`does not have secrets (\\w+) permission on key vault ${Q}([\\w-]+)`, "i").exec(text);
  if (p) {
    f.permission = p[1].toLowerCase();
    f.vaultName = p[2];
  }
  const action = new RegExp(`Action: ${Q}(Microsoft\\.KeyVault/[\\w/]+)${Q}`, "i").exec(text);
  if (action) f.action = action[1];
  const res = /\/providers\/microsoft\.keyvault\/vaults\/([\w-]+)(?:\/secrets\/([\w-]+))?/i.exec(text);
  if (res) {
    f.vaultName = res[1];
    if (res[2]) f.secretName = res[2];
  }
  const vault = /Vault: ([\w-]+);location=/.exec(text);
  if (vault) f.vaultName = vault[1];
  const url = /https:\/\/([\w-]+)\.vault\.azure\.net(?:\/secrets\/([\w-]+))?/i.exec(text);
  if (url) {
    f.vaultName ??= url[1];
    if (url[2]) f.secretName ??= url[2];
  }
  return Object.keys(f).length > 0 ? f : undefined;
}

const kvRbac: Rule = {
  id: "missing-keyvault-rbac-role",
  title: "The identity has no Key Vault data-plane role on an RBAC-mode vault",
  key: ["vaultName", "principalId"],
  match(text) {
    if (!text.includes("ForbiddenByRbac")) return undefined;
    return kvRbacFields(text) ?? {};
  },
  lookBack: { lines: MAX_LOOK_BACK, match: kvRbacFields },
};

const notAssigned: Rule = {
  id: "identity-not-assigned",
  title: "NMI found no assigned identity for the pod",
  key: ["namespace", "state"],
  match(text) {
    const g = /getting assigned identities for pod ([\w.-]+)\/([\w.-]+) in (\w+) state failed after (\d+) attempts/.exec(text);
    if (g) return { pod: `${g[1]}/${g[2]}`, namespace: g[1], state: g[3].toUpperCase(), attempts: g[4] };
    // "… in assigned state" here says what NMI looked for, not that a Created one exists.
    const n = /no AzureAssignedIdentity found for pod:? ?([\w.-]+)\/([\w.-]+)/i.exec(text);
    if (n) return { pod: `${n[1]}/${n[2]}`, namespace: n[1] };
    return undefined;
  },
};

const clientIdNotBound: Rule = {
  id: "clientid-not-bound",
  title: "The app asked NMI for a client ID that no AzureIdentity bound to the pod has",
  key: ["clientId", "namespace"],
  match(text) {
    const m = /no azure identity found for request clientID ?((?:[0-9a-fA-F-]|#+ REDACTED #+)*)/.exec(text);
    if (!m) return undefined;
    const f: Fields = {};
    if (m[1]) f.clientId = m[1].trim();
    else {
      const q = new RegExp(`client_id=(${GUID})`, "i").exec(text);
      f.clientId = q ? q[1] : "(none)";
    }
    addPod(text, f);
    return f;
  },
};

const pruned: Rule = {
  id: "pruned-crd-fields",
  title: "AzureIdentity has an empty resourceID: mis-cased fields were pruned by the API server",
  key: ["azureIdentity"],
  match(text) {
    if (!/invalid resource id: ?\\?"\\?"/i.test(text)) return undefined;
    const f: Fields = {};
    const a = /Ignoring azure identity ([\w.-]+)\/([\w.-]+)/i.exec(text);
    if (a) {
      f.azureIdentity = `${a[1]}/${a[2]}`;
      f.namespace = a[1];
    } else {
      f.azureIdentity = "(unknown)";
    }
    return f;
  },
};

const kubenet: Rule = {
  id: "kubenet-not-supported",
  title: "NMI refuses to run on a kubenet cluster",
  key: [],
  match(text) {
    return text.includes("AAD Pod Identity is not supported for Kubenet") ? {} : undefined;
  },
};

const ROLE_ASSIGNMENT_ADDRESS = /with ((?:module\.[\w-]+\.)*azurerm_role_assignment\.[\w-]+(?:\[[^\]]+\])?)/;

const principalNotFound: Rule = {
  id: "principal-not-found",
  title: "A role assignment names a principal Entra ID does not know (yet)",
  key: ["principalId"],
  match(text) {
    if (!text.includes("PrincipalNotFound")) return undefined;
    const f: Fields = {};
    const p = new RegExp(`Principal ([0-9a-fA-F]{32}|${GUID}) does not exist in the directory (${GUID})`, "i").exec(text);
    if (p) {
      f.principalId = dashedGuid(p[1]);
      f.tenantId = p[2].toLowerCase();
    } else {
      f.principalId = "(unknown)";
    }
    const addr = ROLE_ASSIGNMENT_ADDRESS.exec(text);
    if (addr) f.resourceAddress = addr[1];
    return f;
  },
  followUp: {
    lines: 12,
    match(text) {
      const addr = ROLE_ASSIGNMENT_ADDRESS.exec(text);
      return addr ? { resourceAddress: addr[1] } : undefined;
    },
  },
};

const metadataHeader: Rule = {
  id: "metadata-header-required",
  title: "The app called the metadata endpoint without the `Metadata: true` header",
  key: [],
  match(text) {
    if (!text.includes("Required metadata header not specified")) return undefined;
    const f: Fields = {};
    addPod(text, f);
    return f;
  },
};

const NO_MATCHES = /no matches for kind \\?"([\w.-]+)\\?" in (?:group|version) \\?"([^"\\]+)\\?"/;
const TF_ADDRESS = /^\s*with ((?:module\.[\w-]+\.)*kubernetes_manifest\.[\w-]+(?:\[[^\]]+\])?)/;

function noMatches(text: string): Fields | undefined {
  const m = NO_MATCHES.exec(text);
  if (m) return { kind: m[1], group: m[2].replace(/\/v\w+$/, "") };
  const r = /the server doesn't have a resource type \\?"([\w.-]+)\\?"/.exec(text);
  if (r) return { kind: r[1] };
  return undefined;
}

const crdNotInstalled: Rule = {
  id: "crd-not-installed",
  title: "The aad-pod-identity CRDs are not installed on the cluster",
  key: ["kind"],
  match(text) {
    if (text.includes("Failed to determine GroupVersionResource")) return { kind: "(unknown)" };
    return noMatches(text);
  },
  followUp: {
    lines: 12,
    match(text) {
      const a = TF_ADDRESS.exec(text);
      if (a) return { resourceAddress: a[1] };
      return noMatches(text);
    },
  },
};

const federated: Rule = {
  id: "federated-credential-mismatch",
  title: "Entra ID found no federated credential matching the pod's ServiceAccount token",
  key: ["issuer", "subject"],
  match(text) {
    const code = /AADSTS(70021|700211|700213|7002121)\b/.exec(text);
    if (!code && !text.includes("No matching federated identity record found")) return undefined;
    const f: Fields = { errorCode: code ? `AADSTS${code[1]}` : "AADSTS70021" };
    // The value sits between quotes (possibly backslash-escaped inside JSON text).
    const q = `\\\\?['"]([^'"\\\\\\s]+)\\\\?['"]`;
    const get = (re: string): string | undefined => new RegExp(re, "i").exec(text)?.[1];
    f.issuer = get(`Assertion Issuer: ${q}`) ?? get(`presented assertion issuer ${q}`);
    f.subject = get(`Assertion Subject: ${q}`) ?? get(`presented assertion subject ${q}`);
    f.audience = get(`Assertion Audience: ${q}`) ?? get(`presented assertion audience ${q}`);
    for (const k of ["issuer", "subject", "audience"] as const) if (f[k] === undefined) delete f[k];
    const sa = f.subject ? parseServiceAccountSubject(f.subject) : undefined;
    if (sa) {
      f.namespace = sa.namespace;
      f.serviceAccount = sa.name;
    }
    const client = new RegExp(`client(?:_id|Id|ID)?[=: '"]+(${GUID})`).exec(text);
    if (client) f.clientId = client[1].toLowerCase();
    return f;
  },
};

/** Every rule, in the order they are tried: the first match wins for a line. */
export const RULES: readonly Rule[] = [
  linkedAuthorization,
  nodeGroupRoles,
  kvRbac,
  kvAccessPolicy,
  clientIdNotBound,
  notAssigned,
  pruned,
  kubenet,
  principalNotFound,
  metadataHeader,
  crdNotInstalled,
  federated,
];

/** Tries every rule on one normalised line. */
export function matchLine(text: string): { rule: Rule; fields: Fields } | undefined {
  for (const rule of RULES) {
    const fields = rule.match(text);
    if (fields) return { rule, fields };
  }
  return undefined;
}
