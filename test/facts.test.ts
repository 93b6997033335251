// constructs/facts.ts: each role GUID, label, annotation, CRD name, limit and reader path is
// defined there once, and loading it (or the verify and doctor CLIs that use it) costs no cdktf
// and no provider bindings. The load test runs the compiled modules (.build/, as `npm run
// verify` / `npm run doctor` run them through tools/run.js) in a fresh node process.
import { spawnSync } from "child_process";
import * as path from "path";
import {
  AAD_POD_IDENTITY_API_VERSION,
  BuiltInRoles,
  isGuid,
  roleByDefinitionId,
  serviceAccountSubject,
  sidecarSecretUrl,
  userAssignedIdentityId,
} from "../constructs/facts";
import { roleName } from "../tools/plan-report/roles";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- tools/run.js is plain CommonJS without type declarations (it runs before anything is compiled)
const { compile, OUT } = require("../tools/run.js") as { compile: () => number; OUT: string };

/** Requires `entries` (paths under .build/) in a fresh node process; returns every module file it loaded. */
function modulesLoadedBy(entries: readonly string[]): string[] {
  // Reads the fresh process's own module cache keys (read-only, test only) after the requires.
  const script =
    "for (const m of JSON.parse(process.argv[1])) require(m); process.stdout.write(JSON.stringify(Object.keys(require.cache)));";
  const files = entries.map((e) => path.join(OUT, e));
  const r = spawnSync(process.execPath, ["-e", script, JSON.stringify(files)], { encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

const HEAVY = /[\\/]node_modules[\\/](@cdktf[\\/]provider-|cdktf[\\/]lib[\\/])/;

describe("GIVEN a fresh node process", () => {
  beforeAll(() => compile());

  test("WHEN it requires the facts module and the verify and doctor CLIs THEN no cdktf and no provider binding is loaded", () => {
    const loaded = modulesLoadedBy(["constructs/facts.js", "tools/verify/cli.js", "tools/doctor/cli.js"]);
    expect(loaded).toContain(path.join(OUT, "constructs", "facts.js"));
    expect(loaded).toContain(path.join(OUT, "tools", "verify", "checks.js"));
    expect(loaded.filter((f) => HEAVY.test(f))).toEqual([]);
  });

  test("WHEN it requires a construct THEN the same check sees its provider binding (the check can fail)", () => {
    const loaded = modulesLoadedBy(["constructs/pod-identity-binding.js"]);
    expect(loaded.some((f) => /[\\/]@cdktf[\\/]provider-kubernetes[\\/]lib[\\/]manifest[\\/]/.test(f))).toBe(true);
    expect(loaded.some((f) => /[\\/]cdktf[\\/]lib[\\/]/.test(f))).toBe(true);
  });
});

describe("GIVEN the facts", () => {
  test("THEN the derived values have the shapes the constructs and tools write and read", () => {
    expect(AAD_POD_IDENTITY_API_VERSION).toBe("aadpodidentity.k8s.io/v1");
    expect(serviceAccountSubject("poc", "reader")).toBe("system:serviceaccount:poc:reader");
    expect(sidecarSecretUrl("s1")).toBe("http://127.0.0.1:8333/secrets/s1/");
    expect(userAssignedIdentityId("sub", "rg", "id-poc")).toBe(
      "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-poc",
    );
  });

  test("WHEN a role is looked up by definition ID, bare GUID or trailing slash THEN the one table answers; plan-report names roles from it", () => {
    const id = `/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/${BuiltInRoles.Reader.guid}`;
    expect(roleByDefinitionId(id)).toBe(BuiltInRoles.Reader);
    expect(roleByDefinitionId(`${id}/`)).toBe(BuiltInRoles.Reader);
    expect(roleByDefinitionId(BuiltInRoles.Reader.guid.toUpperCase())).toBe(BuiltInRoles.Reader);
    expect(roleName(`${id}/`)).toBe("Reader");
    expect(roleName("/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c")).toBe(
      "Contributor",
    );
    expect(roleName("not-a-role")).toBe("not-a-role");
  });

  test("WHEN isGuid checks values THEN only the 8-4-4-4-12 form passes", () => {
    expect(isGuid("F1A07417-D97A-45CB-824C-7A7467783830")).toBe(true);
    expect(isGuid("{f1a07417-d97a-45cb-824c-7a7467783830}")).toBe(false);
    expect(isGuid("f1a07417d97a45cb824c7a7467783830")).toBe(false);
  });
});
