// Names: the artifact file names (docs/privacy-and-telemetry.md › Test artifacts) — readable, sorted by time, and
// matching the globs the reference's consumers use (`*-<level>-*-summary.json`,
// `*-<scenario>.json`):
//   matrix manifest   infra-runs/<UTC stamp>-<level>-<short id>-<scenario>.json
//   matrix summary    <UTC stamp>-<level>-<short id>-summary.json
//   direct scenario   infra-runs/<UTC stamp>-<level>-<scenario>-<short id>.json
// The stamp is like 20261201-202837 (UTC); the short id is the random tail of the run id (never
// a process id), the full run_id is inside. Also which names the tools wrote — ours, the
// earlier `<uuid>.json` / `<uuid>-summary.json`, and the bash reference's — for status and clean.
import type { TestLevel } from "../telemetry/event.ts";

export const RUNS_DIR = "infra-runs";
const SHORT_ID_LENGTH = 8;

/** `20261201-202837`: the UTC date and time of `date`, to the second. */
export function utcStamp(date: Date): string {
  const iso = date.toISOString(); // 2026-12-01T20:28:37.123Z
  return `${iso.slice(0, 10).replaceAll("-", "")}-${iso.slice(11, 19).replaceAll(":", "")}`;
}

/** The last 8 letters/digits of a run id: a UUIDv7's random tail, so names of one second differ. */
export function shortId(runId: string): string {
  const plain = runId.replace(/[^A-Za-z0-9]/g, "").toLowerCase();
  return plain.slice(-SHORT_ID_LENGTH) || "run";
}

export interface ManifestNaming {
  startedAt: Date;
  level: TestLevel;
  runId: string;
  /** The recorded (sanitised) scenario name. */
  scenario: string;
  /** Under a matrix (the reference's matrix layout) or a scenario run directly. */
  layout: "matrix" | "direct";
}

/** A manifest's path relative to the artifacts directory. */
export function manifestRelativePath(naming: ManifestNaming): string {
  const head = `${utcStamp(naming.startedAt)}-${naming.level}`;
  const id = shortId(naming.runId);
  const name =
    naming.layout === "matrix" ? `${head}-${id}-${naming.scenario}` : `${head}-${naming.scenario}-${id}`;
  return `${RUNS_DIR}/${name}.json`;
}

/** A matrix summary's file name (directly in the artifacts directory). */
export function summaryFileName(startedAt: Date, level: TestLevel, runId: string): string {
  return `${utcStamp(startedAt)}-${level}-${shortId(runId)}-summary.json`;
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** A stamp and a level: every name ours or the reference's tools give (its pid where our id is). */
const STAMPED = "\\d{8}-\\d{6}-(?:static|contract|live)-[A-Za-z0-9][A-Za-z0-9._-]*";
/** What writeAtomic leaves behind when a writer is killed mid-write. */
const TMP = "(?:\\.\\d+\\.tmp)?";

const MANIFEST_NAME = new RegExp(`^(?:${UUID}|${STAMPED})\\.json${TMP}$`);
const SUMMARY_NAME = new RegExp(`^(?:${UUID}|${STAMPED})-summary\\.json${TMP}$`);

/** Could the tools have written this infra-runs/ entry (a manifest, or a leftover .tmp)? */
export const isManifestName = (file: string): boolean => MANIFEST_NAME.test(file);
/** Could the tools have written this artifacts-directory entry as a summary? */
export const isSummaryName = (file: string): boolean => SUMMARY_NAME.test(file);
/** A writer's leftover (never complete JSON). */
export const isLeftover = (file: string): boolean => file.endsWith(".tmp");
