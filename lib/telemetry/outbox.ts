// Outbox: the durable on-disk queue of events waiting for delivery (README › Consent,
// correlation, delivery › Outbox; docs/privacy-and-telemetry.md › The outbox).
//
//   <outbox>/pending/<event_id>.json      queued; UUIDv7 ids make name order = age order
//   <outbox>/claimed/<event_id>.json@<pid>@<ms>  being delivered by process <pid> since <ms>
//   <outbox>/dead-letter/<event_id>.json  rejected by the endpoint (4xx): kept for audit
//   <outbox>/quarantine/<name>            unreadable, foreign or invalid files, moved aside
//   <outbox>/tmp/                         half-written files (atomic write = write + rename)
//   <outbox>/state.json                   the last delivery problem and a Retry-After to honour
//                                         (delivery-state.ts, loaded only by what delivers)
//
// The outbox is this user's private directory. Missing directories are created 0700; an
// existing outbox or area that is a symbolic link, owned by another user, or writable by group
// or others is refused (OutboxRefused) and never chmodded, and so is an outbox whose parent
// others may write without a sticky bit. Files are created exclusively and never through a
// symbolic link; a queued file is read only when it is a regular file of this user under
// EVENT_MAX_BYTES, else quarantined unread. The token is never part of a queued event.
//
// Claiming is an atomic rename, so of several flushers exactly one gets each event. A claim
// whose process has died (SIGKILL) or that is older than the lease goes back to pending.
import * as v from "valibot";
import { fs } from "../util/builtins.ts";
import { errorCode, isCode, ownUid, processAlive, readOwnFile, writeAtomic } from "../util/fs.ts";
import { upgradeEarlierEvent } from "./earlier-events.ts";
import { EventSchema, type TelemetryEvent } from "./event.ts";

const DIRS = ["pending", "claimed", "dead-letter", "quarantine", "tmp"] as const;
type Area = (typeof DIRS)[number];
const CLAIM_SEPARATOR = "@";

/** Events are a few hundred bytes: anything bigger is not one of ours. */
export const EVENT_MAX_BYTES = 64 * 1024;

export interface Claim {
  name: string;
  path: string;
}

/**
 * `incomplete`: not JSON yet, but written so recently that its writer may still be at it.
 * `gone`: another process moved it meanwhile (nothing to do).
 */
export type ReadResult =
  | { ok: true; event: TelemetryEvent }
  | { ok: false; problem: string; incomplete: boolean; gone?: true };

/** How long a file that is not JSON may still be in the middle of being written. */
export const WRITE_GRACE_MS = 10_000;

/** The outbox (or one of its directories) may not be used; `message` names the variable and why. */
export class OutboxRefused extends Error {
  override name = "OutboxRefused";
}

type Stats = import("node:fs").Stats;

/**
 * Why a directory may not hold this user's outbox, or null when it may. Never follows a link.
 * `stats`: what an lstat of it already found.
 */
export function dirProblem(path: string, stats?: Stats): string | null {
  if (!stats) {
    try {
      stats = fs().lstatSync(path);
    } catch (error) {
      return `cannot be examined (${errorCode(error) ?? "error"})`;
    }
  }
  if (stats.isSymbolicLink()) return "is a symbolic link";
  if (!stats.isDirectory()) return "is not a directory";
  if (stats.uid !== ownUid()) return `is owned by another user (uid ${stats.uid})`;
  if ((stats.mode & 0o022) !== 0) {
    return `is writable by group or others (mode ${(stats.mode & 0o7777).toString(8).padStart(4, "0")})`;
  }
  return null;
}

/** Without HOME or XDG_STATE_HOME there is no private default (settings.ts gives ""). */
export const NO_PRIVATE_PLACE =
  "TELEMETRY_OUTBOX_DIR is unset and there is no private default for it (no HOME or XDG_STATE_HOME, and XDG_RUNTIME_DIR is not a private directory)";

/**
 * Others may rename entries of a parent they can write (unless it has the sticky bit, as /tmp
 * does): such a parent could swap the outbox for a link between a check and its use.
 */
function sharedParentProblem(parent: string): string | null {
  try {
    const mode = fs().statSync(parent).mode;
    if ((mode & 0o022) !== 0 && (mode & 0o1000) === 0) {
      return `(the outbox's parent) is writable by group or others without the sticky bit (mode ${(mode & 0o7777).toString(8).padStart(4, "0")})`;
    }
  } catch {
    // missing: the mkdir of the outbox creates it, 0700
  }
  return null;
}

/** The refusal of one directory, naming the variable, the directory and why. */
export function refused(path: string, problem: string): OutboxRefused {
  return new OutboxRefused(`TELEMETRY_OUTBOX_DIR is refused: "${path}" ${problem}`);
}

export class Outbox {
  constructor(readonly dir: string) {}

  /** `<dir>/<area>[/<name>]`, joined by hand: pk3s-emit does not load node:path. */
  private area(area: Area, name?: string): string {
    return name === undefined ? `${this.dir}/${area}` : `${this.dir}/${area}/${name}`;
  }

  /**
   * Create what is missing (0700) and check what exists; throws OutboxRefused for a directory
   * that is not private, and the mkdir error for one that cannot be made.
   */
  ensure(): void {
    if (!this.dir) throw new OutboxRefused(NO_PRIVATE_PLACE);
    const parent = this.dir.slice(0, this.dir.lastIndexOf("/")) || "/";
    const shared = sharedParentProblem(parent); // before anything is created in it
    if (shared) throw refused(parent, shared);
    this.ensureDir(this.dir, true);
    for (const area of DIRS) this.ensureDir(this.area(area), false);
  }

