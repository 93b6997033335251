// The cdktf app: every stack of every environment, from config/environments.ts.
// `npm run synth` (or `cdktf synth`) runs this; `--env <name>` or AKS_ENV=<name> selects environments.
import { platform } from "./config/environments";
import { synthesize } from "./stacks/synthesize";

const result = synthesize(platform, process.argv.slice(2), process.env, process.env.CDKTF_OUTDIR ?? "cdktf.out");
process.stderr.write(result.messages.join("\n") + "\n");
if (!result.ok) process.exitCode = 1;
