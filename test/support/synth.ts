/**
 * Shared test harness for the construct tests: a stack with the azurerm and kubernetes
 * providers, synthesis with validations on, and small accessors over the synthesized JSON.
 * Deep provider imports only (the barrel costs seconds per test file).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { type App, type TerraformProvider, TerraformStack, Testing } from "cdktf";
import type { Construct, IConstruct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { AksCluster } from "../../constructs/aks-cluster";
import { ManagedIdentity } from "../../constructs/managed-identity";
import { ValidationError, type ValidationIssue } from "../../constructs/validation";
import type { Json } from "./json";

/** IDs shaped like the guide's (identity and cluster in different subscriptions). */
export const IDS = {
  tenant: "2e319086-9a26-46a3-865f-615bed576786",
  /** Subscription of the app identity and vault (99a3af26-… in the guide's logs). */
  appSubscription: "99a3af26-911d-4bc5-8fcc-8f9de81e46c5",
  /** Subscription of the cluster and its node resource group (7e242177-… in the guide's logs). */
  clusterSubscription: "7e242177-ef0b-431f-8c76-e40907843aa7",
} as const;

/** The guide's built-in role GUIDs, written out here on purpose (not imported from roles.ts). */
export const ROLE_GUIDS = {
  managedIdentityOperator: "f1a07417-d97a-45cb-824c-7a7467783830",
  virtualMachineContributor: "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
} as const;

/** `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>` */
export function roleDefinitionIdOf(subscriptionId: string, guid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

let outdir: string | undefined;

// The App constructor creates its outdir; one per test file, removed when the file is done.
afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  outdir = undefined;
});

/** A fresh app (stack traces off; one temp outdir per test file, nothing is written to it). */
export function testApp(): App {
  outdir ??= fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-construct-tests."));
  return Testing.app({ outdir });
}

/** A stack and its default providers. */
export interface TestStack {
  readonly app: App;
  readonly stack: TerraformStack;
  readonly azurerm: AzurermProvider;
  /** The default kubernetes provider, unless the stack was made without one. */
  readonly kubernetes?: KubernetesProvider;
}

/**
 * A new stack with a default azurerm provider and (unless `kubernetesProvider: false`,
 * for tests that create their own) a default kubernetes provider.
 */
export function newStack(id = "test", opts: { kubernetesProvider?: boolean } = {}): TestStack {
  const app = testApp();
  const stack = new TerraformStack(app, id);
  const azurerm = new AzurermProvider(stack, "Azurerm", { features: [{}], subscriptionId: IDS.appSubscription });
  const kubernetes = opts.kubernetesProvider === false ? undefined : new KubernetesProvider(stack, "Kubernetes", {});
  return { app, stack, azurerm, kubernetes };
}

/** An aliased azurerm provider (e.g. for the cluster's subscription). */
export function azurermAlias(stack: TerraformStack, alias: string, subscriptionId: string = IDS.clusterSubscription): AzurermProvider {
  return new AzurermProvider(stack, `Azurerm-${alias}`, { features: [{}], alias, subscriptionId });
}

/** The synthesized Terraform JSON (loosely typed: tests index into it). */
export type { Json };

/** `Testing.synth(stack, true)` (so construct validations run), parsed. */
export function synth(stack: TerraformStack): Json {
  return JSON.parse(Testing.synth(stack, true));
}

/** Builds a stack with `build`, synthesizes it and returns the JSON and what `build` returned. */
export function synthWith<T>(build: (t: TestStack) => T): { json: Json; built: T; stack: TerraformStack } {
  const t = newStack();
  const built = build(t);
  return { json: synth(t.stack), built, stack: t.stack };
}

/** All resources of a type, by logical ID (empty object when there are none). */
export function resources(json: Json, type: string): Record<string, Json> {
  return json.resource?.[type] ?? {};
}

/** The values of {@link resources}, as a list. */
export function resourceList(json: Json, type: string): Json[] {
  return Object.values(resources(json, type));
}