  /**
   * Looked at before anything is made: a directory that exists (at every queueing but the
   * first) costs one lstat and no mkdir failing with EEXIST (a thrown error each).
   */
  private ensureDir(path: string, recursive: boolean): void {
    let found: Stats | undefined;
    try {
      found = fs().lstatSync(path, { throwIfNoEntry: false });
    } catch {
      // EACCES, ENOTDIR…: the mkdir fails with it
    }
    if (!found) {
      try {
        fs().mkdirSync(path, { recursive, mode: 0o700 });
      } catch (error) {
        if (!isCode(error, "EEXIST")) throw error;
      }
    }
    const problem = dirProblem(path, found);
    if (problem) throw refused(path, problem);
  }

  /** Make one event durable in pending/: written to tmp/ (0600, exclusively) and renamed in. */
  enqueue(event: TelemetryEvent): string {
    this.ensure();
    const name = `${event.event_id}.json`;
    writeAtomic(
      this.area("tmp", `${name}.${process.pid}`),
      this.area("pending", name),
      `${JSON.stringify(event)}\n`,
    );
    return name;
  }

  /** Names of pending events, oldest first. */
  pending(): string[] {
    return listSorted(this.area("pending")).filter((n) => n.endsWith(".json"));
  }

  /** Try to take one pending event for this process; null if another process got it first. */
  claim(name: string): Claim | null {
    const path = this.area("claimed", [name, process.pid, Date.now()].join(CLAIM_SEPARATOR));
    try {
      fs().renameSync(this.area("pending", name), path);
      return { name, path };
    } catch (error) {
      if (isCode(error, "ENOENT")) return null;
      throw error;
    }
  }

  /**
   * The event in a claimed (or pending) file. A symbolic link, a FIFO or device, another user's
   * file or one over EVENT_MAX_BYTES is not read at all: the caller quarantines it.
   */
  read(claim: Claim, now = Date.now()): ReadResult {
    const file = readOwnFile(claim.path, EVENT_MAX_BYTES);
    if (!file.ok) {
      return file.missing
        ? { ok: false, problem: file.problem, incomplete: false, gone: true }
        : { ok: false, problem: file.problem, incomplete: false };
    }
    let json: unknown;
    try {
      json = JSON.parse(file.text);
    } catch {
      return { ok: false, problem: "not valid JSON", incomplete: this.writtenWithin(claim.path, now) };
    }
    const parsed = v.safeParse(EventSchema, upgradeEarlierEvent(json));
    if (!parsed.success) return { ok: false, problem: "not a valid infra.command event", incomplete: false };
    return { ok: true, event: parsed.output };
  }

  /** A file an older pk3s-emit wrote in place may be caught half-written: leave it a moment. */
  private writtenWithin(path: string, now: number): boolean {
    try {
      return now - fs().lstatSync(path).mtimeMs < WRITE_GRACE_MS;
    } catch {
      return false;
    }
  }

  /** Delivered: the event is gone for good. */
  done(claim: Claim): void {
    fs().unlinkSync(claim.path);
  }

  /** Not delivered yet: back to pending for a later flush. */
  release(claim: Claim): void {
    fs().renameSync(claim.path, this.area("pending", claim.name));
  }

  /** Rejected by the endpoint: kept for audit with the status, never retried. */
  deadLetter(claim: Claim, status: number, event: TelemetryEvent): void {
    const record = { rejected_at: new Date().toISOString(), status, event };
    const final = this.area("dead-letter", claim.name);
    writeAtomic(this.area("tmp", `${claim.name}.dl.${process.pid}`), final, `${JSON.stringify(record)}\n`);
    fs().unlinkSync(claim.path);
  }

  /** Unreadable or not ours: moved aside, unread, so it stops blocking the queue. */
  quarantine(claim: Claim): void {
    fs().renameSync(claim.path, this.area("quarantine", `${claim.name}.${Date.now()}`));
  }

  /** Remove every pending event without sending it; returns how many. */
  purge(): number {
    this.ensure();
    let removed = 0;
    for (const name of this.pending()) {
      try {
        fs().unlinkSync(this.area("pending", name));
        removed++;
      } catch (error) {
        if (!isCode(error, "ENOENT")) throw error;
      }
    }
    return removed;
  }

  /**
   * Put back claims of processes that are gone (killed mid-delivery) or older than `leaseMs`,
   * so nothing is lost. Returns how many were recovered.
   */
  recover(leaseMs: number, now = Date.now()): number {
    let recovered = 0;
    for (const file of listSorted(this.area("claimed"))) {
      const [name, pid, since] = file.split(CLAIM_SEPARATOR);
      if (!name || !pid || !since) continue;
      const stale = !processAlive(Number(pid)) || now - Number(since) > leaseMs;
      if (!stale) continue;
      try {
        fs().renameSync(this.area("claimed", file), this.area("pending", name));
        recovered++;
      } catch (error) {
        if (!isCode(error, "ENOENT")) throw error;
      }
    }
    return recovered;
  }

  counts(): Record<Area, number> {
    const out = {} as Record<Area, number>;
    for (const area of DIRS) out[area] = listSorted(this.area(area)).length;
    return out;
  }
}

/** Names in `dir`, sorted; none when it does not exist. */
export function listSorted(dir: string): string[] {
  try {
    return fs().readdirSync(dir).sort();
  } catch (error) {
    if (isCode(error, "ENOENT")) return [];
    throw error;
  }
}
