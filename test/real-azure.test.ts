// Issue 10, "deployable on real Azure the first time": each of its seven points, proven in the
// synthesized JSON of the real stacks (buildPlatform + Testing.synth) and in the synth's own output.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing } from "cdktf";
import { platform } from "../config/environments";
import { findPlaceholders } from "../config/placeholders";
import type { PlatformConfig } from "../config/types";
import { buildPlatform } from "../stacks/platform";
import { synthesize, type SynthResult } from "../stacks/synthesize";
import { BuiltInRoles } from "../constructs/facts";
import type { Json } from "./support/json";

type Draft<T> = T extends readonly (infer U)[] ? Draft<U>[] : T extends object ? { -readonly [K in keyof T]: Draft<T[K]> } : T;
type Config = Draft<PlatformConfig>;

const NODE_SUBNET =
  "/subscriptions/7e242177-ef0b-431f-8c76-e40907843aa7/resourceGroups/rg-aks-poc-container-westus2/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/snet-nodes";
const PE_SUBNET =
  "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-shared/providers/Microsoft.Network/virtualNetworks/vnet-shared/subnets/snet-private-endpoints";
const DNS_ZONE =
  "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net";
const EXISTING_PE =
  "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-shared/providers/Microsoft.Network/privateEndpoints/pe-kv-westus2-aks";

function configWith(mutate: (c: Config) => void = () => undefined): PlatformConfig {
  const c = structuredClone(platform) as Config;
  mutate(c);
  return c;
}
const env = (c: Config, name: string) => c.environments.find((e) => e.name === name)!;
const devTeam = (c: Config) => env(c, "dev-test").teams[0];
const prodTeam = (c: Config) => env(c, "prod").teams[0];

/** Every stack of the config, synthesized: stack name → cdk.tf.json. */
function stacksOf(config: PlatformConfig): Map<string, Json> {
  const app = Testing.app();
  return new Map(buildPlatform(app, config, { vars: {} }).map((s) => [s.node.id, JSON.parse(Testing.synth(s, true)) as Json]));
}

