/**
 * What `doctor` recognises: one rule per finding id. A rule matches the text of one
 * normalised log line and extracts the values the fix needs (principal, identity, vault,
 * node resource group, pod, …). Findings with the same id and the same `key` values are
 * one finding, however often they repeat.
 *
 * The ids are stable: they are the `id` of `--json` output and are listed in
 * docs/doctor-and-verify.md.
 */
import { GUID_PATTERN as GUID } from "../../constructs/facts";
import { addIdentityParts, dashedGuid, parseArmId, parseServiceAccountSubject, type FieldName, type Fields } from "./fields";

/** Stable finding ids. */
export const FINDING_IDS = [
  "missing-managed-identity-operator",
  "malformed-identity-resource-id",
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
  /**
   * For messages that are a failure only in some settings: the matching line, then up to
   * `lines` preceding lines, are asked in turn; the first `true` makes it a finding (its line
   * is quoted as evidence), the first `false` (or none) makes it benign.
   */
  readonly context?: { readonly lines: number; test(text: string): boolean | undefined };
  /** Checked once all values are in (after look-back and follow-up): false drops the occurrence. */
  accept?(fields: Fields): boolean;
}

/** The most lines any rule looks back. */
export const MAX_LOOK_BACK = 32;

/**
 * Cheap pre-test run on every raw line: a line that fails it cannot match any rule, so the
 * (costlier) normalising and matching are skipped. Every rule's trigger text is in here.
 */
export const PREFILTER =
  /AuthorizationFailed|linked scope|linked subscription|authorization to perform action|permission on key vault|ForbiddenByRbac|assigned identities for pod|AzureAssignedIdentity found|azure identity found for request|nvalid resource id|supported for Kubenet|PrincipalNotFound|does not exist in the directory|etadata header (?:is )?not specified|no matches for kind|GroupVersionResource|have a resource type|AADSTS7002|federated identity record/;

/**
 * An Azure error code where error codes stand, not a word anywhere in the line:
 * `Code="X"`, `"code": "X"`, `\"code\":\"X\"`, `InnerError={"code":"X"}`, `ErrorCode: X`,
 * `(X)` (Python), `[X (Forbidden)]`, `with error: X:` (azurerm).
 */
function codeRe(code: string): RegExp {
  return new RegExp(`code\\W{0,6}${code}\\b|\\(${code}\\)|\\[${code}\\b|\\b${code}: `, "i");
}
const FORBIDDEN_BY_RBAC = codeRe("ForbiddenByRbac");
const PRINCIPAL_NOT_FOUND = codeRe("PrincipalNotFound");

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

