/**
 * verify's kubectl side: the real kubectl's failure paths (no server needed), the error
 * classifier on recorded kubectl messages, and the CLI wiring end to end with a stand-in
 * `kubectl` program that answers from test/fixtures/kubectl/ (no API server involved).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PassThrough } from "stream";
import { devTest } from "../config/environments";
import type { EnvironmentConfig } from "../config/types";
import { checkTeam } from "../tools/verify/checks";
import { cli, type VerifyIo } from "../tools/verify/cli";
import { gather, probeCommand } from "../tools/verify/gather";
import { classifyKubectlError, Kubectl } from "../tools/verify/kubectl";

const FIX = path.join(__dirname, "fixtures", "kubectl");
const LOGS = path.join(__dirname, "fixtures", "logs");
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "verify-test-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** This repository's platform config, as `npm run verify` passes it. */
const CONFIG = path.join(__dirname, "..", "config", "environments.ts");

/** Runs verify with `--config CONFIG` in front of `argv` (unless `withConfig` is false). */
async function run(argv: string[], io: VerifyIo = {}, withConfig = true): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const code = await cli(withConfig ? ["--config", CONFIG, ...argv] : argv, { stdout, stderr, ...io });
  return { code, out, err };
}

function kubeconfig(server: string, context = "nowhere"): string {
  const file = path.join(tmp, `kubeconfig-${context}`);
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${server}
contexts:
- name: ${context}
  context:
    cluster: c
    user: u
current-context: ${context}
users:
- name: u
  user:
    token: not-a-real-token
`,
  );
  return file;
}

describe("verify with the real kubectl, failure paths", () => {
  const hasKubectl = (process.env.PATH ?? "").split(path.delimiter).some((d) => fs.existsSync(path.join(d, "kubectl")));
  const realIt = hasKubectl ? it : it.skip;

  realIt("GIVEN a kubeconfig pointing at a closed local port WHEN verify runs THEN exit 2 with one clear line", async () => {
    const env = { ...process.env, KUBECONFIG: kubeconfig("https://127.0.0.1:1") };
    const r = await run(["--env", "dev-test"], { env });
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "verify: no access to the cluster through the current context: The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n",
    );
    expect(r.out).toBe("");
  });

  realIt("GIVEN a kubeconfig that does not exist WHEN verify runs THEN exit 2: no context", async () => {
    const env = { ...process.env, KUBECONFIG: path.join(tmp, "missing", "config") };
    const r = await run(["--env", "prod"], { env });
    expect(r.code).toBe(2);
    expect(r.err).toBe("verify: no kubectl context: current-context is not set (give --context, or set KUBECONFIG)\n");
  });

  realIt("GIVEN --context naming a context the kubeconfig lacks WHEN verify runs THEN exit 2: no access through that context", async () => {
    const env = { ...process.env, KUBECONFIG: kubeconfig("https://127.0.0.1:1") };
    const r = await run(["--env", "dev-test", "--context", "aks-poc-container-westus2"], { env });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^verify: no access to the cluster through context "aks-poc-container-westus2": .*aks-poc-container-westus2.*\n$/,
    );
  });

  it("GIVEN no kubectl on PATH WHEN verify runs THEN exit 2: kubectl not found", async () => {
    const empty = fs.mkdtempSync(path.join(tmp, "empty-path-"));
    const r = await run(["--env", "dev-test"], { env: { ...process.env, PATH: empty } });
    expect(r.code).toBe(2);
    expect(r.err).toBe("verify: kubectl not found on PATH (kubectl): install kubectl, or put it on PATH\n");
  });

  it.each([
    [["--env"], "verify: --env needs a value"],
    [[], "verify: --env <name> is required"],
    [["--env", "qa"], `verify: unknown environment "qa" in --config "${CONFIG}" (known: dev-test, prod); use --env dev-test or --env prod`],
    [["--env", "prod", "--colour"], 'verify: unknown argument "--colour"'],
    [["--env=prod", "--mic-tail", "-3"], "verify: --mic-tail needs a positive whole number"],
    [["--env=prod", "--mic-tail=abc"], "verify: --mic-tail needs a positive whole number"],
  ])("GIVEN bad usage %j WHEN run THEN exit 2 with one line", async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${message} (usage: aks-verify --help)\n`);
  });

  it.each([
    [["--env", "prod"], "verify: --config <file> is required (the platform config that defines the environment)"],
    [
      ["--config", path.join(__dirname, "fixtures", "no-such-platform.json"), "--env", "prod"],
      `verify: --config "${path.join(__dirname, "fixtures", "no-such-platform.json")}": no such file`,
    ],
  ])("GIVEN no usable --config %j WHEN run THEN exit 2 naming the file", async (argv, message) => {
    const r = await run(argv, {}, false);
    expect(r.code).toBe(2);
    expect(r.err.startsWith(message)).toBe(true);
    expect(r.out).toBe("");
  });

  it("GIVEN a JSON config with a bad value WHEN run THEN exit 2 and the validator's line names environment, field, value and fix", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { platform } = require("../config/environments");
    const bad = structuredClone(platform);
    bad.environments[1].teams[0].keyVault.name = "kv_prod!";
    const file = path.join(tmp, "bad-platform.json");
    fs.writeFileSync(file, JSON.stringify(bad));
    const r = await run(["--config", file, "--env", "prod"], {}, false);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`verify: --config "${file}" is not a valid platform config:`);
    expect(r.err).toMatch(/prod.*keyVault\.name "kv_prod!".*Fix: /);
    expect(r.out).toBe("");
  });
});

