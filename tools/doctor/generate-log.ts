/**
 * Writes a large, realistic mixed log for measuring `doctor`: MIC and NMI klog lines, Docker
 * json-file lines, ANSI-coloured and CRLF lines, JSON SDK error bodies, Terraform output, and
 * the guide's failures repeated (about one line in 50 is a failure).
 *
 *   node tools/run.js tools/doctor/generate-log.ts --size 1G --out /tmp/doctor-1g.log
 *
 * Not used by the tests (they stay small); `measure.ts` calls it. Never commit its output.
 */
import * as fs from "fs";

const GUIDE_STEP3 =
  `E1216 00:29:01.522258       1 mic.go:1111] failed to update user-assigned identities on node aks-system-12583646-vmss ` +
  `(add [1], del [0], update[0]), error: failed to update identities for aks-system-12583646-vmss in MC_rg-aks-poc-container-westus2, ` +
  `error: compute.VirtualMachineScaleSetsClient#Update: Failure sending request: StatusCode=0 -- Original ` +
  `Error: Code="LinkedAuthorizationFailed" Message="The client 'b9276f33-e80c-4f09-9cdf-24c28c0feea4' with ` +
  `object id 'b9276f33-e80c-4f09-9cdf-24c28c0feea4' has permission to perform action 'Microsoft.Compute/virtualMachineScaleSets/write' ` +
  `on scope '/subscriptions/7e242177-ef0b-431f-8c76-e40907843aa7/resourceGroups/MC_rg-aks-poc-container-westus2/providers/Microsoft.Compute/virtualMachineScaleSets/aks-system-12583646-vmss'; ` +
  `however, it does not have permission to perform action 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' ` +
  `on the linked scope(s) '/subscriptions/99a3af26-911d-4bc5-8fcc-8f9de81e46c5/resourcegroups/rg-westus2-shared/providers/microsoft.managedidentity/userassignedidentities/aks-aad-user-identity' ` +
  `or the linked scope(s) are invalid."`;
const GUIDE_STEP7 =
  `E1215 23:46:00.914853       1 mic.go:1111] failed to update user-assigned identities on node aks-system-12583646-vmss ` +
  `(add [1], del [0], update[0]), error: failed to get identity resource, error: failed to get vmss aks-system-12583646-vmss ` +
  `in resource group MC_rg-aks-poc-container-westus2, error: compute.VirtualMachineScaleSetsClient#Get: ` +
  `Failure responding to request: StatusCode=403 -- Original Error: autorest/azure: Service returned an ` +
  `error. Status=403 Code="AuthorizationFailed" Message="The client 'b9276f33-e80c-4f09-9cdf-24c28c0feea4' ` +
  `with object id 'b9276f33-e80c-4f09-9cdf-24c28c0feea4' does not have authorization to perform action ` +
  `'Microsoft.Compute/virtualMachineScaleSets/read' over scope '/subscriptions/7e242177-ef0b-431f-8c76-e40907843aa7/resourceGroups/MC_rg-aks-poc-container-westus2/providers/Microsoft.Compute/virtualMachineScaleSets/aks-system-12583646-vmss' ` +
  `or the scope is invalid. If access was recently granted, please refresh your credentials."`;
const GUIDE_STEP4 =
  `2021/12/16 00:38:19 failed to retrieve Keyvault secret versions: keyvault.BaseClient#GetSecretVersions: ` +
  `Failure responding to request: StatusCode=403 -- Original Error: autorest/azure: Service returned an ` +
  `error. Status=403 Code="Forbidden" Message="The user, group or application 'appid=248b3285-aa4c-436f-b0da-8ab35ba2d14a;oid=bfcf34d4-cde4-48dd-b7d7-6c3db4ff884c;iss=https://sts.windows.net/2e319086-9a26-46a3-865f-615bed576786/' ` +
  `does not have secrets list permission on key vault 'kv-westus2-aks;location=westus2'. For help resolving ` +
  `this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287" InnerError={"code":"AccessDenied"}`;

function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

function klogTime(i: number): string {
  const s = i % 86400;
  return `12${pad(10 + (((i / 86400) | 0) % 18), 2)} ${pad((s / 3600) | 0, 2)}:${pad(((s / 60) | 0) % 60, 2)}:${pad(s % 60, 2)}.${pad((i * 7919) % 1000000, 6)}`;
}

