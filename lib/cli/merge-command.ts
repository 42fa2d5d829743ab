// `pk3s-run-matrix merge <summary.json…> [--out DIR] [--allow-partial] [--junit FILE]`: the
// shards of one logical matrix as one root summary (lib/runs/merge.ts; docs/sharding.md), with
// the step summary and JUnit rendered from it as a matrix's own.

import { mkdirSync } from "node:fs";
import { relative, resolve } from "node:path";
import { summaryFileName } from "../artifacts/names.ts";
import { summaryText } from "../artifacts/reports.ts";
import { MergeError, mergeSummaries, readShards, writeMerged } from "../runs/merge.ts";
import { newId } from "../telemetry/correlation.ts";
import { ExitError, parseCli, UsageError } from "./args.ts";
import { type Logger, printOut } from "./log.ts";
import { publishReports } from "./publish.ts";

const OPTIONS = {
  out: { type: "string" },
  "allow-partial": { type: "boolean" },
  junit: { type: "string" },
} as const;

export async function mergeCommand(argv: string[], log: Logger): Promise<number> {
  const { values, positionals } = parseCli(argv, OPTIONS);
  if (positionals.length === 0) throw new UsageError("merge: give the shards' summary files");
  const outDir = resolve(values.out ?? (process.env.TEST_ARTIFACTS_DIR?.trim() || "test-artifacts"));
  try {
    const shards = readShards(positionals);
    const merged = mergeSummaries(shards, { allowPartial: values["allow-partial"] === true, runId: newId() });
    mkdirSync(outDir, { recursive: true });
    const name = summaryFileName(new Date(merged.started_at), merged.test_level, merged.run_id);
    const written = writeMerged(merged, shards, outDir, name, process.env);
    publishReports(written.value, values.junit, log);
    const { merged_shards: shardsInfo } = written.value;
    if (shardsInfo?.partial) log.warn(`partial merge: shard(s) ${shardsInfo.missing.join(", ")} missing`);
    const shown = relative(process.cwd(), written.path);
    printOut(`merged shards ${shardsInfo?.seen.join(", ")} of ${shardsInfo?.matrix_id}\n`);
    printOut(summaryText(written.value, shown.startsWith("..") ? written.path : shown));
    return written.value.result === "fail" ? 1 : 0;
  } catch (error) {
    if (error instanceof MergeError) throw new ExitError(`merge: ${error.message}`, 1);
    throw error;
  }
}