/** The one resource of a type; fails the test when there are none or several. */
export function onlyResource(json: Json, type: string): Json {
  const list = resourceList(json, type);
  if (list.length !== 1) throw new Error(`expected exactly one ${type}, found ${list.length}`);
  return list[0];
}

/** All data sources of a type, by logical ID. */
export function dataSources(json: Json, type: string): Record<string, Json> {
  return json.data?.[type] ?? {};
}

/** The one data source of a type; fails the test when there are none or several. */
export function onlyDataSource(json: Json, type: string): Json {
  const list = Object.values(dataSources(json, type));
  if (list.length !== 1) throw new Error(`expected exactly one data.${type}, found ${list.length}`);
  return list[0];
}

/** The logical ID of the one data source of a type. */
export function onlyDataSourceId(json: Json, type: string): string {
  const ids = Object.keys(dataSources(json, type));
  if (ids.length !== 1) throw new Error(`expected exactly one data.${type}, found ${ids.length}`);
  return ids[0];
}

/** The logical ID of the one resource of a type. */
export function onlyResourceId(json: Json, type: string): string {
  const ids = Object.keys(resources(json, type));
  if (ids.length !== 1) throw new Error(`expected exactly one ${type}, found ${ids.length}`);
  return ids[0];
}

/** Terraform variables, by name. */
export function variables(json: Json): Record<string, Json> {
  return json.variable ?? {};
}

/** The kubernetes provider blocks (default first, as synthesized). */
export function kubernetesProviders(json: Json): Json[] {
  return json.provider?.kubernetes ?? [];
}

/** Every key used anywhere in `value` (deep). */
export function allKeys(value: Json): Set<string> {
  const keys = new Set<string>();
  const walk = (v: Json): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        keys.add(k);
        walk(child);
      }
    }
  };
  walk(value);
  return keys;
}

/** The error `fn` throws; fails when it does not throw. */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the call to throw, it returned");
}

/** The ValidationError `fn` throws; fails when it throws nothing or something else. */
export function validationErrorOf(fn: () => unknown): ValidationError {
  const e = thrownBy(fn);
  if (!(e instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${e?.name}: ${e?.message}`);
  return e;
}

/** The one issue of the ValidationError `fn` throws about `field`; fails when there is none. */
export function issueAbout(fn: () => unknown, field: string): ValidationIssue {
  const e = validationErrorOf(fn);
  const issue = e.issues.find((i) => i.field === field);
  if (!issue) throw new Error(`expected an issue about ${field}, got: ${e.message}`);
  return issue;
}

/** Warning annotations recorded on `scope` and everything under it. */
export function warningsUnder(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === "@cdktf/warn")
    .map((m) => String(m.data));
}

// ---- Fixtures shaped like the guide's values ----

/** GIVEN an AKS cluster looked up by name (data source `azurerm_kubernetes_cluster`). */
export function lookupCluster(scope: Construct, id = "Aks", provider?: TerraformProvider): AksCluster {
  return AksCluster.fromClusterName(scope, id, {
    name: "aks-poc-container-westus2",
    resourceGroupName: "rg-aks-poc-container-westus2",
    subscriptionId: IDS.clusterSubscription,
    provider,
  });
}

/** GIVEN an AKS cluster known by its agent-pool identity and node resource group (the guide's table). */
export function agentPoolCluster(
  scope: Construct,
  id = "Aks",
  opts: { oidcIssuerUrl?: string; provider?: TerraformProvider } = {},
): AksCluster {
  return AksCluster.fromAgentPoolIdentity(scope, id, {
    identityName: "aks-xcEwmVSi-agentpool",
    nodeResourceGroupName: "MC_rg-aks-poc-container-westus2",
    subscriptionId: IDS.clusterSubscription,
    ...opts,
  });
}

/** GIVEN the app's user-assigned identity (the guide's `aks-aad-user-identity`). */
export function appIdentity(scope: Construct, id = "Identity", name = "aks-aad-user-identity"): ManagedIdentity {
  return new ManagedIdentity(scope, id, {
    name,
    resourceGroupName: "rg-westus2-shared",
    location: "westus2",
    subscriptionId: IDS.appSubscription,
  });
}
