// Records: the anonymous test evidence in docs/privacy-and-telemetry.md › Test artifacts — the
// per-scenario manifest (infra-runs/…json) and the matrix summary (…-summary.json): their valibot
// schemas (exported as JSON Schema), the blocks shared by both (productive_k3s, ci, telemetry),
// and the one writer that sanitises, guards and writes atomically. Strict objects: only
// allow-listed fields exist. Every field the bash reference writes keeps its name and JSON type
// (its files are read by existing scripts and dashboards); ours are added beside them. File
// names are in names.ts, the lenient reader for files either implementation wrote in reader.ts.
import { accessSync, constants, lstatSync, mkdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import * as v from "valibot";
import { REPOSITORY } from "../cli/version.ts";
import { guardText, guardValue, type Identifier, machineIdentifiers } from "../privacy/guard.ts";
import { sanitize } from "../privacy/sanitize.ts";
import type { CiInfo } from "../runs/ci.ts";
import { ID, LEVELS, type TestLevel, UTC_TIMESTAMP } from "../telemetry/event.ts";
import type { Settings } from "../telemetry/settings.ts";
import type { Env } from "../util/env.ts";
import { errorCode, readOwnFile, writeAtomic } from "../util/fs.ts";

export const ARTIFACT_SCHEMA_VERSION = "1";
const TEXT = v.pipe(v.string(), v.maxLength(400));
const NAME = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/));
const SECONDS = v.pipe(v.number(), v.minValue(0));
export const RESULTS = ["pass", "skip", "fail"] as const;
export type ArtifactResult = (typeof RESULTS)[number];
/** Where the scenario that ran came from — the kind only, never its path. */
export const SCENARIO_SOURCES = ["bundled", "profiles", "directory"] as const;
export type ScenarioSourceKind = (typeof SCENARIO_SOURCES)[number];

export const ProductiveK3sSchema = v.strictObject({
  source: TEXT,
  version: TEXT,
  release_repo: TEXT,
  engine: TEXT,
  resolved_from_cluster_json: v.boolean(),
});
export type ProductiveK3s = v.InferOutput<typeof ProductiveK3sSchema>;

export const TelemetryBlockSchema = v.strictObject({
  share_metrics_enabled: v.boolean(),
  anonymous_by_default: v.literal(true),
  /** TELEMETRY_ENDPOINT was set (never the value). */
  endpoint_configured: v.boolean(),
  propagates_to_productive_k3s: v.literal(true),
  max_retries: v.number(),
  connect_timeout_seconds: v.number(),
  request_timeout_seconds: v.number(),
});
export type TelemetryBlock = v.InferOutput<typeof TelemetryBlockSchema>;

/**
 * Strings, "" when unknown, as the reference writes them: `provider` is `github-actions` or
 * `local`, the two values its readers know. `system` is ours: the CI that ran it (`gitlab`, …).
 */
export const CiBlockSchema = v.strictObject({
  provider: TEXT,
  workflow: TEXT,
  run_id: TEXT,
  system: v.optional(TEXT),
});
export type CiBlock = v.InferOutput<typeof CiBlockSchema>;

/** One entry of `phases`, keyed `test_<level>`; `target` (the make target) is ours. */
export const PhaseSchema = v.strictObject({
  status: v.picklist(RESULTS),
  duration_seconds: SECONDS,
  target: v.optional(NAME),
});
export const PhasesSchema = v.strictObject({
  test_static: v.optional(PhaseSchema),
  test_contract: v.optional(PhaseSchema),
  test_live: v.optional(PhaseSchema),
});
export type Phases = v.InferOutput<typeof PhasesSchema>;
export const phaseKey = (level: TestLevel) => `test_${level}` as const;

/** A whole number of nodes, "variable" or "unknown" — a string, as the reference writes it. */
export const NODE_COUNT_TEXT = v.pipe(v.string(), v.regex(/^(?:\d{1,5}|variable|unknown)$/));