/** The app's synth (validation, policy, all-or-nothing output), as `npm run synth` runs it. */
function synthRun(config: PlatformConfig): SynthResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "real-azure."));
  try {
    return synthesize(config, [], {}, path.join(dir, "cdktf.out"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const resourcesOf = (json: Json, type: string): [string, Json][] => Object.entries<Json>(json.resource?.[type] ?? {});
const onlyOf = (json: Json, type: string): [string, Json] => {
  const all = resourcesOf(json, type);
  expect(all).toHaveLength(1);
  return all[0];
};

describe("1. GIVEN the vault network choice (keyVault.network.kind)", () => {
  test("WHEN the default config is synthesized THEN no vault in any stack is unreachable: both are public (the guide's endpoint), chosen explicitly", () => {
    const stacks = stacksOf(platform);
    const vaults = [...stacks.values()].flatMap((j) => resourcesOf(j, "azurerm_key_vault").map(([, v]) => v));
    expect(vaults).toHaveLength(2);
    for (const v of vaults) {
      expect(v.network_acls.default_action).toBe("Allow");
      expect(v.public_network_access_enabled).toBe(true);
    }
    for (const e of platform.environments) expect(e.teams.map((t) => t.keyVault.network?.kind)).toEqual(["public"]);
  });

  test('WHEN kind "firewall" lists the node subnet and the runner CIDR THEN the vault denies by default and allows exactly those, and the synth passes', () => {
    const config = configWith(
      (c) => void (devTeam(c).keyVault.network = { kind: "firewall", subnetIds: [NODE_SUBNET], ipRules: ["203.0.113.0/28"] }),
    );
    const [, vault] = onlyOf(stacksOf(config).get("dev-test-apps")!, "azurerm_key_vault");
    expect(vault.network_acls).toEqual({
      default_action: "Deny",
      bypass: "AzureServices",
      ip_rules: ["203.0.113.0/28"],
      virtual_network_subnet_ids: [NODE_SUBNET],
    });
    expect(vault.public_network_access_enabled).toBe(true);
    const r = synthRun(config);
    expect(r.ok).toBe(true);
    // The runner CIDR is a reviewed exception (AKSID-KV-004 warning), the Deny firewall satisfies KV-003 and KV-006.
    expect(r.messages).toContainEqual(expect.stringMatching(/^ {2}warning dev-test-apps: \[AKSID-KV-004 .*203\.0\.113\.0\/28/));
    expect(r.messages.join("\n")).not.toMatch(/AKSID-KV-00[36]\b.*dev-test-apps|dev-test-apps.*AKSID-KV-00[36]\b/);
  });

  test('WHEN kind "private-endpoint" gives a subnet and the privatelink DNS zone THEN a private endpoint on sub-resource "vault" with its DNS zone group is created, and public access is off', () => {
    const config = configWith(
      (c) =>
        void (devTeam(c).keyVault.network = {
          kind: "private-endpoint",
          privateEndpoint: { subnetId: PE_SUBNET, privateDnsZoneId: DNS_ZONE },
        }),
    );
    const apps = stacksOf(config).get("dev-test-apps")!;
    const [vaultId, vault] = onlyOf(apps, "azurerm_key_vault");
    const [, pe] = onlyOf(apps, "azurerm_private_endpoint");
    expect(vault.public_network_access_enabled).toBe(false);
    expect(vault.network_acls.default_action).toBe("Deny");
    expect(pe).toMatchObject({
      name: "pe-kv-westus2-aks",
      subnet_id: PE_SUBNET,
      location: "westus2",
      resource_group_name: "rg-westus2-shared",
    });
    expect(pe.private_service_connection).toEqual({
      name: "psc-kv-westus2-aks",
      private_connection_resource_id: `\${azurerm_key_vault.${vaultId}.id}`,
      subresource_names: ["vault"],
      is_manual_connection: false,
    });
    expect(pe.private_dns_zone_group).toEqual({ name: "vaultcore", private_dns_zone_ids: [DNS_ZONE] });
    expect(synthRun(config).ok).toBe(true);
  });

  test('WHEN kind "private-endpoint" names an existing endpoint THEN none is created and public access is off', () => {
    const config = configWith(
      (c) => void (devTeam(c).keyVault.network = { kind: "private-endpoint", privateEndpoint: { existingId: EXISTING_PE } }),
    );
    const apps = stacksOf(config).get("dev-test-apps")!;
    expect(resourcesOf(apps, "azurerm_private_endpoint")).toEqual([]);
    expect(onlyOf(apps, "azurerm_key_vault")[1].public_network_access_enabled).toBe(false);
    expect(synthRun(config).ok).toBe(true);
  });

  test.each([
    ["no network at all (the default Deny firewall)", undefined, "(default: Deny firewall)"],
    ['kind "firewall" with no subnet and no IP', { kind: "firewall" as const }, "firewall"],
    ['defaultAction "Deny" with empty lists', { defaultAction: "Deny" as const, ipRules: [], subnetIds: [] }, "(default: Deny firewall)"],
  ])("WHEN a vault has %s THEN the synth fails naming environment, field, value and fix, and writes nothing", (_, network, value) => {
    const r = synthRun(configWith((c) => void (prodTeam(c).keyVault.network = network)));
    expect(r.ok).toBe(false);
    expect(r.messages).toContainEqual(
      `  - prod / team "poc": keyVault.network ${JSON.stringify(value)} denies every network and allows none, so Terraform's secret write and the pods get 403 ForbiddenByFirewall. Fix: choose keyVault.network.kind: "public" (the guide's choice), "firewall" with subnetIds (AKS node subnets with the Microsoft.KeyVault service endpoint) and ipRules (the deployer's egress CIDRs), or "private-endpoint" with privateEndpoint.`,
    );
    expect(r.stacks).toEqual([]);
  });

  test('WHEN kind "private-endpoint" has no privateEndpoint THEN the synth fails with the fix', () => {
    const r = synthRun(configWith((c) => void (devTeam(c).keyVault.network = { kind: "private-endpoint" })));
    expect(r.ok).toBe(false);
    expect(r.messages).toContainEqual(
      expect.stringContaining(
        'dev-test / team "poc": keyVault.network.privateEndpoint is missing with kind "private-endpoint". Fix: give { subnetId, privateDnsZoneId }',
      ),
    );
  });
});

describe("2. GIVEN any config WHEN every stack is synthesized THEN no grant takes its principal from whoever runs the plan", () => {
  const variants: [string, PlatformConfig][] = [
    ["the default config", platform],
    ["RBAC vaults", configWith((c) => c.environments.forEach((e) => (e.teams[0].keyVault.rbacAuthorization = true)))],
    [
      "per-team stacks and an existing vault",
      configWith((c) => {
        env(c, "dev-test").stackLayout = "per-team";
        prodTeam(c).keyVault.existing = true;
      }),
    ],
  ];
  test.each(variants)(
    "%s: no azurerm_client_config anywhere; every access policy and role assignment names a configured object ID or a managed identity",
    (_, config) => {
      const stacks = stacksOf(config);
      const writers = new Set(config.environments.map((e) => e.secretWriter!.objectId));
      let grants = 0;
      for (const [name, json] of stacks) {
        expect([name, JSON.stringify(json).includes("azurerm_client_config")]).toEqual([name, false]);
        const principals = [
          ...resourcesOf(json, "azurerm_key_vault_access_policy").map(([, p]) => String(p.object_id)),
          ...resourcesOf(json, "azurerm_role_assignment").map(([, r]) => String(r.principal_id)),
        ];
        grants += principals.length;
        for (const p of principals) {
          const fromConfig = writers.has(p) || p === "b9276f33-e80c-4f09-9cdf-24c28c0feea4";
          const fromIdentity = /^\$\{(data\.)?azurerm_user_assigned_identity\.[^.]+\.principal_id\}$/.test(p);
          expect([name, p, fromConfig || fromIdentity]).toEqual([name, p, true]);
        }
      }
      expect(grants).toBeGreaterThan(0);
    },
  );

  test("the writer's grant is the configured secretWriter.objectId with its principal type, on each vault", () => {
    const config = configWith((c) => {
      env(c, "dev-test").secretWriter = { objectId: "5d7c2a1e-3b4f-4c6d-8e9f-0a1b2c3d4e5f", principalType: "Group" };
      devTeam(c).keyVault.rbacAuthorization = true;
    });
    const apps = stacksOf(config).get("dev-test-apps")!;
    const officer = resourcesOf(apps, "azurerm_role_assignment")
      .map(([, r]) => r)
      .find((r) => String(r.role_definition_id).endsWith(BuiltInRoles.KeyVaultSecretsOfficer.guid))!;
    expect(officer).toMatchObject({ principal_id: "5d7c2a1e-3b4f-4c6d-8e9f-0a1b2c3d4e5f", principal_type: "Group" });
  });
});

describe("3. GIVEN an RBAC vault (rbacAuthorization: true)", () => {
  test.each([
    [undefined, "120s"],
    ["3m", "3m"],
  ])(
    "WHEN rbacPropagationWait is %s THEN the secret waits for a time_sleep of %s that waits for the writer's Secrets Officer grant",
    (wait, expected) => {
      const apps = stacksOf(
        configWith((c) => {
          devTeam(c).keyVault.rbacAuthorization = true;
          if (wait) devTeam(c).keyVault.rbacPropagationWait = wait;
        }),
      ).get("dev-test-apps")!;
      const [officerId] = resourcesOf(apps, "azurerm_role_assignment").find(([, r]) =>
        String(r.role_definition_id).endsWith(BuiltInRoles.KeyVaultSecretsOfficer.guid),
      )!;
      const [sleepId, sleep] = onlyOf(apps, "time_sleep");
      expect(sleep.create_duration).toBe(expected);
      expect(sleep.depends_on).toEqual([`azurerm_role_assignment.${officerId}`]);
      expect(onlyOf(apps, "azurerm_key_vault_secret")[1].depends_on).toEqual([`time_sleep.${sleepId}`]);
    },
  );

  test("WHEN rbacPropagationWait is not a duration THEN the config is refused with the fix", () => {
    const r = synthRun(configWith((c) => void (devTeam(c).keyVault.rbacPropagationWait = "two minutes")));
    expect(r.ok).toBe(false);
    expect(r.messages).toContainEqual(
      expect.stringContaining(
        'dev-test / team "poc": keyVault.rbacPropagationWait "two minutes" is invalid: a duration such as "120s" or "3m"',
      ),
    );
  });
});

describe("4. GIVEN the default config's placeholders", () => {
  const r = synthRun(platform);
  const stacks = stacksOf(platform);
  test("WHEN synthesized (offline) THEN the synth succeeds and lists every placeholder with where to find the real value", () => {
    expect(r.ok).toBe(true);
    const listed = r.messages.filter((m) => m.startsWith("  placeholder "));
    for (const e of platform.environments) {
      const uses = findPlaceholders(e);
      expect(uses.length).toBeGreaterThan(0);
      for (const u of uses)
        expect(listed).toContainEqual(
          expect.stringContaining(`${e.name}: ${u.field} = "${u.value}" is a placeholder; real value: ${u.where}`),
        );
    }
    // The guesses of the issue are all marked: Prod's node resource group and cluster subscription, both kube contexts.
    expect(listed.join("\n")).toEqual(expect.stringContaining("prod: cluster.agentPool.nodeResourceGroupName"));
    expect(listed.join("\n")).toEqual(expect.stringContaining("prod: cluster.subscriptionId"));
    expect(listed.join("\n")).toEqual(expect.stringContaining('dev-test: cluster.kubernetes.context = "aks-poc-container-westus2"'));
    expect(listed.join("\n")).toEqual(expect.stringContaining('prod: cluster.kubernetes.context = "aks-prod-container-westus2"'));
  });

  test("WHEN synthesized THEN exactly the stacks that hold one carry a plan-time precondition listing them", () => {
    const guarded = [...stacks].filter(([, j]) => j.output?.aksid_placeholders).map(([n]) => n);
    expect(guarded.sort()).toEqual(["dev-test-apps", "prod-apps", "prod-cluster-admin"]);
    for (const n of guarded) {
      const [pre] = stacks.get(n)!.output.aksid_placeholders.precondition;
      expect(pre.condition).toBe("${length(local.aksid_placeholders) == 0}");
      for (const line of stacks.get(n)!.locals.aksid_placeholders) expect(pre.error_message).toContain(line);
    }
    // dev-test-cluster-admin holds none of them (its kube context is not used there).
    expect(stacks.get("dev-test-cluster-admin")!.locals).toBeUndefined();
  });
});

describe("5. GIVEN adopt: true for the Dev/Test team (the guide was run by hand)", () => {
  const APP_SUB = "99a3af26-911d-4bc5-8fcc-8f9de81e46c5";
  test("WHEN synthesized THEN import blocks bring the identity, the vault, the namespace, the AzureIdentity and the binding under Terraform, IDs derived from the guide's names", () => {
    const apps = stacksOf(configWith((c) => void (devTeam(c).adopt = true))).get("dev-test-apps")!;
    const imports = (apps.import as { to: string; id: string }[]).map((i) => [i.to.split(".")[0], i.id]);
    expect(imports.sort()).toEqual(
      [
        [
          "azurerm_user_assigned_identity",
          `/subscriptions/${APP_SUB}/resourceGroups/rg-westus2-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-aad-user-identity`,
        ],
        [
          "azurerm_key_vault",
          `/subscriptions/${APP_SUB}/resourceGroups/rg-westus2-shared/providers/Microsoft.KeyVault/vaults/kv-westus2-aks`,
        ],
        ["kubernetes_namespace_v1", "aad-pod-identity-poc"],
        [
          "kubernetes_manifest",
          "apiVersion=aadpodidentity.k8s.io/v1,kind=AzureIdentity,namespace=aad-pod-identity-poc,name=aad-user-identity",
        ],
        [
          "kubernetes_manifest",
          "apiVersion=aadpodidentity.k8s.io/v1,kind=AzureIdentityBinding,namespace=aad-pod-identity-poc,name=aad-user-identity-binding",
        ],
      ].sort(),
    );
    // Each import targets a resource of this stack.
    for (const i of apps.import as { to: string }[]) {
      const [type, name] = i.to.split(".");
      expect(apps.resource[type]?.[name]).toBeDefined();
    }
    // Purge protection stays as the guide left it (off): importing does not switch it on.
    expect(onlyOf(apps, "azurerm_key_vault")[1].purge_protection_enabled).toBe(false);
  });

  test("WHEN not adopted (the default) THEN there are no import blocks", () => {
    for (const json of stacksOf(platform).values()) expect(json.import).toBeUndefined();
  });

  test("WHEN purgeProtection is not set on an adopted vault THEN the config is refused (the default would switch it on, irreversibly)", () => {
    const r = synthRun(
      configWith((c) => {
        devTeam(c).adopt = true;
        delete (devTeam(c).keyVault as { purgeProtection?: boolean }).purgeProtection;
      }),
    );
    expect(r.ok).toBe(false);
    expect(r.messages).toContainEqual(
      expect.stringContaining('dev-test / team "poc": keyVault.purgeProtection is not set on a vault to adopt'),
    );
  });

  test("WHEN synthesized where no terraform is on PATH (a pull-request synth job) THEN it passes: the import blocks run no `terraform version`", () => {
    const path = process.env.PATH;
    process.env.PATH = "";
    try {
      const r = synthRun(configWith((c) => void (devTeam(c).adopt = true)));
      expect(r.messages.filter((m) => /terraform version|Could not determine/.test(m))).toEqual([]);
      expect(r.ok).toBe(true);
    } finally {
      process.env.PATH = path;
    }
  });

  test("WHEN an adopted vault is planned with purge protection on THEN the synth calls it out", () => {
    const r = synthRun(
      configWith((c) => {
        devTeam(c).adopt = true;
        devTeam(c).keyVault.purgeProtection = true;
      }),
    );
    expect(r.ok).toBe(true);
    expect(r.messages).toContainEqual(
      expect.stringMatching(
        /^ {2}warning dev-test-apps: .*adopting vault kv-westus2-aks with purge_protection_enabled = true: .* can never be switched off/,
      ),
    );
  });
});

describe("6. GIVEN the identity mode of the environment's teams", () => {
  const toWorkloadIdentity = (c: Config) => {
    const e = env(c, "dev-test");
    e.cluster.oidcIssuerUrl =
      "https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/5c3f8a9e-1d2b-4c6a-9e8f-7a6b5c4d3e2f/";
    const t = devTeam(c);
    t.identityMode = "workload-identity";
    delete t.podIdentity;
    t.workloadIdentity = { serviceAccountName: "keyvault-reader" };
    t.workload = { name: "az-keyvault-reader-test", secretName: "grafana-admin-username-poc", reader: "csi-driver" };
  };
  test("WHEN every team uses workload identity THEN the cluster-admin stack grants nothing on the node resource group", () => {
    const config = configWith(toWorkloadIdentity);
    const admin = stacksOf(config).get("dev-test-cluster-admin")!;
    expect(admin.resource?.azurerm_role_assignment).toBeUndefined();
    expect(JSON.stringify(admin)).not.toContain(BuiltInRoles.VirtualMachineContributor.guid);
    expect(synthRun(config).ok).toBe(true);
  });

  test("WHEN one team of the environment still uses pod identity THEN Reader and Virtual Machine Contributor are granted", () => {
    const admin = stacksOf(platform).get("dev-test-cluster-admin")!;
    const roles = resourcesOf(admin, "azurerm_role_assignment").map(([, r]) => String(r.role_definition_id).split("/").pop());
    expect(roles.sort()).toEqual([BuiltInRoles.Reader.guid, BuiltInRoles.VirtualMachineContributor.guid].sort());
  });
});

describe("7. GIVEN Prod with keyVault.existing: true and a variable secret", () => {
  test("WHEN synthesized THEN the synth passes (AKSID-DATA-001 satisfied): the secret carries prevent_destroy, the vault is only read", () => {
    const config = configWith((c) => void (prodTeam(c).keyVault.existing = true));
    const r = synthRun(config);
    expect(r.ok).toBe(true);
    expect(r.messages.join("\n")).not.toContain("AKSID-DATA-001");
    const apps = stacksOf(config).get("prod-apps")!;
    expect(resourcesOf(apps, "azurerm_key_vault")).toEqual([]);
    expect(Object.values<Json>(apps.data.azurerm_key_vault).map((d) => d.name)).toEqual(["kv-westus2-aks-prod"]);
    expect(onlyOf(apps, "azurerm_key_vault_secret")[1].lifecycle).toEqual({ prevent_destroy: true });
  });
});