describe("classifyKubectlError on recorded kubectl messages", () => {
  it.each([
    [
      'Error from server (Forbidden): azureidentities.aadpodidentity.k8s.io is forbidden: User "dev@contoso.com" cannot list resource "azureidentities" in API group "aadpodidentity.k8s.io" in the namespace "aad-pod-identity-poc"',
      "rbac-denied",
    ],
    ['Error from server (NotFound): namespaces "aad-pod-identity-poc" not found', "not-found"],
    ['error: the server doesn\'t have a resource type "azureidentities"', "crd-missing"],
    ["The connection to the server localhost:8080 was refused - did you specify the right host or port?", "no-cluster-access"],
    ["Unable to connect to the server: dial tcp: lookup aks-poc-dns-1a2b3c4d.hcp.westus2.azmk8s.io: no such host", "no-cluster-access"],
    ["error: You must be logged in to the server (Unauthorized)", "no-cluster-access"],
    ['error: context "aks-prod" does not exist', "no-cluster-access"],
    ["error: something unexpected", "other"],
  ])("GIVEN %s THEN %s", (stderr, kind) => {
    expect(classifyKubectlError(stderr)).toBe(kind);
  });
});

describe("verify CLI wiring, with a stand-in kubectl answering from the fixtures", () => {
  // A program named kubectl (a POSIX shell script) that prints the fixture a real kubectl would
  // print for the same arguments, or a recorded RBAC denial.
  function standIn(scenario: string, forbidden = false, probeFails = false): string {
    const dir = fs.mkdtempSync(path.join(tmp, `kubectl-${scenario}-`));
    const file = path.join(dir, "kubectl");
    const f = (name: string): string => {
      const p = path.join(FIX, scenario, name);
      return fs.existsSync(p) ? p : path.join(FIX, "healthy", name);
    };
    const empty = '{"apiVersion":"v1","items":[],"kind":"List"}';
    const mic = JSON.stringify({
      items: [{ metadata: { name: "mic-7d9b6c5f4-abcde", namespace: "kube-system" }, status: { phase: "Running" } }],
    });
    const denied =
      'Error from server (Forbidden): azureidentities.aadpodidentity.k8s.io is forbidden: User "dev@contoso.com" cannot list resource "azureidentities" in API group "aadpodidentity.k8s.io" in the namespace "aad-pod-identity-poc"';
    const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
    const script = `#!/bin/sh
args=""
for a in "$@"; do case "$a" in --request-timeout=*) ;; *) args="$args $a" ;; esac; done
case "$args" in
  " config current-context") echo aks-poc-container-westus2 ;;
  " get --raw /version") echo '{"major":"1","minor":"29"}' ;;
  " get namespace aad-pod-identity-poc -o json") cat ${q(f("namespace.json"))} ;;
  " get pods -n aad-pod-identity-poc -o json") cat ${q(f("pods.json"))} ;;
  " get azureidentities.aadpodidentity.k8s.io -n aad-pod-identity-poc -o json") ${forbidden ? `echo ${q(denied)} >&2; exit 1` : `cat ${q(f("azureidentities.json"))}`} ;;
  " get azureidentitybindings.aadpodidentity.k8s.io -n aad-pod-identity-poc -o json") cat ${q(f("azureidentitybindings.json"))} ;;
  " get azureassignedidentities.aadpodidentity.k8s.io -n default -o json") cat ${q(f("azureassignedidentities.json"))} ;;
  " get azureassignedidentities.aadpodidentity.k8s.io -n aad-pod-identity-poc -o json") echo ${q(empty)} ;;
  " get pods -A -l app.kubernetes.io/component=mic -o json") echo ${q(mic)} ;;
  " logs -n kube-system mic-7d9b6c5f4-abcde --tail=5000") cat ${q(path.join(LOGS, "guide-step3-mic.log"))} ;;
  " exec -n aad-pod-identity-poc az-keyvault-reader-test-77b46877d6-6kj24 -c busybox -- sh -c v=\\$(wget -qO- http://127.0.0.1:8333/secrets/grafana-admin-username-poc/) && printf %s \\"\\$v\\" | wc -c") ${probeFails ? `echo 'wget: server returned error: HTTP/1.1 500 Internal Server Error' >&2; exit 1` : "echo 13"} ;;
  " logs -n aad-pod-identity-poc az-keyvault-reader-test-77b46877d6-6kj24 --all-containers --tail=500") cat ${q(path.join(LOGS, "guide-step4-keyvault-reader.log"))} ;;
  *) echo "stand-in kubectl: unexpected arguments:$args" >&2; exit 1 ;;
esac
`;
    fs.writeFileSync(file, script, { mode: 0o755 });
    return file;
  }

  it("GIVEN a healthy cluster WHEN verify --env dev-test runs THEN exit 0 and the MIC log's old errors are a warning", async () => {
    const r = await run(["--env", "dev-test"], { kubectl: standIn("healthy") });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("verify dev-test (context aks-poc-container-westus2)");
    expect(r.out).toContain("  ✓ AzureAssignedIdentity for pod aad-pod-identity-poc/az-keyvault-reader-test-77b46877d6-6kj24 is Assigned");
    expect(r.out).toContain(
      "  ! MIC log through doctor: 1 finding(s) (kube-system/mic-7d9b6c5f4-abcde, last 2 lines): missing-managed-identity-operator ×2",
    );
    expect(r.out).toContain("verify: 5 passed, 0 failed, 0 skipped, 1 warning");
  });

  it("GIVEN an assignment stuck in Created WHEN verify --json runs THEN exit 1 and the item carries the MIC finding and its hint", async () => {
    const r = await run(["--env", "dev-test", "--json"], { kubectl: standIn("created-not-assigned") });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({
      tool: "verify",
      env: "dev-test",
      context: "aks-poc-container-westus2",
      expectedContext: "aks-poc-container-westus2",
    });
    const item = report.items.find((i: { id: string }) => i.id === "assigned-identity");
    expect(item.status).toBe("fail");
    expect(item.findings[0].id).toBe("missing-managed-identity-operator");
    expect(report.items.find((i: { id: string }) => i.id === "mic-log").status).toBe("fail");
  });

  it("GIVEN --probe and a reader that answers WHEN verify runs THEN the probe passes and the secret value is not printed", async () => {
    const r = await run(["--env", "dev-test", "--probe"], { kubectl: standIn("healthy") });
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "  ✓ reader test pod returns secret grafana-admin-username-poc from kv-westus2-aks: pod aad-pod-identity-poc/az-keyvault-reader-test-77b46877d6-6kj24 returned 13 bytes (value not shown)",
    );
  });

  it("GIVEN the probe commands THEN only the secret's size leaves the pod, at the paths the reader workload uses", () => {
    // The port and path come from constructs/facts.ts, as the reader workload's do.
    expect(probeCommand("s1", true)).toEqual(["sh", "-c", 'v=$(wget -qO- http://127.0.0.1:8333/secrets/s1/) && printf %s "$v" | wc -c']);
    expect(probeCommand("s1", false)).toEqual(["sh", "-c", "wc -c < /mnt/secrets-store/s1"]);
  });

  it("GIVEN --probe and a reader that fails WHEN verify runs THEN the pod's log goes through doctor and its finding is the hint", async () => {
    const r = await run(["--env", "dev-test", "--probe", "--json"], { kubectl: standIn("healthy", false, true) });
    expect(r.code).toBe(1);
    const probe = JSON.parse(r.out).items.find((i: { id: string }) => i.id === "probe");
    expect(probe).toMatchObject({
      status: "fail",
      detail:
        "pod aad-pod-identity-poc/az-keyvault-reader-test-77b46877d6-6kj24: reading http://127.0.0.1:8333/secrets/grafana-admin-username-poc/ failed: wget: server returned error: HTTP/1.1 500 Internal Server Error",
      hint: { findingId: "missing-keyvault-secret-permission", construct: "KeyVault.grantSecretRead(identity)" },
    });
    expect(probe.hint.text).toContain("bfcf34d4-cde4-48dd-b7d7-6c3db4ff884c");
  });

  it("GIVEN RBAC denies listing AzureIdentities WHEN verify runs THEN exit 2 with the denial in one line", async () => {
    const r = await run(["--env", "dev-test"], { kubectl: standIn("healthy", true) });
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      'verify: RBAC denied AzureIdentities in aad-pod-identity-poc: Error from server (Forbidden): azureidentities.aadpodidentity.k8s.io is forbidden: User "dev@contoso.com" cannot list resource "azureidentities" in API group "aadpodidentity.k8s.io" in the namespace "aad-pod-identity-poc" (verify needs read access to the teams\' namespaces, the aad-pod-identity CRs and pods; guide step 8 is for cluster admins)\n',
    );
  });
});