export const ManifestSchema = v.strictObject({
  schema_version: v.literal(ARTIFACT_SCHEMA_VERSION),
  repository: v.literal(REPOSITORY),
  run_id: ID,
  parent_run_id: v.nullable(ID),
  session_id: ID,
  scenario: NAME,
  scenario_source: v.picklist(SCENARIO_SOURCES),
  execution_kind: v.picklist(["ci", "manual"]),
  test_level: v.picklist(LEVELS),
  result: v.picklist(RESULTS),
  started_at: UTC_TIMESTAMP,
  finished_at: UTC_TIMESTAMP,
  duration_seconds: SECONDS,
  skip_reason: v.optional(TEXT),
  fail_reason: v.optional(TEXT),
  productive_k3s: ProductiveK3sSchema,
  installation: v.strictObject({
    environment: TEXT,
    topology: TEXT,
    node_count_expected: NODE_COUNT_TEXT,
    bootstrap_modes_used: v.array(TEXT),
  }),
  features: v.record(NAME, v.boolean()),
  phases: PhasesSchema,
  ci: CiBlockSchema,
  telemetry: TelemetryBlockSchema,
});
export type Manifest = v.InferOutput<typeof ManifestSchema>;

export const ScenarioEntrySchema = v.strictObject({
  result: v.picklist([...RESULTS, "interrupted"]),
  run_id: v.nullable(ID),
  /** null only for a scenario interrupted before it started. */
  started_at: v.nullable(UTC_TIMESTAMP),
  finished_at: v.nullable(UTC_TIMESTAMP),
  duration_seconds: SECONDS,
  skip_reason: v.optional(TEXT),
  fail_reason: v.optional(TEXT),
  manifest: v.nullable(v.pipe(v.string(), v.regex(/^infra-runs\/[A-Za-z0-9._:-]+\.json$/))),
});
export type ScenarioEntry = v.InferOutput<typeof ScenarioEntrySchema>;

const SHARD_LABEL = v.pipe(v.string(), v.regex(/^\d{1,3}\/\d{1,3}$/));
const MATRIX_ID = v.pipe(v.string(), v.regex(/^matrix-[0-9a-f]{16}$/));

/** A shard's place in its logical matrix (docs/sharding.md): `pk3s-run-matrix … --shard I/N`. */
export const ShardBlockSchema = v.strictObject({
  shard: SHARD_LABEL,
  index: v.pipe(v.number(), v.integer(), v.minValue(1)),
  total: v.pipe(v.number(), v.integer(), v.minValue(1)),
  matrix_id: MATRIX_ID,
  balanced_by: v.picklist(["count", "durations"]),
});
export type ShardBlock = v.InferOutput<typeof ShardBlockSchema>;

/** What `pk3s-run-matrix merge` combined into a root summary. */
export const MergedShardsSchema = v.strictObject({
  matrix_id: MATRIX_ID,
  total: v.pipe(v.number(), v.integer(), v.minValue(1)),
  seen: v.array(SHARD_LABEL),
  missing: v.array(SHARD_LABEL),
  partial: v.boolean(),
  run_ids: v.array(ID),
});
export type MergedShards = v.InferOutput<typeof MergedShardsSchema>;

/** A summary's result lists (`pass`, `skip`, `fail`, `interrupted`), empty, for a writer to fill. */
export function emptyResultLists(): Pick<Summary, "pass" | "skip" | "fail" | "interrupted"> {
  return { pass: [], skip: [], fail: [], interrupted: [] };
}

export const SummarySchema = v.strictObject({
  schema_version: v.literal(ARTIFACT_SCHEMA_VERSION),
  repository: v.literal(REPOSITORY),
  run_id: ID,
  parent_run_id: v.nullable(ID),
  session_id: ID,
  result: v.picklist(RESULTS),
  test_level: v.picklist(LEVELS),
  execution_kind: v.picklist(["ci", "manual"]),
  started_at: UTC_TIMESTAMP,
  finished_at: UTC_TIMESTAMP,
  duration_seconds: SECONDS,
  productive_k3s: ProductiveK3sSchema,
  pass: v.array(NAME),
  skip: v.array(NAME),
  fail: v.array(NAME),
  interrupted: v.array(NAME),
  scenario_results: v.record(NAME, ScenarioEntrySchema),
  ci: CiBlockSchema,
  telemetry: TelemetryBlockSchema,
  /** Set on a shard's summary. */
  shard: v.optional(ShardBlockSchema),
  /** Set on the root summary `merge` wrote. */
  merged_shards: v.optional(MergedShardsSchema),
});
export type Summary = v.InferOutput<typeof SummarySchema>;

