/**
 * What each finding means and how to fix it: what failed, the root cause, the guide step
 * that was missed, and the construct or config field that fixes it, filled in with the
 * concrete values from the log (and, with `--env`, from that environment's config).
 *
 * `verify` uses the same hints for its failed checks.
 */
import type { AppTeamConfig, EnvironmentConfig } from "../../config/types";
import { appStackName, clusterAdminStackName } from "../../config/stack-names";
import type { FieldName } from "./fields";
import type { FindingId } from "./rules";
import {
  AAD_POD_IDENTITY_GROUP,
  BuiltInRoles,
  POD_IDENTITY_LABEL,
  serviceAccountSubject,
  userAssignedIdentityId,
  WORKLOAD_IDENTITY_AUDIENCE as WI_AUDIENCE,
} from "../../constructs/facts";

/** Distinct values seen for each field of a finding (first seen first). */
export type FindingValues = Partial<Record<FieldName, readonly string[]>>;

/** The guide step a finding points back to. */
export interface GuideStep {
  /** 1–8, or null for prerequisites the guide does not number. */
  readonly step: number | null;
  readonly title: string;
}

/** The explanation of one finding. */
export interface Explanation {
  readonly whatFailed: string;
  readonly rootCause: string;
  readonly guideStep: GuideStep;
  readonly fix: {
    /** The construct (or method) that makes this right. */
    readonly construct: string;
    /** Config fields involved, e.g. `teams[poc].podIdentity.selector`. */
    readonly config: readonly string[];
    /** The fix in one or two sentences, with the values. */
    readonly text: string;
  };
}

/** What the hints may use besides the log values. */
export interface HintContext {
  readonly env?: EnvironmentConfig;
  /** The app team the finding belongs to, when the values identify one. */
  readonly team?: AppTeamConfig;
}

/** The guide's steps (000_657adeae657bb932.txt), by number. */
export const GUIDE_STEPS: Readonly<Record<number, string>> = {
  1: "Create an Azure Managed Identity",
  2: "Create an Azure Key Vault and add the secret",
  3: "Assign Managed Identity Operator to the cluster's agent-pool identity on the managed identity",
  4: "Set access policies for the identity in the Key Vault",
  5: "Deploy AzureIdentity and AzureIdentityBinding",
  6: "Label the application pods with the binding's selector",
  7: "Assign Reader and Virtual Machine Contributor to the agent-pool identity on the MC_ node resource group (cluster admins)",
  8: "Verify that an AzureAssignedIdentity got created",
};

function step(n: number | null, title?: string): GuideStep {
  return { step: n, title: title ?? (n === null ? "prerequisite (not a numbered step)" : GUIDE_STEPS[n]) };
}

const MIO_GUID = BuiltInRoles.ManagedIdentityOperator.guid;
const VM_CONTRIBUTOR_GUID = BuiltInRoles.VirtualMachineContributor.guid;
const READER_GUID = BuiltInRoles.Reader.guid;
const KV_SECRETS_USER_GUID = BuiltInRoles.KeyVaultSecretsUser.guid;

/** First value of a field, or a `<placeholder>`. */
export function one(values: FindingValues, field: FieldName, placeholder?: string): string {
  const v = values[field];
  return v && v.length > 0 ? v[0] : `<${placeholder ?? field}>`;
}

function has(values: FindingValues, field: FieldName): boolean {
  const v = values[field];
  return !!v && v.length > 0 && !v[0].startsWith("(");
}

function list(values: FindingValues, field: FieldName, max = 3): string {
  const v = values[field] ?? [];
  if (v.length === 0) return `<${field}>`;
  const shown = v.slice(0, max).join(", ");
  return v.length > max ? `${shown} (+${v.length - max} more)` : shown;
}

function appsStack(ctx: HintContext): string {
  return ctx.env ? appStackName(ctx.env, ctx.team) : "<env>-apps";
}

function adminStack(ctx: HintContext): string {
  return ctx.env ? clusterAdminStackName(ctx.env) : "<env>-cluster-admin";
}

function teamPath(ctx: HintContext, field: string): string {
  return `teams[${ctx.team ? ctx.team.name : "<team>"}].${field}`;
}

