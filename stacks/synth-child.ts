// A child of the parallel synth (stacks/parallel-synth.ts): one environment of a config file.
//   node tools/run.js stacks/synth-child.ts <config.json> <environment> <outdir> <result.json>
// Writes its SynthResult as JSON to <result.json>.
import * as fs from "fs";
import { synthesizeChild } from "./parallel-synth";

export async function cli(argv: string[]): Promise<number> {
  const [configFile, env, outdir, resultFile] = argv;
  const result = synthesizeChild(configFile, env, outdir);
  fs.writeFileSync(resultFile, JSON.stringify(result));
  return result.ok ? 0 : 1;
}