/** TEST_ARTIFACTS_DIR, default test-artifacts/ (relative to the working directory). */
export function artifactsDir(env: Env = process.env, cwd = process.cwd()): string {
  return resolve(cwd, env.TEST_ARTIFACTS_DIR?.trim() || "test-artifacts");
}

/**
 * The artifacts directory, created if needed and checked to be a writable directory before
 * anything runs: a bad TEST_ARTIFACTS_DIR is one clear error up front, not a failure halfway.
 */
export function prepareArtifactsDir(env: Env = process.env): string {
  const dir = artifactsDir(env);
  try {
    mkdirSync(join(dir, "infra-runs"), { recursive: true });
    accessSync(dir, constants.W_OK);
    accessSync(join(dir, "infra-runs"), constants.W_OK);
  } catch (error) {
    const code = errorCode(error) ?? "error";
    throw new ArtifactError(`TEST_ARTIFACTS_DIR is not a writable directory (${code}): ${dir}`);
  }
  const linked = linkedRunsDir(join(dir, "infra-runs"));
  if (linked) throw new ArtifactError(linked);
  return dir;
}

/**
 * Why manifests may not be written into `runsDir`, or null: a symbolic link there is not ours
 * (we only ever make a real directory), so nothing is written through it. The directory given
 * as TEST_ARTIFACTS_DIR (or --out) may itself be a link: the operator chose it.
 */
export function linkedRunsDir(runsDir: string): string | null {
  let linked: boolean;
  try {
    linked = lstatSync(runsDir).isSymbolicLink();
  } catch {
    return null; // missing or unreadable: creating or writing into it says what is wrong
  }
  return linked
    ? `${JSON.stringify(runsDir)} is a symbolic link: refusing to write manifests through it (remove it, or set TEST_ARTIFACTS_DIR to another directory)`
    : null;
}

export function telemetryBlock(settings: Settings, enabled: boolean, env: Env): TelemetryBlock {
  return {
    share_metrics_enabled: enabled,
    anonymous_by_default: true,
    // As the reference says it: the operator set TELEMETRY_ENDPOINT (the default does not count).
    endpoint_configured: (env.TELEMETRY_ENDPOINT ?? "").trim() !== "",
    propagates_to_productive_k3s: true,
    max_retries: settings.maxRetries,
    connect_timeout_seconds: settings.connectTimeoutSeconds,
    request_timeout_seconds: settings.requestTimeoutSeconds,
  };
}

/** The CI's own name (`github-actions`, `gitlab`, …), "" outside CI. */
export function ciSystem(ci: Pick<CiInfo, "execution_kind" | "provider">): string {
  if (ci.execution_kind === "manual" || ci.provider === null) return "";
  return ci.provider.toLowerCase().replaceAll("_", "-");
}

/** The reference's `ci.provider`: `github-actions` in GitHub Actions, `local` everywhere else. */
export function ciProviderLabel(ci: Pick<CiInfo, "execution_kind" | "provider">): string {
  return ciSystem(ci) === "github-actions" ? "github-actions" : "local";
}

export function ciBlock(ci: CiInfo): CiBlock {
  const clean = (value: string | null) => (value === null ? "" : sanitize(value));
  return {
    provider: ciProviderLabel(ci),
    workflow: clean(ci.workflow),
    run_id: clean(ci.run_id),
    system: sanitize(ciSystem(ci)),
  };
}

/** The reference's defaults when neither cluster.json nor PRODUCTIVE_K3S_* say otherwise. */
export const PK3S_DEFAULTS = {
  source: "default",
  version: "unspecified",
  release_repo: "productive-k3s/productive-k3s-core",
  engine: "native",
};
const PK3S_ENV = {
  source: "PRODUCTIVE_K3S_SOURCE",
  version: "PRODUCTIVE_K3S_VERSION",
  release_repo: "PRODUCTIVE_K3S_RELEASE_REPO",
  engine: "PRODUCTIVE_K3S_ENGINE",
} as const;