function identityDesc(values: FindingValues, ctx: HintContext): string {
  if (has(values, "identityResourceId")) return one(values, "identityResourceId");
  if (ctx.team && ctx.env) {
    const t = ctx.team.identity;
    return userAssignedIdentityId(ctx.env.appSubscriptionId, t.resourceGroupName, t.name);
  }
  return "<identity resource ID>";
}

/** The node machine as the log names it: a VM scale set or a VM (availability-set clusters). */
function computeDesc(values: FindingValues): string {
  if (has(values, "vmss")) return `VM scale set ${one(values, "vmss")}`;
  if (has(values, "vm")) return `VM ${one(values, "vm")}`;
  return "the node VM or VM scale set";
}

/** How to explain each finding, from its log values and the config (when known). */
const HINTS: Readonly<Record<FindingId, (values: FindingValues, ctx: HintContext) => Explanation>> = {
  "missing-managed-identity-operator": (values, ctx) => {
    const identity = identityDesc(values, ctx);
    const pod = has(values, "pod") ? ` for pod ${list(values, "pod")}` : "";
    return {
      whatFailed:
        `MIC could not add identity ${has(values, "identityName") ? one(values, "identityName") : identity} to ` +
        `${computeDesc(values)} in node resource group ${one(values, "nodeResourceGroup")}${pod}.`,
      rootCause:
        `The agent-pool (kubelet) identity ${one(values, "principalId")} lacks Microsoft.ManagedIdentity/userAssignedIdentities/assign/action ` +
        `on ${identity}: it has no Managed Identity Operator role on the app identity.`,
      guideStep: step(3),
      fix: {
        construct: "ManagedIdentityOperatorAssignment (identity.grantOperator(cluster))",
        config: [teamPath(ctx, "identity"), "cluster.agentPool"],
        text:
          `In stack ${appsStack(ctx)}, call identity.grantOperator(cluster) for the team's identity: ManagedIdentityOperatorAssignment ` +
          `grants Managed Identity Operator (${MIO_GUID}) to principal ${one(values, "principalId")} on ${identity}.`,
      },
    };
  },
  "malformed-identity-resource-id": (values, ctx) => {
    const linked = one(values, "linkedSubscription");
    return {
      whatFailed:
        `MIC could not add an identity to ${computeDesc(values)} in node resource group ${one(values, "nodeResourceGroup")}: ` +
        `ARM found no linked subscription "${linked}".`,
      rootCause:
        `The client ${has(values, "principalId") ? one(values, "principalId") : "(the agent-pool identity)"} ` +
        `HAS ${one(values, "action")}, so no role is missing: the AzureIdentity's resourceID is malformed. ARM ` +
        `read "${linked}" where the subscription ID belongs (a missing /subscriptions/<id> segment, a stray or ` +
        `missing slash, or a placeholder left in).`,
      guideStep: step(5),
      fix: {
        construct: "PodIdentityBinding",
        config: [teamPath(ctx, "identity"), teamPath(ctx, "podIdentity")],
        text:
          `Do not add roles. Recreate the AzureIdentity with PodIdentityBinding (stack ${appsStack(ctx)}): it writes ` +
          `resourceID from the identity itself, /subscriptions/<subscription>/resourcegroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>; ` +
          `fix or delete hand-made AzureIdentities whose resourceID has another shape (kubectl get azureidentity -A -o yaml).`,
      },
    };
  },
  "missing-node-resource-group-roles": (values, ctx) => {
    const rg = one(values, "nodeResourceGroup");
    return {
      whatFailed:
        `MIC could not ${/write$/i.test(one(values, "action")) ? "update" : "read"} ${computeDesc(values)} in ` +
        `${rg} (${one(values, "action")}).`,
      rootCause:
        `The agent-pool (kubelet) identity ${one(values, "principalId")} has no Reader / Virtual Machine Contributor ` +
        `role on the node resource group ${rg} (subscription ${one(values, "clusterSubscriptionId")}).`,
      guideStep: step(7),
      fix: {
        construct: "NodeResourceGroupRoles",
        config: ["cluster.agentPool.nodeResourceGroupName", "cluster.agentPool.identityName", "cluster.subscriptionId"],
        text:
          `Deploy stack ${adminStack(ctx)}: NodeResourceGroupRoles assigns Reader (${READER_GUID}) and Virtual ` +
          `Machine Contributor (${VM_CONTRIBUTOR_GUID}) to principal ${one(values, "principalId")} on resource group ${rg}.`,
      },
    };
  },
  "missing-keyvault-secret-permission": (values, ctx) => {
    const vault = one(values, "vaultName");
    return {
      whatFailed: `The app (client ${one(values, "clientId")}) could not ${one(values, "permission")} secrets in Key Vault ${vault}: 403 Forbidden.`,
      rootCause: `The vault uses access policies and has none granting secrets get/list to the identity's principal ${one(values, "principalId")}.`,
      guideStep: step(4),
      fix: {
        construct: "KeyVault.grantSecretRead(identity)",
        config: [teamPath(ctx, "keyVault.name"), teamPath(ctx, "keyVault.rbacAuthorization")],
        text:
          `In stack ${appsStack(ctx)}, call vault.grantSecretRead(identity): with keyVault.rbacAuthorization unset/false ` +
          `it adds an access policy with secrets Get and List for object ID ${one(values, "principalId")} (tenant ` +
          `${one(values, "tenantId")}) on ${vault}.`,
      },
    };
  },
  "missing-keyvault-rbac-role": (values, ctx) => {
    const vault = one(values, "vaultName");
    return {
      whatFailed: `The app (client ${one(values, "clientId")}) was refused ${has(values, "action") ? one(values, "action") : "secret access"} on Key Vault ${vault}${has(values, "secretName") ? ` (secret ${one(values, "secretName")})` : ""}: ForbiddenByRbac.`,
      rootCause:
        `The vault uses Azure RBAC and principal ${one(values, "principalId")} has no data-plane role on it (access ` +
        `policies are ignored in RBAC mode).`,
      guideStep: step(4, "Set Key Vault access for the identity (RBAC mode: Key Vault Secrets User)"),
      fix: {
        construct: "KeyVault.grantSecretRead(identity)",
        config: [teamPath(ctx, "keyVault.rbacAuthorization"), teamPath(ctx, "keyVault.name")],
        text:
          `Set keyVault.rbacAuthorization: true and call vault.grantSecretRead(identity) in stack ${appsStack(ctx)}: ` +
          `it assigns Key Vault Secrets User (${KV_SECRETS_USER_GUID}) to principal ${one(values, "principalId")} ` +
          `on ${vault}. A new role assignment can take a few minutes to apply.`,
      },
    };
  },
  "identity-not-assigned": (values, ctx) => {
    const state = has(values, "state") ? one(values, "state") : "";
    const stuck = state === "ASSIGNED";
    const selector = ctx.team?.podIdentity?.selector;
    return {
      whatFailed: `NMI found no ${stuck ? "Assigned" : ""} AzureAssignedIdentity for pod ${list(values, "pod")}${has(values, "attempts") ? ` after ${one(values, "attempts")} attempts` : ""}, so the pod got no token.`,
      rootCause: stuck
        ? "MIC matched the pod (an AzureAssignedIdentity exists in state Created) but could not assign the identity " +
          "to the node: its log shows why, usually a missing Managed Identity Operator (step 3) or missing node " +
          "resource group roles (step 7)."
        : `No AzureIdentityBinding selects the pod: its label ${POD_IDENTITY_LABEL} differs from the binding's selector${selector ? ` "${selector}"` : ""}, or the AzureIdentity/AzureIdentityBinding is missing or was ignored by MIC. Run the MIC log through doctor too.`,
      guideStep: stuck ? step(8) : step(6, `${GUIDE_STEPS[5]}; ${GUIDE_STEPS[6]}`),
      fix: {
        construct: stuck
          ? "ManagedIdentityOperatorAssignment / NodeResourceGroupRoles (see the MIC log)"
          : "PodIdentityBinding and KeyVaultReaderWorkload (labels from the binding)",
        config: stuck
          ? [teamPath(ctx, "identity"), "cluster.agentPool"]
          : [teamPath(ctx, "podIdentity.selector"), teamPath(ctx, "podIdentity.bindingName"), teamPath(ctx, "workload")],
        text: stuck
          ? `Feed the MIC log to doctor (kubectl logs -l app.kubernetes.io/component=mic -n <mic namespace> | npm ` +
            `run doctor): it names the missing role. Namespace ${list(values, "namespace")}.`
          : `In stack ${appsStack(ctx)}, PodIdentityBinding creates the binding with selector ${selector ? `"${selector}"` : "podIdentity.selector"} and KeyVaultReaderWorkload takes its pod label ${POD_IDENTITY_LABEL} from that binding; pods of other deployments in namespace ${list(values, "namespace")} need the same label.`,
      },
    };
  },
  "clientid-not-bound": (values, ctx) => ({
    whatFailed: `NMI refused a token request for client ID ${one(values, "clientId")}${has(values, "pod") ? ` from pod ${list(values, "pod")}` : ""}.`,
    rootCause:
      "The app asked for a client ID that no AzureIdentity bound to the pod has (wrong clientID in the app " +
      "or AzureIdentity, or no binding for that identity), or it asked before the identity was assigned.",
    guideStep: step(5),
    fix: {
      construct: "PodIdentityBinding",
      config: [teamPath(ctx, "podIdentity.azureIdentityName"), teamPath(ctx, "identity")],
      text:
        `In stack ${appsStack(ctx)}, PodIdentityBinding writes the AzureIdentity's clientID from the identity ` +
        `itself; make the app request that client ID (or none), and bind the identity to the pod's selector.`,
    },
  }),
  "pruned-crd-fields": (values, ctx) => ({
    whatFailed: `MIC ignored AzureIdentity ${one(values, "azureIdentity")}: its resourceID is empty.`,
    rootCause:
      "The AzureIdentity was written with mis-cased fields (e.g. ResourceID, ClientID); the CRD schema is structural, " +
      "so the API server silently pruned them.",
    guideStep: step(5),
    fix: {
      construct: "PodIdentityBinding",
      config: [teamPath(ctx, "podIdentity"), teamPath(ctx, "identity")],
      text:
        `Create the AzureIdentity with PodIdentityBinding (stack ${appsStack(ctx)}), which writes type, resourceID ` +
        `and clientID with the exact case; delete hand-made copies of ${one(values, "azureIdentity")}.`,
    },
  }),
  "kubenet-not-supported": (_values, ctx) => ({
    whatFailed: "NMI exited at start-up: AAD Pod Identity is not supported for Kubenet.",
    rootCause:
      "The cluster uses the kubenet network plugin, where pods with NET_RAW can spoof other pods; NMI refuses " +
      "to run there by default (since v1.7).",
    guideStep: step(null, "prerequisite: a cluster network plugin aad-pod-identity supports (Azure CNI)"),
    fix: {
      construct: 'WorkloadIdentityFederation (identityMode "workload-identity")',
      config: [teamPath(ctx, "identityMode"), teamPath(ctx, "workloadIdentity.serviceAccountName"), "cluster.oidcIssuerUrl"],
      text:
        'Move the team to Entra Workload ID (identityMode "workload-identity": WorkloadIdentityFederation), or ' +
        "run the cluster on Azure CNI; allowing kubenet (Helm nmi.allowNetworkPluginKubenet=true) is safe only " +
        "when every pod drops NET_RAW.",
    },
  }),
  "principal-not-found": (values, ctx) => ({
    whatFailed: `A role assignment for principal ${one(values, "principalId")} failed with PrincipalNotFound${has(values, "resourceAddress") ? ` (${one(values, "resourceAddress")})` : ""}.`,
    rootCause:
      "The identity was created moments before and has not replicated through Entra ID yet; ARM looks the principal " +
      "up unless told it is a service principal.",
    guideStep: step(3, "Role assignments of steps 3, 4 and 7"),
    fix: {
      construct: "ManagedIdentityOperatorAssignment / NodeResourceGroupRoles / KeyVault.grantSecretRead(identity)",
      config: [teamPath(ctx, "identity"), "cluster.agentPool.principalId"],
      text:
        `These constructs create their role assignments with principal_type "ServicePrincipal" and skip_service_principal_aad_check ` +
        `= true, which avoids the lookup; a role assignment for ${one(values, "principalId")} made elsewhere ` +
        `needs the same, or re-run the apply of ${appsStack(ctx)} after a minute.`,
    },
  }),
  "metadata-header-required": (values, ctx) => ({
    whatFailed: `A token request to the instance metadata endpoint was rejected${has(values, "pod") ? ` for pod ${list(values, "pod")}` : ""}: Required metadata header not specified.`,
    rootCause:
      "NMI v1.8.4 and later require the header `Metadata: true` on every request; the app's HTTP client (or " +
      "an old Azure SDK) does not send it.",
    guideStep: step(6),
    fix: {
      construct: "KeyVaultReaderWorkload",
      config: [teamPath(ctx, "workload.images")],
      text:
        "Send `Metadata: true` with every request to 169.254.169.254 (current Azure SDKs do); for the reader " +
        "test, use an image whose client sends it (workload.images).",
    },
  }),
  "crd-not-installed": (values, ctx) => {
    const kind = has(values, "kind") ? one(values, "kind") : "AzureIdentity";
    return {
      whatFailed: `Terraform could not plan ${has(values, "resourceAddress") ? one(values, "resourceAddress") : "a kubernetes_manifest"}: the cluster does not know kind ${kind}${has(values, "group") ? ` in ${one(values, "group")}` : ""}.`,
      rootCause:
        `The aad-pod-identity CRDs (group ${AAD_POD_IDENTITY_GROUP}) are not installed on this cluster; kubernetes_manifest ` +
        `needs the CRD at plan time.`,
      guideStep: step(5),
      fix: {
        construct: "PodIdentityBinding (needs aad-pod-identity on the cluster)",
        config: [teamPath(ctx, "identityMode"), "cluster.kubernetes"],
        text:
          `Install aad-pod-identity on the cluster (its Helm chart brings the CRDs; this project does not install ` +
          `it) before planning ${appsStack(ctx)}, check that cluster.kubernetes points at the right cluster, or ` +
          `set identityMode "workload-identity", which needs no CRDs.`,
      },
    };
  },
  "federated-credential-mismatch": (values, ctx) => {
    const code = one(values, "errorCode");
    const expectedSubject = ctx.team?.workloadIdentity
      ? serviceAccountSubject(ctx.team.namespace, ctx.team.workloadIdentity.serviceAccountName)
      : "system:serviceaccount:<namespace>:<serviceAccountName>";
    const presented = (["issuer", "subject", "audience"] as const)
      .filter((k) => has(values, k))
      .map((k) => `${k} ${one(values, k)}`)
      .join(", ");
    const specific =
      code === "AADSTS700211"
        ? "No federated credential on the identity has the presented issuer: it was made for another cluster's " +
          "OIDC issuer URL (or with a different trailing slash)"
        : code === "AADSTS700213"
          ? "No federated credential on the identity has the presented subject: the pod runs as another ServiceAccount " +
            "or namespace than the credential names (case-sensitive)"
          : `The identity's federated credential does not match the presented ServiceAccount token exactly (issuer ` +
            `= the cluster's OIDC issuer URL, subject = system:serviceaccount:<namespace>:<name>, audience ${WI_AUDIENCE}; case-sensitive)`;
    return {
      whatFailed: `Entra ID refused the token exchange (${code}): no federated identity credential matches the presented token${presented ? ` (${presented})` : ""}.`,
      rootCause: `${specific}; or the credential was created moments ago: a new federated credential can take a few minutes to propagate.`,
      guideStep: step(null, "workload identity: federated credential (replaces guide steps 3, 5 and 7)"),
      fix: {
        construct: "WorkloadIdentityFederation",
        config: [
          teamPath(ctx, "workloadIdentity.serviceAccountName"),
          teamPath(ctx, "namespace"),
          "cluster.oidcIssuerUrl (or cluster.lookup)",
        ],
        text:
          `In stack ${appsStack(ctx)}, WorkloadIdentityFederation creates the federated credential with subject ` +
          `${expectedSubject}, the cluster's OIDC issuer and audience ${WI_AUDIENCE}, and the ServiceAccount the ` +
          `pod must run as; if it was just created, wait a few minutes and retry.`,
      },
    };
  },
};

/** Explains one finding with its values. */
export function explain(id: FindingId, values: FindingValues, ctx: HintContext = {}): Explanation {
  return HINTS[id](values, ctx);
}