describe("verify gather for a workload-identity team, with stand-in kubectl and az programs", () => {
  const env: EnvironmentConfig = {
    ...devTest,
    cluster: {
      ...devTest.cluster,
      oidcIssuerUrl: "https://westus2.oic.prod-aks.azure.com/2e319086-9a26-46a3-865f-615bed576786/6b3c1c4e-7d2a-4f4b-9a57-1f0e6c2d8b91/",
    },
    teams: [{ ...devTest.teams[0], identityMode: "workload-identity", workloadIdentity: { serviceAccountName: "keyvault-reader" } }],
  };
  const wi = path.join(FIX, "workload-identity");
  function program(name: string, body: string): string {
    const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
    const file = path.join(dir, name);
    fs.writeFileSync(
      file,
      `#!/bin/sh\nargs=""\nfor a in "$@"; do case "$a" in --request-timeout=*) ;; *) args="$args $a" ;; esac; done\ncase "$args" in\n${body}\n  *) echo "stand-in: unexpected arguments:$args" >&2; exit 1 ;;\nesac\n`,
      { mode: 0o755 },
    );
    return file;
  }
  const kubectl = (): string =>
    program(
      "kubectl",
      [
        `  " config current-context") echo aks-poc-container-westus2 ;;`,
        `  " get --raw /version") echo '{}' ;;`,
        `  " get namespace aad-pod-identity-poc -o json") cat '${path.join(FIX, "healthy", "namespace.json")}' ;;`,
        `  " get pods -n aad-pod-identity-poc -o json") cat '${path.join(wi, "pods.json")}' ;;`,
        `  " get serviceaccount -n aad-pod-identity-poc keyvault-reader -o json") cat '${path.join(wi, "serviceaccount.json")}' ;;`,
      ].join("\n"),
    );

  it("GIVEN az answers WHEN gathered and checked THEN no pod-identity CR is looked up and every workload-identity item passes", async () => {
    const az = program(
      "az",
      `  " identity federated-credential list --identity-name aks-aad-user-identity --resource-group rg-westus2-shared --subscription 99a3af26-911d-4bc5-8fcc-8f9de81e46c5 -o json") cat '${path.join(wi, "federated-credentials.json")}' ;;`,
    );
    const g = await gather(env, new Kubectl({ program: kubectl() }), { probe: false, az });
    expect(g.mic).toBeUndefined();
    const snap = g.teams.get("poc");
    expect(snap?.azureIdentities).toBeUndefined();
    const items = checkTeam(env, env.teams[0], snap ?? { namespace: { state: "not-found" } });
    expect(items.map((i) => [i.id, i.status])).toEqual([
      ["namespace", "pass"],
      ["service-account", "pass"],
      ["workload-identity-pods", "pass"],
      ["federated-credential", "pass"],
    ]);
  });

  it("GIVEN no az program WHEN gathered and checked THEN the federated credential is skipped with the reason", async () => {
    const g = await gather(env, new Kubectl({ program: kubectl() }), { probe: false, az: path.join(tmp, "no-such-az") });
    const items = checkTeam(env, env.teams[0], g.teams.get("poc") ?? { namespace: { state: "not-found" } });
    expect(items.find((i) => i.id === "federated-credential")).toMatchObject({
      status: "skip",
      detail: "az CLI not found on PATH: cannot list federated credentials of aks-aad-user-identity",
    });
  });
});