/**
 * productive_k3s metadata: from the scenario's generated/cluster.json when it has the block
 * (and was written at or after `notBeforeMs`: a file left by an earlier run is not this run's),
 * else PRODUCTIVE_K3S_* variables, else defaults. Every value passes the sanitiser.
 */
export function resolveProductiveK3s(
  clusterJsonPath: string | null,
  env: Env = process.env,
  notBeforeMs = 0,
): ProductiveK3s {
  const fromFile = clusterJsonPath ? readClusterJson(clusterJsonPath, notBeforeMs) : null;
  const pick = (key: keyof typeof PK3S_DEFAULTS): string => {
    const raw = fromFile?.[key] ?? env[PK3S_ENV[key]]?.trim() ?? "";
    return raw ? sanitize(raw) : PK3S_DEFAULTS[key];
  };
  return {
    source: pick("source"),
    version: pick("version"),
    release_repo: pick("release_repo"),
    engine: pick("engine"),
    resolved_from_cluster_json: fromFile !== null,
  };
}

/** File times can be coarse (whole seconds on some file systems): allow that much. */
const MTIME_SLACK_MS = 2_000;

/** cluster.json is a few hundred bytes: a far bigger file is not one. */
const CLUSTER_JSON_MAX_BYTES = 64 * 1024;

/**
 * The productive_k3s block of a scenario's cluster.json — read like any file a scenario could
 * have planted: a regular file of this user, not through a symlink, bounded (a FIFO there must
 * not hang the matrix, a link to /dev/zero not exhaust its memory).
 */
function readClusterJson(
  path: string,
  notBeforeMs: number,
): Partial<Record<keyof typeof PK3S_DEFAULTS, string>> | null {
  const read = readOwnFile(path, CLUSTER_JSON_MAX_BYTES);
  if (!read.ok) return null;
  try {
    if (statSync(path).mtimeMs < notBeforeMs - MTIME_SLACK_MS) return null;
    const json = JSON.parse(read.text) as { productive_k3s?: Record<string, unknown> };
    const block = json.productive_k3s;
    if (!block || typeof block !== "object") return null;
    const out: Partial<Record<keyof typeof PK3S_DEFAULTS, string>> = {};
    for (const key of Object.keys(PK3S_DEFAULTS) as (keyof typeof PK3S_DEFAULTS)[]) {
      const value = block[key];
      if (typeof value === "string" && value.trim()) out[key] = value.trim();
    }
    return Object.keys(out).length > 0 ? out : null;
  } catch {
    return null;
  }
}

export class ArtifactError extends Error {
  override name = "ArtifactError";
  /** "invalid": the value does not fit the schema; "write": the file could not be written. */
  constructor(
    message: string,
    readonly kind: "invalid" | "write" = "invalid",
    options?: ErrorOptions & {
      /** "invalid": the dot paths of the fields that did not fit. */
      fields?: string[];
      /** "write": the guarded, validated value that could not be written. */
      value?: unknown;
    },
  ) {
    super(message, options);
    this.fields = options?.fields ?? [];
    this.value = options?.value;
  }
  readonly fields: string[];
  readonly value: unknown;
}

/** The words for a write failure: "no space left on device (ENOSPC)". */
function writeProblem(error: unknown): string {
  const code = errorCode(error);
  const words: Record<string, string> = {
    ENOSPC: "no space left on device",
    EDQUOT: "disk quota exceeded",
    EROFS: "read-only file system",
    EACCES: "permission denied",
    EIO: "input/output error",
  };
  return code ? `${words[code] ?? "cannot write"} (${code})` : (error as Error).message;
}

