#!/usr/bin/env node
/**
 * `npm run adopt -- --vault kv.json --identity id.json --roles roles.json [--roles more.json] [--synth cdktf.out]`
 *
 * Reads what the guide made by hand, saved from the Azure CLI, and prints what to put in
 * config/environments.ts and which `terraform import` commands to run (with `adopt: true`, the
 * identity, vault, namespace and pod-identity objects are imported by the synth itself; hand-made
 * role assignments have random names and access policies have no name, so they come from here).
 */
import * as fs from "fs";
import { reportCliError } from "../cli-error";
import { adoptionPlan, AdoptError, type AzIdentity, type AzKeyVault, type AzRoleAssignment, type SynthesizedStack } from "./plan";

const USAGE = `usage: npm run adopt -- --vault <file> [--identity <file>] [--roles <file>]... [--synth <cdktf.out>]

  --vault <file>     az keyvault show -n <vault> -o json > <file>
  --identity <file>  az identity show -n <identity> -g <group> -o json > <file>
  --roles <file>     az role assignment list --all -o json > <file> (once per subscription: the
                     app subscription and the cluster's; repeat --roles)
  --synth <dir>      the output of npm run synth (default cdktf.out, if it exists): gives the
                     Terraform addresses to import to

Prints the keyVault config values to keep the vault as it is (purge protection, soft delete,
RBAC mode, network), and one terraform import command per hand-made grant that a stack manages,
or says that a grant is not managed by these stacks. Exit 0; 2 on unreadable or wrong input.`;

export function cli(argv: string[]): number {
  try {
    if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
      process.stdout.write(USAGE + "\n");
      return argv.length === 0 ? 2 : 0;
    }
    const opts: { vault?: string; identity?: string; roles: string[]; synth?: string } = { roles: [] };
    for (let i = 0; i < argv.length; i++) {
      const flag = argv[i];
      const value = argv[i + 1];
      if (!["--vault", "--identity", "--roles", "--synth"].includes(flag))
        throw new AdoptError(`unknown argument "${flag}". Fix: see npm run adopt -- --help`);
      if (value === undefined || value.startsWith("--")) throw new AdoptError(`${flag} needs a file. Fix: ${flag} <file>`);
      if (flag === "--roles") opts.roles.push(value);
      else opts[flag.slice(2) as "vault" | "identity" | "synth"] = value;
      i++;
    }
    if (!opts.vault) throw new AdoptError("--vault is required. Fix: az keyvault show -n <vault> -o json > kv.json, then --vault kv.json");
    const vault = readJson<AzKeyVault>(opts.vault, "az keyvault show -o json");
    const identity = opts.identity ? readJson<AzIdentity>(opts.identity, "az identity show -o json") : undefined;
    const roles = opts.roles.flatMap((f) => {
      const list = readJson<AzRoleAssignment[]>(f, "az role assignment list --all -o json");
      if (!Array.isArray(list))
        throw new AdoptError(`${f} is not a list of role assignments. Fix: save az role assignment list --all -o json (a JSON array)`);
      return list;
    });
    const synthDir = opts.synth ?? (fs.existsSync("cdktf.out/stacks") ? "cdktf.out" : undefined);
    process.stdout.write(
      adoptionPlan({ vault, identity, roles, stacks: synthDir ? readStacks(synthDir) : undefined, synthDir }).join("\n") + "\n",
    );
    return 0;
  } catch (err) {
    return reportCliError("adopt", err, AdoptError);
  }
}

function readJson<T>(file: string, made: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  } catch (e) {
    throw new AdoptError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code}). Fix: save it with ${made} > ${file}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new AdoptError(`${file} is not JSON (made with -o table or tsv?). Fix: save it with ${made} > ${file}`);
  }
}

function readStacks(dir: string): SynthesizedStack[] {
  const root = `${dir}/stacks`;
  if (!fs.existsSync(root)) throw new AdoptError(`${root} does not exist. Fix: npm run synth first, or leave out --synth`);
  return fs
    .readdirSync(root)
    .filter((s) => fs.existsSync(`${root}/${s}/cdk.tf.json`))
    .sort()
    .map((name) => ({ name, json: JSON.parse(fs.readFileSync(`${root}/${name}/cdk.tf.json`, "utf8")) as SynthesizedStack["json"] }));
}

if (require.main === module) process.exitCode = cli(process.argv.slice(2));
