/**
 * Runs the real `kubectl` (and `az`) for `verify`, and turns their failures into clear,
 * one-line reasons: kubectl missing, no cluster access, RBAC denial (all fatal: exit 2), or
 * a resource that is simply not there (not found, CRD not installed: a failed check).
 */
import { spawn } from "child_process";
import type { Fetched } from "./checks";

/** Why verify cannot go on. */
export type FatalKind = "kubectl-missing" | "no-cluster-access" | "rbac-denied" | "kubectl-failed";

/** A failure that stops verify with exit 2. */
export class FatalError extends Error {
  constructor(
    readonly kind: FatalKind,
    message: string,
  ) {
    super(message);
  }
}

/** What a finished command returned. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; rejects with `ENOENT` as `{ code: "ENOENT" }` when the program is missing. */
export function runCommand(
  program: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(program, args, { env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs) timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      const stderr = Buffer.concat(err).toString("utf8");
      resolve({
        code: code ?? (signal ? 124 : 1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: signal && !stderr ? `killed by ${signal} (timeout)` : stderr,
      });
    });
  });
}

/** How kubectl's stderr reads. */
export type KubectlFailure = "not-found" | "crd-missing" | "rbac-denied" | "no-cluster-access" | "other";

/** Classifies kubectl's error output. Pure: tested with recorded messages. */
export function classifyKubectlError(stderr: string): KubectlFailure {
  const s = stderr;
  if (/\(Forbidden\)|is forbidden: User|forbidden: .* cannot /i.test(s)) return "rbac-denied";
  if (/the server doesn't have a resource type|no matches for kind|could not find the requested resource/i.test(s)) return "crd-missing";
  if (/\(NotFound\)|not found$/im.test(s) && !/context was not found/i.test(s)) return "not-found";
  if (
    /Unable to connect to the server|connection to the server .* was refused|connection refused|no such host|i\/o timeout|dial tcp|context deadline exceeded|Client\.Timeout|TLS handshake|certificate|context was not found|context ".*" does not exist|current-context is not set|no configuration has been provided|invalid configuration|Unauthorized|You must be logged in|the server has asked for the client to provide credentials|kubelogin|exec plugin|getting credentials/i.test(
      s,
    )
  ) {
    return "no-cluster-access";
  }
  return "other";
}

function firstLine(s: string): string {
  return (s.split("\n").find((l) => l.trim()) ?? "").trim().replace(/^error: /i, "");
}

export interface KubectlOptions {
  /** `--context`; default: the current context. */
  readonly context?: string;
  /** @default "kubectl" */
  readonly program?: string;
  /** Per call. @default 20 */
  readonly timeoutSeconds?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** The real kubectl, one process per call. */
export class Kubectl {
  readonly program: string;
  private readonly timeout: number;

  constructor(private readonly options: KubectlOptions = {}) {
    this.program = options.program ?? "kubectl";
    this.timeout = options.timeoutSeconds ?? 20;
  }

  private args(args: readonly string[]): string[] {
    return [...(this.options.context ? ["--context", this.options.context] : []), `--request-timeout=${this.timeout}s`, ...args];
  }

  /** Runs kubectl; a missing binary is fatal. */
  async run(args: readonly string[], withRequestTimeout = true): Promise<CommandResult> {
    try {
      const full = withRequestTimeout ? this.args(args) : [...(this.options.context ? ["--context", this.options.context] : []), ...args];
      return await runCommand(this.program, full, { timeoutMs: (this.timeout + 10) * 1000, env: this.options.env });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT")
        throw new FatalError("kubectl-missing", `kubectl not found on PATH (${this.program}): install kubectl, or put it on PATH`);
      if (code === "EACCES") throw new FatalError("kubectl-missing", `kubectl (${this.program}) is not executable`);
      throw new FatalError("kubectl-failed", `cannot run kubectl: ${(e as Error).message}`);
    }
  }

  /** Turns a failed call into a fatal error, naming what was asked. */
  fatal(what: string, r: CommandResult): FatalError {
    const kind = classifyKubectlError(r.stderr);
    const line = firstLine(r.stderr) || `exit ${r.code}`;
    const ctx = this.options.context ? `context "${this.options.context}"` : "the current context";
    if (kind === "rbac-denied")
      return new FatalError(
        "rbac-denied",
        `RBAC denied ${what}: ${line} (verify needs read access to the teams' namespaces, the aad-pod-identity ` +
          `CRs and pods; guide step 8 is for cluster admins)`,
      );
    if (kind === "no-cluster-access") return new FatalError("no-cluster-access", `no access to the cluster through ${ctx}: ${line}`);
    return new FatalError("kubectl-failed", `kubectl failed on ${what}: ${line}`);
  }

  /** Checks that the API server answers (any authenticated user may read /version). */
  async ping(): Promise<void> {
    const r = await this.run(["get", "--raw", "/version"]);
    if (r.code !== 0) throw this.fatal("GET /version", r);
  }

  /** The context in use. */
  async currentContext(): Promise<string | undefined> {
    if (this.options.context) return this.options.context;
    const r = await this.run(["config", "current-context"], false);
    if (r.code !== 0)
      throw new FatalError("no-cluster-access", `no kubectl context: ${firstLine(r.stderr)} (give --context, or set KUBECONFIG)`);
    return r.stdout.trim() || undefined;
  }

  /**
   * `kubectl get … -o json`. Not found and unknown resource types are results; RBAC denial,
   * no access and other errors are fatal unless `optional` (then: skipped, with the reason).
   */
  async getJson<T>(args: readonly string[], what: string, optional = false): Promise<Fetched<T>> {
    const r = await this.run(["get", ...args, "-o", "json"]);
    if (r.code === 0) {
      try {
        return { state: "ok", value: JSON.parse(r.stdout) as T };
      } catch {
        throw new FatalError("kubectl-failed", `kubectl returned no JSON for ${what}`);
      }
    }
    const kind = classifyKubectlError(r.stderr);
    if (kind === "not-found") return { state: "not-found", message: firstLine(r.stderr) };
    if (kind === "crd-missing") return { state: "crd-missing", message: firstLine(r.stderr) };
    if (optional) return { state: "skipped", reason: `${what}: ${firstLine(r.stderr)}` };
    throw this.fatal(what, r);
  }
}

/** `az`, for what only Azure knows (federated credentials). Missing or failing `az` means skipped. */
export async function azJson<T>(args: readonly string[], what: string, program = "az", env?: NodeJS.ProcessEnv): Promise<Fetched<T>> {
  let r: CommandResult;
  try {
    r = await runCommand(program, [...args, "-o", "json"], { timeoutMs: 60_000, env });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      state: "skipped",
      reason: code === "ENOENT" ? `az CLI not found on PATH: cannot list ${what}` : `cannot run az: ${(e as Error).message}`,
    };
  }
  if (r.code !== 0) return { state: "skipped", reason: `az failed listing ${what}: ${firstLine(r.stderr) || `exit ${r.code}`}` };
  try {
    return { state: "ok", value: JSON.parse(r.stdout) as T };
  } catch {
    return { state: "skipped", reason: `az returned no JSON for ${what}` };
  }
}
