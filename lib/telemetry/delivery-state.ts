// Delivery state: what the outbox remembers about delivery — the last problem (its kind, the
// HTTP status, when; never the endpoint or a body) and a Retry-After time still to honour — in
// <outbox>/state.json, written atomically and exclusively and read only as a small regular file
// of this user; and outboxReport, what `telemetry status` shows (docs/privacy-and-telemetry.md
// › The outbox). Loaded only by what delivers or reports: pk3s-emit's start-up never pays for it.
import * as v from "valibot";
import { readOwnFile, writeAtomic } from "../util/fs.ts";
import { dirProblem, listSorted, NO_PRIVATE_PLACE, type Outbox, refused } from "./outbox.ts";

const STATE_NAME = "state.json";
const STATE_MAX_BYTES = 4096;

export const PROBLEM_KINDS = [
  "refused",
  "unresolved",
  "timeout",
  "tls",
  "redirect",
  "rejected",
  "wait",
  "http",
  "other",
] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

/** How each problem reads in a message. */
export const PROBLEM_WORDS: Record<ProblemKind, string> = {
  refused: "connection refused",
  unresolved: "endpoint name not resolved",
  timeout: "timed out",
  tls: "TLS certificate problem",
  redirect: "endpoint redirects",
  rejected: "rejected by the endpoint",
  wait: "endpoint asked to wait (Retry-After)",
  http: "endpoint answered with an error status",
  other: "network error",
};

/** Built on first use, like the settings schema: no module-level work for what never reads it. */
const stateSchema = () =>
  v.object({
    retry_after_until: v.optional(v.nullable(v.pipe(v.string(), v.isoTimestamp()))),
    last_problem: v.optional(
      v.nullable(
        v.object({
          kind: v.picklist(PROBLEM_KINDS),
          status: v.optional(v.pipe(v.number(), v.integer())),
          at: v.pipe(v.string(), v.isoTimestamp()),
        }),
      ),
    ),
  });
type State = v.InferOutput<ReturnType<typeof stateSchema>>;

export interface DeliveryProblem {
  kind: ProblemKind;
  status?: number;
  at: string;
}

/** The remembered state; empty when there is none or it is not a small regular file of ours. */
export function readState(dir: string): State {
  const file = readOwnFile(`${dir}/${STATE_NAME}`, STATE_MAX_BYTES);
  if (!file.ok) return {};
  try {
    const parsed = v.safeParse(stateSchema(), JSON.parse(file.text));
    return parsed.success ? parsed.output : {};
  } catch {
    return {};
  }
}

/** Until when the endpoint asked not to be contacted (a time still ahead), or null. */
export function retryAfterUntil(dir: string, now = Date.now()): Date | null {
  const until = readState(dir).retry_after_until;
  if (!until) return null;
  const at = new Date(until);
  return at.getTime() > now ? at : null;
}

/** Remember a problem (and, for "wait", until when); best-effort: a full disk keeps the old state. */
export function recordProblem(outbox: Outbox, problem: Omit<DeliveryProblem, "at">, until?: Date): void {
  writeState(outbox, {
    ...readState(outbox.dir),
    last_problem: { ...problem, at: new Date().toISOString() },
    ...(until ? { retry_after_until: until.toISOString() } : {}),
  });
}

/** A delivery went through: the last problem and any wait are over. */
export function clearProblem(outbox: Outbox): void {
  const state = readState(outbox.dir);
  if (state.last_problem || state.retry_after_until) writeState(outbox, {});
}

function writeState(outbox: Outbox, state: State): void {
  try {
    outbox.ensure();
    const tmp = `${outbox.dir}/tmp/${STATE_NAME}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeAtomic(tmp, `${outbox.dir}/${STATE_NAME}`, `${JSON.stringify(state)}\n`);
  } catch {
    // best-effort: the queue itself is what matters
  }
}

export interface OutboxReport {
  /** Events not delivered yet (pending, and claimed by a flusher right now). */
  queued: number;
  oldestAgeSeconds: number | null;
  lastProblem: DeliveryProblem | null;
  retryAfterUntil: string | null;
  /** Set when the outbox is refused (not private): why, and nothing else is read. */
  refused?: string;
}

/** Milliseconds since the epoch in a UUIDv7 file name, or null for another name. */
function uuidV7Time(name: string): number | null {
  const match = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-/i.exec(name);
  return match ? Number.parseInt(`${match[1]}${match[2]}`, 16) : null;
}

const MISSING = "cannot be examined (ENOENT)";

/**
 * What `telemetry status` shows about delivery, read without creating or following anything: a
 * missing outbox is empty, a refused one says why.
 */
export function outboxReport(dir: string, now = Date.now()): OutboxReport {
  const empty: OutboxReport = { queued: 0, oldestAgeSeconds: null, lastProblem: null, retryAfterUntil: null };
  if (!dir) return { ...empty, refused: NO_PRIVATE_PLACE };
  const top = dirProblem(dir);
  if (top === MISSING) return empty;
  if (top) return { ...empty, refused: refused(dir, top).message };
  const names: string[] = [];
  for (const area of ["pending", "claimed"] as const) {
    const path = `${dir}/${area}`;
    const problem = dirProblem(path);
    if (problem === MISSING) continue;
    if (problem) return { ...empty, refused: refused(path, problem).message };
    names.push(...listSorted(path).filter((n) => n.includes(".json")));
  }
  let oldest: number | null = null;
  for (const name of names) {
    const at = uuidV7Time(name);
    if (at !== null && (oldest === null || at < oldest)) oldest = at;
  }
  const until = retryAfterUntil(dir, now);
  return {
    queued: names.length,
    oldestAgeSeconds: oldest === null ? null : Math.max(0, Math.round((now - oldest) / 1000)),
    lastProblem: readState(dir).last_problem ?? null,
    retryAfterUntil: until ? until.toISOString() : null,
  };
}
