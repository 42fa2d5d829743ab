// Shard options of pk3s-run-matrix (docs/sharding.md): `--shard I/N` picks this runner's part of
// the logical matrix, `--durations FILE[,FILE…]` balances the parts by an earlier run's
// durations, and all shards of one CI run get one session (the caller's TELEMETRY_SESSION_ID,
// else one derived from the CI run, handed to the execution's context — never written back into
// the environment).
import type { ShardBlock } from "../artifacts/records.ts";
import { ciSessionId, logicalMatrixId, parseShard, planShards, recordedDurations } from "../runs/shards.ts";
import type { TestLevel } from "../telemetry/event.ts";
import type { Env } from "../util/env.ts";
import { UsageError } from "./args.ts";

export interface ShardSelection {
  /** This runner's scenarios (all of them when unsharded). */
  names: string[];
  shard?: ShardBlock;
  /**
   * Sharded in CI without TELEMETRY_SESSION_ID: the session derived from the CI run, the same
   * in every shard of it (startExecution's `sessionId`).
   */
  sessionId?: string;
}

/** Pick this shard's scenarios, and the session all shards share when the environment names none. */
export async function selectShard(
  level: TestLevel,
  names: string[],
  raw: { shard?: string | undefined; durations?: string | undefined },
  env: Env,
): Promise<ShardSelection> {
  if (raw.shard === undefined) {
    if (raw.durations !== undefined) throw new UsageError("--durations is only used with --shard I/N");
    return { names };
  }
  let shard: ReturnType<typeof parseShard>;
  try {
    shard = parseShard(raw.shard);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (shard.total > names.length) {
    throw new UsageError(
      `--shard ${shard.index}/${shard.total}: ${shard.total} shards for ${names.length} scenario(s) would leave a shard empty; use at most ${names.length}`,
    );
  }
  const durations = raw.durations === undefined ? undefined : await readDurations(raw.durations);
  const plan = planShards(names, shard.total, durations);
  const derived = env.TELEMETRY_SESSION_ID?.trim() ? null : ciSessionId(env);
  return {
    ...(derived ? { sessionId: derived } : {}),
    names: plan[shard.index - 1] ?? [],
    shard: {
      shard: `${shard.index}/${shard.total}`,
      index: shard.index,
      total: shard.total,
      matrix_id: logicalMatrixId(level, names),
      balanced_by: durations ? "durations" : "count",
    },
  };
}

async function readDurations(list: string): Promise<Map<string, number>> {
  const { readShards } = await import("../runs/merge.ts");
  const paths = list
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (paths.length === 0) throw new UsageError("--durations needs one or more summary files (FILE[,FILE…])");
  try {
    return recordedDurations(readShards(paths, { manifests: false }).map((s) => s.summary));
  } catch (error) {
    throw new UsageError(`--durations: ${(error as Error).message}`);
  }
}
