import { Fn, Lazy, Token } from "cdktf";
import { Checker, formatIssue, type Rule, Rules, ValidationError } from "../constructs/validation";

/** Every rule with values it must accept and values it must reject. */
const CASES: Record<keyof typeof Rules, { good: (string | number)[]; bad: (string | number)[] }> = {
  keyVaultName: {
    good: ["kv-westus2-aks", "kv-westus2-aks-prod", "abc", "a".repeat(24), "Kv1", "kv-1-2"],
    bad: ["kv_prod!", "kv--prod", "ab", "a".repeat(25), "1kv", "-kv", "kv-", "kv.prod", "kv prod", ""],
  },
  identityName: {
    good: ["aks-aad-user-identity", "id_app", "1ab", "aks-xcEwmVSi-agentpool", "a".repeat(128)],
    bad: ["ab", "a".repeat(129), "-id", "_id", "id.app", "id app", ""],
  },
  resourceGroupName: {
    good: ["rg-westus2-shared", "MC_rg-aks-poc-container-westus2", "r", "rg.(x)", "a".repeat(90)],
    bad: ["", "rg.", "a".repeat(91), "rg/x", "rg x", "rg#1"],
  },
  secretName: {
    good: ["grafana-admin-username-poc", "S1", "a".repeat(127)],
    bad: ["", "my_secret", "my.secret", "my secret", "a".repeat(128)],
  },
  location: {
    good: ["westus2", "eastus", "northeurope"],
    bad: ["West US 2", "westus 2", "WestUS2", "", "2westus", "west-us"],
  },
  guid: {
    good: ["2e319086-9a26-46a3-865f-615bed576786", "2E319086-9A26-46A3-865F-615BED576786"],
    bad: [
      "{2e319086-9a26-46a3-865f-615bed576786}",
      "2e319086-9a26-46a3-865f-615bed57678",
      "2e3190869a2646a3865f615bed576786",
      "not-a-guid",
      "",
      "2e319086-9a26-46a3-865f-615bed57678g",
    ],
  },
  identityResourceId: {
    good: [
      "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourcegroups/rg-westus2-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-aad-user-identity",
      "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourceGroups/rg-westus2-shared/providers/microsoft.managedidentity/userassignedidentities/aks-aad-user-identity",
    ],
    bad: [
      "",
      "aks-aad-user-identity",
      "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourcegroups/rg-westus2-shared",
      "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourcegroups/rg-westus2-shared/providers/Microsoft.KeyVault/vaults/kv",
      "/subscriptions/not-a-sub/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id",
      "/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourcegroups/rg-westus2-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id/extra",
    ],
  },
  namespace: {
    good: ["aad-pod-identity-poc", "a", "a1", "a".repeat(63)],
    bad: ["", "Aad", "-ns", "ns-", "ns.x", "ns_x", "a".repeat(64)],
  },
  objectName: {
    good: ["aad-user-identity-binding", "a.b.c", "a", "a".repeat(253)],
    bad: ["", "Aad", "-x", "x-", "x..y", "x_y", "a".repeat(254)],
  },
  labelValue: {
    good: ["bind-user-identity-keyvault", "a", "A_b.c-D", "a".repeat(63), ""],
    bad: ["-bad-", "_x", "x.", "a b", "a/b", "a".repeat(64)],
  },
  teamName: {
    good: ["payments", "poc", "a", "a1-b2", "a".repeat(30)],
    bad: ["", "Payments", "1team", "team-", "team_x", "a".repeat(31)],
  },
  environmentName: {
    good: ["dev-test", "prod", "e", "a".repeat(20)],
    bad: ["", "Prod", "1env", "prod-", "dev_test", "a".repeat(21)],
  },
  rfc3339: {
    good: ["2027-06-30T00:00:00Z", "2028-02-29T23:59:59Z", "2027-12-31T12:30:00Z"],
    bad: [
      "",
      "2027-06-30",
      "2027-06-30T00:00:00",
      "2027-06-30T00:00:00+02:00",
      "2027-06-30 00:00:00Z",
      "2027-13-01T00:00:00Z",
      "2027-06-30T23:60:00Z",
      // Impossible calendar dates and 24:00: terraform's RFC 3339 check (Go time.Parse) rejects them.
      "2027-02-30T00:00:00Z",
      "2027-02-29T00:00:00Z",
      "2027-04-31T00:00:00Z",
      "2027-06-30T24:00:00Z",
    ],
  },
  cidrOrIp: {
    good: ["203.0.113.0/24", "203.0.113.7", "0.0.0.0/0", "255.255.255.255/32"],
    bad: ["", "256.0.0.1", "203.0.113.0/33", "203.0.113", "2001:db8::/32", "203.0.113.0/", "a.b.c.d"],
  },
  storageAccountName: {
    good: ["sttfstateprod", "abc", "a".repeat(24)],
    bad: ["st_tfstate", "StTfState", "ab", "a".repeat(25), "st-tfstate", ""],
  },
  storageContainerName: {
    good: ["tfstate", "tf-state", "a1b"],
    bad: ["tf--state", "-tfstate", "tfstate-", "TFSTATE", "tf", "t".repeat(64), "tf_state"],
  },
  softDeleteRetentionDays: { good: [7, 30, 90], bad: [6, 91, 0, -7, 30.5, NaN] },
  secretValueVersion: { good: [1, 2, 100], bad: [0, -1, 1.5, NaN] },
  replicas: { good: [0, 1, 3], bad: [-1, 0.5, NaN] },
  duration: { good: ["120s", "3m", "1h", "1.5m"], bad: ["", "120", "2 m", "3d", "m", "-1s"] },
  terraformVariableName: { good: ["secret_db_password", "_x", "A1"], bad: ["", "1x", "db-password", "a.b"] },
  pinnedImage: {
    good: ["busybox:1.36", "registry.example:5000/busybox:1.36", `busybox@sha256:${"a".repeat(64)}`],
    bad: ["", "busybox", "busybox:latest", "registry.example:5000/busybox", "registry.example:5000/busybox:latest"],
  },
  suppressionReason: {
    good: ["The vault is recreated nightly in a sandbox.", "ten chars!"],
    bad: ["", "ok", "because", "          ", "  nine ch  "],
  },
  httpsUrl: {
    good: ["https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/abc/", "https://x"],
    bad: ["", "http://westus2.oic.prod-aks.azure.com/", "https://", "https://a b", "westus2.oic.prod-aks.azure.com"],
  },
};

