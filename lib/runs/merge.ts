// Merge: the shards of one logical matrix (docs/sharding.md) combined into one root summary —
// counts, pass/skip/fail lists, every scenario's result and manifest, the earliest start, the
// latest finish, the shards seen — with the manifests copied alongside. The checks and the
// combination are pure (mergeSummaries); reading the shards' files and writing the result are
// the edges (readShards, writeMerged). Everything is read and checked before anything is written.
import { lstatSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import * as v from "valibot";
import {
  emptyResultLists,
  type Manifest,
  ManifestSchema,
  type ScenarioEntry,
  type Summary,
  SummarySchema,
  writeArtifact,
} from "../artifacts/records.ts";
import { sanitize, sanitizeText } from "../privacy/sanitize.ts";
import type { Env } from "../util/env.ts";
import { readOwnFile } from "../util/fs.ts";
import { overallResult, type ScenarioResult } from "./classify.ts";
import { shardLabel } from "./shards.ts";

export class MergeError extends Error {
  override readonly name = "MergeError";
}

export interface ShardInput {
  /** How the file is named in messages (as the operator gave it). */
  label: string;
  summary: Summary;
}

export interface MergeOptions {
  allowPartial: boolean;
  /** The root summary's own run id. */
  runId: string;
}

const quoted = (label: string) => JSON.stringify(label);

/** Check that the inputs are the shards of one logical matrix, and combine them. */
export function mergeSummaries(inputs: readonly ShardInput[], options: MergeOptions): Summary {
  if (inputs.length === 0) throw new MergeError("give at least one shard's summary to merge");
  for (const { label, summary } of inputs) {
    if (!summary.shard) {
      throw new MergeError(
        `${quoted(label)} is not a shard's summary (it has no shard block: run pk3s-run-matrix with --shard I/N)`,
      );
    }
  }
  const shards = inputs.map((input) => ({
    ...input,
    shard: input.summary.shard as NonNullable<Summary["shard"]>,
  }));
  const [first] = shards as [(typeof shards)[number], ...typeof shards];
  for (const other of shards.slice(1)) {
    if (other.summary.test_level !== first.summary.test_level) {
      throw new MergeError(
        `cannot merge different levels: ${quoted(first.label)} is ${first.summary.test_level}, ${quoted(other.label)} is ${other.summary.test_level}`,
      );
    }
    if (other.shard.matrix_id !== first.shard.matrix_id || other.shard.total !== first.shard.total) {
      throw new MergeError(
        `cannot merge different logical matrices: ${quoted(first.label)} is shard ${first.shard.shard} of ${first.shard.matrix_id}, ${quoted(other.label)} is shard ${other.shard.shard} of ${other.shard.matrix_id}`,
      );
    }
  }
  const byIndex = new Map<number, string>();
  const owner = new Map<string, string>();
  for (const { label, shard, summary } of shards) {
    const twice = byIndex.get(shard.index);
    if (twice !== undefined) {
      throw new MergeError(`shard ${shard.shard} is given twice: ${quoted(twice)} and ${quoted(label)}`);
    }
    byIndex.set(shard.index, label);
    for (const name of Object.keys(summary.scenario_results)) {
      const seen = owner.get(name);
      if (seen !== undefined) {
        throw new MergeError(
          `overlapping shards: scenario ${quoted(name)} is in both ${quoted(seen)} and ${quoted(label)}`,
        );
      }
      owner.set(name, label);
    }
  }
  const total = first.shard.total;
  const missing = Array.from({ length: total }, (_, i) => i + 1)
    .filter((index) => !byIndex.has(index))
    .map((index) => shardLabel({ index, total }));
  if (missing.length > 0 && !options.allowPartial) {
    throw new MergeError(
      `incomplete set of shards: ${missing.join(", ")} of ${first.shard.matrix_id} missing (give every shard's summary, or --allow-partial to merge what is there)`,
    );
  }

  const ordered = [...shards].sort((a, b) => a.shard.index - b.shard.index);
  const scenarioResults: Record<string, ScenarioEntry> = {};
  const lists = emptyResultLists();
  const results: ScenarioResult[] = [];
  for (const { summary } of ordered) {
    Object.assign(scenarioResults, summary.scenario_results);
    for (const key of ["pass", "skip", "fail", "interrupted"] as const) lists[key].push(...summary[key]);
    for (const entry of Object.values(summary.scenario_results)) {
      results.push(entry.result === "interrupted" ? "fail" : entry.result);
    }
  }
  const times = ordered.map(({ summary }) => summary);
  const started = times.map((s) => s.started_at).sort()[0] as string;
  const finished = times
    .map((s) => s.finished_at)
    .sort()
    .at(-1) as string;
  const parents = new Set(times.map((s) => s.parent_run_id));
  const resolved = times.find((s) => s.productive_k3s.resolved_from_cluster_json) ?? first.summary;
  const { shard: _shard, merged_shards: _merged, ...base } = first.summary;
  return {
    ...base,
    run_id: options.runId,
    parent_run_id: parents.size === 1 ? first.summary.parent_run_id : null,
    result: overallResult(results),
    started_at: started,
    finished_at: finished,
    duration_seconds: Number(((Date.parse(finished) - Date.parse(started)) / 1000).toFixed(3)),
    productive_k3s: resolved.productive_k3s,
    ...lists,
    scenario_results: scenarioResults,
    merged_shards: {
      matrix_id: first.shard.matrix_id,
      total,
      seen: ordered.map(({ shard }) => shard.shard),
      missing,
      partial: missing.length > 0,
      run_ids: ordered.map(({ summary }) => summary.run_id),
    },
  };
}

/** The most an artifact file may hold; a bigger one is refused unread. */
const MAX_ARTIFACT_BYTES = 4 * 1024 * 1024;

/** A regular file's text, of this user, read without following a symlink and within the bound. */
function readBounded(path: string, label: string): string {
  const read = readOwnFile(path, MAX_ARTIFACT_BYTES);
  if (!read.ok) {
    throw new MergeError(`cannot read ${quoted(label)}: ${read.missing ? "no such file" : read.problem}`);
  }
  return read.text;
}

function parseArtifact<S extends v.GenericSchema>(schema: S, text: string, label: string): v.InferOutput<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MergeError(`${quoted(label)} is not valid JSON`);
  }
  const parsed = v.safeParse(schema, raw);
  if (!parsed.success) {
    const [issue] = parsed.issues;
    throw new MergeError(
      `${quoted(label)} is not a valid artifact: ${v.getDotPath(issue) ?? "(root)"}: ${issue.message}`,
    );
  }
  return parsed.output;
}

