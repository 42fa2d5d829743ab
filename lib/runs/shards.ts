// Shards: one logical matrix spread over many runners with no coordination — every runner
// computes the same split from the same inputs (docs/sharding.md). Pure: the plan (by count, or
// by recorded durations, longest first onto the least-loaded shard), the logical matrix's id,
// the `I/N` option, and the session all shards of one CI run share.
import { createHash } from "node:crypto";
import type { TestLevel } from "../telemetry/event.ts";
import type { Env } from "../util/env.ts";

export interface Shard {
  /** 1-based. */
  index: number;
  total: number;
}

export const MAX_SHARDS = 256;

/** Parse `--shard I/N` (1 ≤ I ≤ N ≤ 256); throws an Error naming the value. */
export function parseShard(raw: string): Shard {
  const match = /^\s*(\d{1,3})\s*\/\s*(\d{1,3})\s*$/.exec(raw);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || total > MAX_SHARDS || index < 1 || index > total) {
    throw new Error(
      `--shard must be I/N with 1 <= I <= N <= ${MAX_SHARDS} (e.g. 2/3), got ${JSON.stringify(raw)}`,
    );
  }
  return { index, total };
}

export const shardLabel = (shard: Shard): string => `${shard.index}/${shard.total}`;

/**
 * The logical matrix's id: the same for every shard of one level over one set of scenarios
 * (order and duplicates do not matter), different otherwise. An opaque hash, no names inside.
 */
export function logicalMatrixId(level: TestLevel, scenarios: readonly string[]): string {
  const names = [...new Set(scenarios)].sort();
  const hash = createHash("sha256")
    .update(`pk3s-matrix\0${level}\0${names.join("\0")}`)
    .digest("hex");
  return `matrix-${hash.slice(0, 16)}`;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Split `scenarios` into `total` shards, the same way everywhere. Without durations: sorted by
 * name, dealt round-robin (sizes differ by at most one). With durations (seconds per scenario):
 * longest first (ties by name) onto the least-loaded shard (ties to the lowest index); a
 * scenario without a recorded duration counts as the mean of the recorded ones. Each shard
 * keeps the scenarios in the order given.
 */
export function planShards(
  scenarios: readonly string[],
  total: number,
  durations?: ReadonlyMap<string, number>,
): string[][] {
  const names = [...new Set(scenarios)];
  const assigned = new Map<string, number>();
  const known = durations ? names.filter((n) => durations.has(n)).map((n) => durations.get(n) as number) : [];
  if (!durations || known.length === 0) {
    [...names].sort(byName).forEach((name, i) => {
      assigned.set(name, i % total);
    });
  } else {
    const fallback = known.reduce((sum, d) => sum + d, 0) / known.length;
    const weight = (name: string) => durations.get(name) ?? fallback;
    const order = [...names].sort((a, b) => weight(b) - weight(a) || byName(a, b));
    const load = new Array<number>(total).fill(0);
    for (const name of order) {
      let least = 0;
      for (let i = 1; i < total; i++) if ((load[i] as number) < (load[least] as number)) least = i;
      assigned.set(name, least);
      load[least] = (load[least] as number) + weight(name);
    }
  }
  const shards = Array.from({ length: total }, () => [] as string[]);
  for (const name of names) shards[assigned.get(name) as number]?.push(name);
  return shards;
}

/** Seconds per scenario from earlier summaries' scenario_results (the mean where several). */
export function recordedDurations(
  summaries: ReadonlyArray<{ scenario_results: Record<string, { duration_seconds: number }> }>,
): Map<string, number> {
  const sums = new Map<string, { total: number; count: number }>();
  for (const summary of summaries) {
    for (const [name, entry] of Object.entries(summary.scenario_results)) {
      const seen = sums.get(name) ?? { total: 0, count: 0 };
      sums.set(name, { total: seen.total + entry.duration_seconds, count: seen.count + 1 });
    }
  }
  return new Map([...sums].map(([name, { total, count }]) => [name, total / count]));
}

/** CI run variables that identify one run (and attempt) across all of its jobs. */
const CI_RUNS = [
  { flag: "GITHUB_ACTIONS", runId: "GITHUB_RUN_ID", also: ["GITHUB_REPOSITORY", "GITHUB_RUN_ATTEMPT"] },
  { flag: "GITLAB_CI", runId: "CI_PIPELINE_ID", also: ["CI_PROJECT_ID"] },
  { flag: "BUILDKITE", runId: "BUILDKITE_BUILD_ID", also: ["BUILDKITE_RETRY_COUNT"] },
] as const;

/**
 * The session all shards of one CI run share when the caller gave none: derived from the CI's
 * run identifiers, so shards on different runners agree without talking to each other. Opaque
 * (a hash in a UUID's shape): the run's identifiers are not recoverable from it. null outside a
 * known CI run.
 */
export function ciSessionId(env: Env): string | null {
  for (const { flag, runId, also } of CI_RUNS) {
    const id = env[runId]?.trim();
    if (!env[flag]?.trim() || !id) continue;
    const parts = [flag, id, ...also.map((key) => env[key]?.trim() ?? "")];
    const hash = createHash("sha256")
      .update(`pk3s-session\0${parts.join("\0")}`)
      .digest("hex");
    // The layout of an RFC 9562 version 8 (custom) UUID.
    const variant = ((Number.parseInt(hash.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
    return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-8${hash.slice(13, 16)}-${variant}${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
  }
  return null;
}