describe("Rules", () => {
  test("GIVEN the Rules table THEN every rule has test cases here and a requirement and a fix", () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(Rules).sort());
    for (const r of Object.values<Rule<string | number>>(Rules)) {
      expect(r.requirement.length).toBeGreaterThan(5);
      expect(r.fix.length).toBeGreaterThan(5);
    }
  });

  const rows = (Object.keys(CASES) as (keyof typeof Rules)[]).flatMap((name) => [
    ...CASES[name].good.map((v) => [name, v, true] as const),
    ...CASES[name].bad.map((v) => [name, v, false] as const),
  ]);

  test.each(rows)("GIVEN rule %s WHEN testing %j THEN valid is %s", (name, value, valid) => {
    const rule = Rules[name] as Rule<string | number>;
    expect(rule.test(value)).toBe(valid);
  });
});

describe("Checker", () => {
  const unresolved = (value: string): string => Lazy.stringValue({ produce: () => value });

  test("GIVEN a bad value WHEN checked THEN it records context, field, value, requirement and fix", () => {
    const c = new Checker('prod / team "payments"');

    const ok = c.check("keyVault.name", "kv_prod!", Rules.keyVaultName);

    expect(ok).toBe(false);
    expect(c.issues).toEqual([
      {
        context: 'prod / team "payments"',
        field: "keyVault.name",
        value: "kv_prod!",
        problem: `is invalid: ${Rules.keyVaultName.requirement}`,
        fix: Rules.keyVaultName.fix,
      },
    ]);
  });

  test("GIVEN a good value WHEN checked THEN nothing is recorded and nothing is thrown", () => {
    const c = new Checker("ctx");
    expect(c.check("name", "kv-westus2-aks", Rules.keyVaultName)).toBe(true);
    expect(c.issues).toEqual([]);
    expect(() => c.throwIfAny()).not.toThrow();
  });

  test("GIVEN unresolved tokens (bad once resolved) WHEN checked THEN they are skipped", () => {
    const c = new Checker("ctx");
    const token = unresolved("kv_prod!");
    expect(Token.isUnresolved(token)).toBe(true);

    expect(c.check("name", token, Rules.keyVaultName)).toBe(true);
    expect(c.check("name", `kv_${token}!`, Rules.keyVaultName)).toBe(true);
    expect(c.check("url", Fn.lower("HTTP://NOT-HTTPS"), Rules.httpsUrl)).toBe(true);
    expect(c.check("id", Token.asString(Fn.uuidv5("url", "x")), Rules.guid)).toBe(true);

    expect(c.issues).toEqual([]);
  });

  test("GIVEN an undefined optional value WHEN checked THEN it is skipped", () => {
    const c = new Checker("ctx");
    expect(c.check("expirationDate", undefined, Rules.rfc3339)).toBe(true);
    expect(c.issues).toEqual([]);
  });

  test.each([[undefined], [null], [""]])(
    "GIVEN a missing required value %j WHEN required THEN 'is missing' is recorded with the fix",
    (v) => {
      const c = new Checker("ctx");
      expect(c.required("name", v, "give the AKS cluster name")).toBe(false);
      expect(c.issues).toEqual([
        { context: "ctx", field: "name", value: undefined, problem: "is missing", fix: "give the AKS cluster name" },
      ]);
    },
  );

  test.each([[0], [false], ["x"], [[]]])("GIVEN a present required value %j WHEN required THEN nothing is recorded", (v) => {
    const c = new Checker("ctx");
    expect(c.required("f", v, "fix")).toBe(true);
    expect(c.issues).toEqual([]);
  });

  test("GIVEN several bad values WHEN throwIfAny THEN one ValidationError carries all issues, one line each", () => {
    const c = new Checker("stack/Team");
    c.check("keyVault.name", "kv_prod!", Rules.keyVaultName);
    c.check("subscriptionId", "not-a-guid", Rules.guid);
    c.add("softDeleteRetentionDays", 5, "is invalid: a whole number of days from 7 to 90", "use 90");

    const e = (() => {
      try {
        c.throwIfAny();
      } catch (err) {
        return err;
      }
      return undefined;
    })();

    expect(e).toBeInstanceOf(ValidationError);
    expect(e).toBeInstanceOf(Error);
    const err = e as ValidationError;
    expect(err.name).toBe("ValidationError");
    expect(err.issues.map((i) => i.field)).toEqual(["keyVault.name", "subscriptionId", "softDeleteRetentionDays"]);
    const lines = err.message.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      `stack/Team: keyVault.name "kv_prod!" is invalid: ${Rules.keyVaultName.requirement}. Fix: ${Rules.keyVaultName.fix}.`,
    );
    expect(lines[1]).toContain('subscriptionId "not-a-guid" is invalid');
    expect(lines[2]).toBe("stack/Team: softDeleteRetentionDays 5 is invalid: a whole number of days from 7 to 90. Fix: use 90.");
  });
});

describe("formatIssue", () => {
  test("GIVEN an issue without a value THEN the value is left out of the line", () => {
    expect(formatIssue({ context: "c", field: "name", value: undefined, problem: "is missing", fix: "give it" })).toBe(
      "c: name is missing. Fix: give it.",
    );
  });

  test("GIVEN an issue with a list value THEN the value is shown as JSON", () => {
    expect(formatIssue({ context: "c", field: "requires", value: [], problem: "is empty", fix: "pass grants" })).toBe(
      "c: requires [] is empty. Fix: pass grants.",
    );
  });
});