type Texts = { skip_reason?: string | undefined; fail_reason?: string | undefined };
type Shared = Pick<Summary, "productive_k3s" | "ci">;

/** A record's reasons through the free-text sanitiser (absent ones stay absent). */
function cleanReasons<T extends Texts>(record: T): T {
  const out = { ...record };
  if (out.skip_reason !== undefined) out.skip_reason = sanitizeText(out.skip_reason);
  if (out.fail_reason !== undefined) out.fail_reason = sanitizeText(out.fail_reason);
  return out;
}

/** The free text both records carry, through the sanitiser. */
function cleanShared<T extends Shared>(record: T): T {
  const { resolved_from_cluster_json, ...pk3s } = record.productive_k3s;
  return {
    ...record,
    productive_k3s: {
      ...(Object.fromEntries(Object.entries(pk3s).map(([k, text]) => [k, sanitize(text)])) as typeof pk3s),
      resolved_from_cluster_json,
    },
    ci: Object.fromEntries(
      Object.entries(record.ci).map(([k, text]) => [k, text === undefined ? text : sanitize(text)]),
    ) as T["ci"],
  };
}

/**
 * Another runner's files are outside input: their free text (reasons, CI and productive-k3s
 * values, installation) passes the sanitiser again before it reaches the merged artifacts
 * (names, ids, times and results are held to their patterns by the schemas).
 */
export function sanitizeShardSummary(summary: Summary): Summary {
  return cleanShared({
    ...summary,
    scenario_results: Object.fromEntries(
      Object.entries(summary.scenario_results).map(([name, entry]) => [name, cleanReasons(entry)]),
    ),
  });
}

export function sanitizeShardManifest(manifest: Manifest): Manifest {
  const { installation } = manifest;
  return cleanShared(
    cleanReasons({
      ...manifest,
      installation: {
        ...installation,
        environment: sanitize(installation.environment),
        topology: sanitize(installation.topology),
        bootstrap_modes_used: installation.bootstrap_modes_used.map((mode) => sanitize(mode)),
      },
    }),
  );
}

export interface ShardFiles extends ShardInput {
  /** Each scenario's manifest, by its relative path (`infra-runs/…`). */
  manifests: Map<string, Manifest>;
}

/** Read each shard's summary and (unless told not to) the manifests it names beside it, all checked. */
export function readShards(paths: readonly string[], options = { manifests: true }): ShardFiles[] {
  return paths.map((path) => {
    const summary = sanitizeShardSummary(parseArtifact(SummarySchema, readBounded(path, path), path));
    const manifests = new Map<string, Manifest>();
    if (!options.manifests) return { label: path, summary, manifests };
    for (const [name, entry] of Object.entries(summary.scenario_results)) {
      if (entry.manifest === null) continue;
      const label = join(dirname(path), entry.manifest);
      if (!readable(label)) {
        throw new MergeError(
          `the manifest of scenario ${quoted(name)} in ${quoted(path)} is missing: ${quoted(label)}`,
        );
      }
      const manifest = parseArtifact(ManifestSchema, readBounded(label, label), label);
      manifests.set(entry.manifest, sanitizeShardManifest(manifest));
    }
    return { label: path, summary, manifests };
  });
}

function readable(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Write the manifests and then the root summary into `outDir` (each atomically, through the
 * artifact writer's guard); returns the summary's path and value as written.
 */
export function writeMerged(
  merged: Summary,
  shards: readonly ShardFiles[],
  outDir: string,
  summaryName: string,
  env: Env,
): { path: string; value: Summary } {
  for (const { manifests } of shards) {
    for (const [relative, manifest] of manifests) {
      writeArtifact(ManifestSchema, manifest, outDir, join("infra-runs", basename(relative)), env);
    }
  }
  return writeArtifact(SummarySchema, merged, outDir, summaryName, env);
}
