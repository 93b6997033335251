/**
 * The benchmark's synth child: the production app (main.ts) with a generated config of
 * N app teams per environment. It calls the same `synthesize()` as main.ts, so the same
 * validation, constructs, stacks, policy and output handling run.
 *
 *   node tools/run.js tools/bench/synth-entry.ts --teams 100 [--layout shared|per-team]
 *
 * Output goes to CDKTF_OUTDIR (default cdktf.out), like main.ts.
 */
import { platform } from "../../config/environments";
import { synthesize } from "../../stacks/synthesize";
import { generatePlatform, type StackLayout } from "./generate-config";

/** Parsed arguments of the synth child. */
export interface SynthEntryArgs {
  readonly teams: number;
  readonly layout?: StackLayout;
}

/** Parses `--teams N` and `--layout shared|per-team`. */
export function parseSynthEntryArgs(argv: readonly string[]): SynthEntryArgs {
  let teams = 1;
  let layout: StackLayout | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--teams") teams = Number(argv[++i]);
    else if (a === "--layout") {
      const v = argv[++i];
      if (v !== "shared" && v !== "per-team") throw new Error(`--layout must be shared or per-team, not ${JSON.stringify(v)}`);
      layout = v;
    } else throw new Error(`unknown argument ${JSON.stringify(a)} (use --teams N --layout shared|per-team)`);
  }
  return { teams, layout };
}

/** Synthesizes the generated config into CDKTF_OUTDIR; returns the exit code. */
export function cli(argv: string[]): number {
  const args = parseSynthEntryArgs(argv);
  const config = generatePlatform(platform, args.teams, args.layout);
  const result = synthesize(config, [], process.env, process.env.CDKTF_OUTDIR ?? "cdktf.out");
  // The first line only: with 1,000 teams the warnings alone are thousands of lines.
  process.stderr.write((result.ok ? result.messages[0] : result.messages.join("\n")) + "\n");
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  try {
    process.exitCode = cli(process.argv.slice(2));
  } catch (err: unknown) {
    process.stderr.write(`synth-entry: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
}