/** Adds cluster subscription, node resource group and the VM scale set or VM (as the scope says) from a compute scope. */
function addComputeScope(scope: string, f: Fields): void {
  const p = parseArmId(scope);
  if (!p) return;
  f.clusterSubscriptionId = p.subscriptionId;
  f.nodeResourceGroup = p.resourceGroup;
  if (!p.name || !p.type) return;
  if (/\/virtualMachineScaleSets$/i.test(p.type)) f.vmss = p.name;
  else if (/\/virtualMachines$/i.test(p.type)) f.vm = p.name;
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
  const old = /Applying binding ([\w.-]+) node (\S+) for pod \S+ resulted in error/.exec(text);
  if (old) {
    f.binding ??= old[1];
    f.node ??= old[2];
  }
  const u = /failed to (?:update|get) (?:identities for|vmss|vm) (\S+?) in (?:resource group )?([\w.()-]+?),/.exec(text);
  if (u) {
    // MIC says "identities for <name>" for both; the client it used tells a VM from a scale set.
    const isVm = !f.vmss && (f.vm !== undefined || /VirtualMachinesClient/.test(text));
    if (isVm) f.vm ??= u[1];
    else f.vmss ??= u[1];
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

const ASSIGN_ACTION = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action";
/** Why: the client lacks assign/action on the identity (the linked scope). */
const LINKED_MISSING = new RegExp(
  `has permission to perform action ${Q}([\\w./]+)${Q} on scope ${Q}(/subscriptions/${SCOPE_CHARS})${Q};? ` +
    `however,? it does not have permission to perform action ${Q}(Microsoft\\.ManagedIdentity/userAssignedIdentities/assign/action)${Q} ` +
    `on the linked scope\\(s\\) ${Q}(${SCOPE_CHARS})${Q}`,
  "i",
);
/** Why: the client HAS assign/action, but the identity resource ID names no subscription ARM can find. */
const LINKED_NOT_FOUND = new RegExp(
  `has permission to perform action ${Q}(Microsoft\\.ManagedIdentity/userAssignedIdentities/assign/action)${Q} ` +
    `on scope ${Q}(/subscriptions/${SCOPE_CHARS})${Q},? however,? the linked subscription ${Q}([^'"\\\\]*)${Q} was not found`,
  "i",
);

/** First identity of a linked-scope list (MIC assigns several at once: comma-separated). */
function addLinkedIdentity(scopes: string, f: Fields): void {
  const ids = scopes.split(",").filter((x) => x.length > 0);
  if (ids.length > 0) addIdentityParts(f, ids[0]);
}

const linkedAuthorization: Rule = {
  id: "missing-managed-identity-operator",
  title: "MIC cannot assign the app identity to the node VM or VM scale set (no Managed Identity Operator)",
  key: ["principalId", "identityResourceId"],
  match(text) {
    // Who (client), which action it lacks (assign/action), on what (the identity), why (no permission).
    const m = LINKED_MISSING.exec(text);
    // On what: a node VM or scale set (MIC). The same refusal on a cluster or another resource is a deployer's, not the kubelet's.
    if (!m || !/^Microsoft\.Compute\/virtualMachine(?:ScaleSet)?s\//i.test(m[1])) return undefined;
    const f: Fields = { action: ASSIGN_ACTION };
    addArmClient(text, f);
    addComputeScope(m[2], f);
    addLinkedIdentity(m[4], f);
    addMicContext(text, f);
    return f;
  },
};

const malformedIdentityId: Rule = {
  id: "malformed-identity-resource-id",
  title: "MIC has the permission but the AzureIdentity's resourceID is malformed (ARM found no such subscription)",
  key: ["linkedSubscription", "nodeResourceGroup"],
  match(text) {
    const m = LINKED_NOT_FOUND.exec(text);
    if (!m) return undefined;
    const f: Fields = { action: ASSIGN_ACTION, linkedSubscription: m[3] };
    addArmClient(text, f);
    addComputeScope(m[2], f);
    addMicContext(text, f);
    return f;
  },
};

const nodeGroupRoles: Rule = {
  id: "missing-node-resource-group-roles",
  title: "MIC cannot read or write the node VM or VM scale set (no Reader / Virtual Machine Contributor on the node resource group)",
  key: ["principalId", "nodeResourceGroup", "action"],
  match(text) {
    // Who (client) does not have authorization to perform which action over what scope.
    const a = new RegExp(
      `does not have authorization to perform action ${Q}(Microsoft\\.Compute/(?:virtualMachineScaleSets|virtualMachines)/(?:read|write))${Q}(?: ` +
        `over scope ${Q}(/subscriptions/${SCOPE_CHARS})${Q})?`,
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
    if (!text.includes("ForbiddenByRbac") || !FORBIDDEN_BY_RBAC.test(text)) return undefined;
    return kvRbacFields(text) ?? {};
  },
  // SDKs print the caller, action and vault on the lines before the code (Go, .NET, Python) or after it.
  lookBack: { lines: MAX_LOOK_BACK, match: kvRbacFields },
  followUp: { lines: 12, match: kvRbacFields },
  // Which action: a secret read. A refusal on keys or certificates (CMK, TLS) needs another role.
  accept: (f) => f.action === undefined || /^Microsoft\.KeyVault\/vaults\/secrets\//i.test(f.action),
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

const PRINCIPAL_MISSING = new RegExp(`Principal ([0-9a-fA-F]{32}|${GUID}) does not exist in the directory (${GUID})`, "i");

function principalFields(text: string): Fields | undefined {
  const f: Fields = {};
  const p = PRINCIPAL_MISSING.exec(text);
  if (p) {
    f.principalId = dashedGuid(p[1]);
    f.tenantId = p[2].toLowerCase();
  }
  const addr = ROLE_ASSIGNMENT_ADDRESS.exec(text);
  if (addr) f.resourceAddress = addr[1];
  return Object.keys(f).length > 0 ? f : undefined;
}

const principalNotFound: Rule = {
  id: "principal-not-found",
  title: "A role assignment names a principal Entra ID does not know (yet)",
  key: ["principalId"],
  match(text) {
    // The code where codes stand, or the message itself (Who: the principal; why: not in the directory).
    const byCode = text.includes("PrincipalNotFound") && PRINCIPAL_NOT_FOUND.test(text);
    if (!byCode && !/does not exist in the directory/.test(text)) return undefined;
    const f = principalFields(text) ?? {};
    if (!byCode && f.principalId === undefined) return undefined;
    f.principalId ??= "(unknown)";
    return f;
  },
  // A pretty-printed error body has the code on one line and the message on the next.
  lookBack: { lines: 8, match: principalFields },
  followUp: { lines: 12, match: principalFields },
};

/** NMI's path for token requests; other paths (cloud-metadata probes of other tools) are not token requests. */
const NMI_PATH = /re[qg]\.path=(\S+)/;
/** Wording of a failed token request (the app's side). */
const TOKEN_FAILURE =
  /failed to get token|Refresh request failed|authentication failed|AuthenticationFailedException|get_token failed|getToken\(\) => ERROR|failed to acquire (?:a )?token|acquiring (?:a )?token failed|TokenRequestFailed/i;
/** Wording of an SDK probing the metadata endpoint on purpose (a 400 is the expected answer). */
const IMDS_PROBE =
  /Pinging the Azure IMDS endpoint|IMDS endpoint is available|\bprob(?:e|ing)\b.{0,40}\b(?:IMDS|metadata)|\b(?:IMDS|metadata)\b.{0,40}\bprob(?:e|ing)\b/i;

const metadataHeader: Rule = {
  id: "metadata-header-required",
  title: "The app called the metadata endpoint without the `Metadata: true` header",
  key: [],
  match(text) {
    const nmi = text.includes("metadata header is not specified");
    if (!nmi && !text.includes("Required metadata header not specified")) return undefined;
    const f: Fields = {};
    if (nmi) {
      // NMI logs every refused request; only a refused token request is this failure.
      const p = NMI_PATH.exec(text);
      if (p && !p[1].startsWith("/metadata/identity/oauth2/token")) return undefined;
    }
    addPod(text, f);
    return f;
  },
  context: {
    lines: 16,
    test(text) {
      if (IMDS_PROBE.test(text)) return false;
      if (/metadata header is not specified.*re[qg]\.path=\/metadata\/identity\/oauth2\/token/.test(text)) return true;
      if (TOKEN_FAILURE.test(text)) return true;
      return undefined;
    },
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
  malformedIdentityId,
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