/** Text longer than its schema allows is cut (ending in "…"), never a reason to refuse the record. */
function fitLengths(schema: v.GenericSchema, candidate: unknown): unknown {
  const parsed = v.safeParse(schema, candidate);
  if (parsed.success) return candidate;
  const copy = structuredClone(candidate) as Record<string, unknown>;
  for (const issue of parsed.issues) {
    if (issue.type !== "max_length" || typeof issue.input !== "string" || !issue.path?.length) continue;
    const keys = issue.path.map((item) => item.key as string | number);
    let parent: Record<string | number, unknown> = copy;
    for (const key of keys.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const max = Number(issue.requirement);
    parent[keys.at(-1) as string | number] = `${[...issue.input].slice(0, max - 1).join("")}…`;
  }
  return copy;
}

/** This machine's identifiers, read once per environment object (a matrix writes many files). */
const identifierCache = new WeakMap<object, Identifier[]>();
function identifiersOf(env: Env): Identifier[] {
  let ids = identifierCache.get(env);
  if (!ids) {
    ids = machineIdentifiers(env);
    identifierCache.set(env, ids);
  }
  return ids;
}

/** Fields that hold correlation ids (and the manifest path that holds a piece of one). */
const ID_FIELDS = new Set(["run_id", "parent_run_id", "session_id", "manifest"]);

/**
 * A copy of `value` with every id field's string replaced by a token the guard cannot match
 * ("\u0000id<n>\u0000"), and the function that puts the ids back into a (guarded) copy.
 */
function setIdsAside(value: unknown): { value: unknown; restore: (guarded: unknown) => unknown } {
  const saved: string[] = [];
  const walk = (node: unknown, swap: (key: string, text: string) => string): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, swap));
    if (node === null || typeof node !== "object") return node;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) {
      copy[key] = typeof item === "string" && ID_FIELDS.has(key) ? swap(key, item) : walk(item, swap);
    }
    return copy;
  };
  const hidden = walk(value, (_key, text) => `\u0000id${saved.push(text) - 1}\u0000`);
  const restore = (guarded: unknown) =>
    walk(guarded, (_key, text) => {
      const match = /^\u0000id(\d+)\u0000$/.exec(text);
      return match ? (saved[Number(match[1])] as string) : text;
    });
  return { value: hidden, restore };
}

/**
 * Run the final guard for this machine's identifiers, validate the result against the schema,
 * and write it atomically (never half a file). Returns the path and the guarded value, which is
 * what anything derived from the artifact (JUnit, step summary, printed lines) must be built
 * from. Text over its length bound is cut, not refused; an artifact that still does not validate
 * is refused (ArtifactError "invalid"), never written unguarded. A write that fails (a full disk)
 * leaves no temporary file and throws ArtifactError "write" naming the file.
 */
export function writeArtifact<S extends v.GenericSchema>(
  schema: S,
  value: v.InferInput<S>,
  dir: string,
  relativePath: string,
  env: Env = process.env,
): { path: string; value: v.InferOutput<S> } {
  const ids = identifiersOf(env);
  // Correlation ids were checked when they were read or made (random UUIDs, or opaque ids the
  // guard already cleared): the guard must not rewrite a UUID group that happens to spell a
  // short host name ("cafe"). They are set aside while the guard runs, then put back.
  const aside = setIdsAside(value);
  const validated = (candidate: unknown) => {
    const parsed = v.safeParse(schema, candidate);
    if (parsed.success) return parsed.output;
    const problems = parsed.issues.map((i) => `${v.getDotPath(i) ?? "(root)"}: ${i.message}`).join("; ");
    const fields = [...new Set(parsed.issues.map((i) => v.getDotPath(i) ?? "(root)"))];
    throw new ArtifactError(`refusing to write ${relativePath}: ${problems}`, "invalid", { fields });
  };
  const guarded = guardValue(aside.value, ids).value;
  // The last look, at the very text to be written (escaped forms included): normally a no-op.
  const scanned = guardText(`${JSON.stringify(guarded, null, 2)}\n`, ids);
  const output = validated(
    fitLengths(schema, aside.restore(scanned.hits > 0 ? JSON.parse(scanned.text) : guarded)),
  );
  const path = join(dir, relativePath);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(join(path, ".."), { recursive: true });
    // infra-runs/ may have been swapped for a link since it was prepared: checked at each write.
    const linked = relativePath.includes("/") ? linkedRunsDir(join(path, "..")) : null;
    if (linked) throw new ArtifactError(linked, "write", { value: output });
    writeAtomic(tmp, path, `${JSON.stringify(output, null, 2)}\n`, 0o644);
  } catch (error) {
    if (error instanceof ArtifactError) throw error;
    // writeAtomic has removed its temporary file: a full disk leaves nothing half-written.
    throw new ArtifactError(`${writeProblem(error)} writing ${relativePath}`, "write", {
      cause: error,
      value: output,
    });
  }
  return { path, value: output };
}