/** The i-th line of the generated log (with its newline). */
export function generatedLine(i: number): string {
  const t = klogTime(i);
  const pod = `app-${i % 37}/worker-${(i * 2654435761) % 0xfffff}`;
  switch (i % 50) {
    case 7:
      return `${GUIDE_STEP3.replace("1216 00:29:01.522258", t)}\n`;
    case 19:
      return `${GUIDE_STEP7.replace("1215 23:46:00.914853", t)}\r\n`;
    case 31:
      return `${JSON.stringify({ log: `${GUIDE_STEP4}\n`, stream: "stdout", time: `2021-12-16T00:${pad(i % 60, 2)}:19.${pad(i % 1000000, 6)}Z` })}\n`;
    case 43:
      return (
        `E${t}       1 server.go:375] failed to get matching identities for pod: ${pod}, error: getting assigned ` +
        `identities for pod ${pod} in CREATED state failed after 16 attempts, retry duration [5]s, error: <nil>. ` +
        `Check MIC pod logs for identity assignment errors\n`
      );
    default:
      break;
  }
  switch (i % 9) {
    case 0:
      return `I${t}       1 mic.go:1023] processing node aks-system-12583646-vmss, add [0], del [0], update [0]\n`;
    case 1:
      return (
        `I${t}       1 server.go:192] status (200) took ${(i * 31) % 100000000} ns for req.method=GET reg.path=/metadata/identity/oauth2/token ` +
        `req.remote=10.244.${i % 255}.${(i * 7) % 255}\n`
      );
    case 2:
      return `\x1b[36mI${t}\x1b[0m       1 cache.go:${100 + (i % 50)}] \x1b[32msynced\x1b[0m AzureIdentity ${pod}\r\n`;
    case 3:
      return `${JSON.stringify({ ts: 1639614360914.853 + i, caller: "nmi/server.go:301", msg: "matched identity", pod, v: 2 })}\n`;
    case 4:
      return `${JSON.stringify({ log: `I${t}       1 mic.go:624] syncing identities for ${pod}\n`, stream: "stderr", time: "2021-12-16T00:29:01.522258123Z" })}\n`;
    case 5:
      return `2021/12/16 00:${pad(i % 60, 2)}:19 reading secret grafana-admin-username-poc from kv-westus2-aks (attempt ${i % 70})\n`;
    case 6:
      return `│ \x1b[0m  # kubernetes_manifest.apps_poc_identity_${i % 13} will be updated in-place\n`;
    case 7:
      return (
        `I${t}       1 stats.go:${150 + (i % 30)}] ** stats collected ** total: ${i % 1000}ms, k8s list pods: ` +
        `${i % 97}ms, cloud get: ${i % 389}ms\n`
      );
    default:
      return (
        `W${t}       1 reflector.go:441] watch of *v1.Pod ended with: very short watch: Unexpected watch close ` +
        `- watch lasted less than a second and no items received\n`
      );
  }
}

/** Parses `1G`, `100M`, `64K` or a byte count. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]i?B?)?$/i.exec(s.trim());
  if (!m) throw new Error(`invalid size "${s}" (e.g. 1G, 100M, 65536)`);
  const unit = (m[2] ?? "").charAt(0).toUpperCase();
  const mult = unit === "G" ? 1024 ** 3 : unit === "M" ? 1024 ** 2 : unit === "K" ? 1024 : 1;
  return Math.floor(Number(m[1]) * mult);
}

/** Writes at least `bytes` bytes of generated log to `out`; resolves with bytes and lines written. */
export async function generateLog(out: string, bytes: number): Promise<{ bytes: number; lines: number }> {
  const stream = fs.createWriteStream(out);
  let written = 0;
  let i = 0;
  while (written < bytes) {
    let chunk = "";
    while (chunk.length < 1 << 20 && written + chunk.length < bytes) chunk += generatedLine(i++);
    const buf = Buffer.from(chunk, "utf8");
    written += buf.length;
    if (!stream.write(buf)) await new Promise<void>((r) => stream.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) => {
    stream.once("error", reject);
    stream.end(() => resolve());
  });
  return { bytes: written, lines: i };
}

/** `--size <n> --out <file>`; returns the exit code. */
export async function cli(argv: string[]): Promise<number> {
  let size = "1G";
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--size") size = argv[++i] ?? "";
    else if (argv[i] === "--out") out = argv[++i];
    else {
      process.stderr.write(`generate-log: unknown argument "${argv[i]}" (usage: --size 1G --out <file>)\n`);
      return 2;
    }
  }
  if (!out) {
    process.stderr.write("generate-log: --out <file> is required\n");
    return 2;
  }
  let bytes: number;
  try {
    bytes = parseSize(size);
  } catch (e) {
    process.stderr.write(`generate-log: ${(e as Error).message}\n`);
    return 2;
  }
  const r = await generateLog(out, bytes);
  process.stdout.write(`generate-log: wrote ${r.bytes} bytes, ${r.lines} lines to ${out}\n`);
  return 0;
}

if (require.main === module) {
  void cli(process.argv.slice(2)).then((c) => {
    process.exitCode = c;
  });
}
