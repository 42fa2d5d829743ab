// Outbox: the durable on-disk queue of events waiting for delivery.
//
//   <outbox>/pending/<event_id>.json      queued; UUIDv7 ids make name order = age order
//   <outbox>/claimed/<event_id>.json@<pid>@<ms>  being delivered by process <pid> since <ms>
//   <outbox>/dead-letter/<event_id>.json  rejected by the endpoint (4xx): kept for audit
//   <outbox>/quarantine/<name>            unreadable or invalid files, moved aside
//   <outbox>/tmp/                         half-written files (atomic write = write + rename)
//
// pk3s-emit, which runs with umask 077, queues its event with Bun's native writer straight into
// pending/ (no node:fs, which would cost it about 1 ms of start-up); a reader that catches such
// a file before its bytes are in leaves it for a later pass instead of quarantining it.
// That path creates what is missing but does not tighten an existing wider directory; the
// next flush (ensure()) does.
//
// Claiming is an atomic rename, so of several flushers exactly one gets each event. A claim
// whose process has died (SIGKILL) or that is older than the lease goes back to pending.
// Directories are 0700 and files 0600; the token is never part of a queued event.
import * as v from "valibot";
import { fs } from "../util/builtins.ts";
import { EventSchema, type TelemetryEvent } from "./event.ts";

const DIRS = ["pending", "claimed", "dead-letter", "quarantine", "tmp"] as const;
type Area = (typeof DIRS)[number];
const CLAIM_SEPARATOR = "@";

export interface Claim {
  name: string;
  path: string;
}

/** `incomplete`: not JSON yet, but written so recently that its writer may still be at it. */
export type ReadResult =
  | { ok: true; event: TelemetryEvent }
  | { ok: false; problem: string; incomplete: boolean };

/** How long a file that is not JSON may still be in the middle of being written. */
export const WRITE_GRACE_MS = 10_000;

export interface OutboxOptions {
  /**
   * The process runs with umask 077 (pk3s-emit sets it): whatever Bun creates is 0700/0600
   * without explicit modes, so events can be queued without node:fs.
   */
  privateUmask?: boolean;
}

export class Outbox {
  constructor(
    readonly dir: string,
    private readonly options: OutboxOptions = {},
  ) {}

  /** `<dir>/<area>[/<name>]`, joined by hand: pk3s-emit does not load node:path. */
  private area(area: Area, name?: string): string {
    return name === undefined ? `${this.dir}/${area}` : `${this.dir}/${area}/${name}`;
  }

  /** Create the directories (0700), tightening them if they exist with wider modes. */
  ensure(): void {
    ensureDir(this.dir);
    for (const area of DIRS) ensureDir(this.area(area));
  }

  /**
   * Make one event durable in pending/: written to tmp/ (0600) and renamed in, or — with a
   * private umask — written in place by Bun.write, which creates missing directories as well.
   */
  async enqueue(event: TelemetryEvent): Promise<string> {
    const name = `${event.event_id}.json`;
    const text = `${JSON.stringify(event)}\n`;
    const final = this.area("pending", name);
    if (this.options.privateUmask) {
      await Bun.write(final, text, { createPath: true });
      return name;
    }
    this.ensure();
    writeAtomic(this.area("tmp", `${name}.${process.pid}`), final, text);
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

  read(claim: Claim, now = Date.now()): ReadResult {
    let json: unknown;
    try {
      json = JSON.parse(fs().readFileSync(claim.path, "utf8"));
    } catch {
      return { ok: false, problem: "not valid JSON", incomplete: this.writtenWithin(claim.path, now) };
    }
    const parsed = v.safeParse(EventSchema, json);
    if (!parsed.success) return { ok: false, problem: "not a valid infra.command event", incomplete: false };
    return { ok: true, event: parsed.output };
  }

  private writtenWithin(path: string, now: number): boolean {
    try {
      return now - fs().statSync(path).mtimeMs < WRITE_GRACE_MS;
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
  deadLetter(claim: Claim, status: number): void {
    const record = {
      rejected_at: new Date().toISOString(),
      status,
      event: JSON.parse(fs().readFileSync(claim.path, "utf8")),
    };
    const final = this.area("dead-letter", claim.name);
    writeAtomic(this.area("tmp", `${claim.name}.dl.${process.pid}`), final, `${JSON.stringify(record)}\n`);
    fs().unlinkSync(claim.path);
  }

  /** Unreadable: moved aside so it stops blocking the queue. */
  quarantine(claim: Claim): void {
    fs().renameSync(claim.path, this.area("quarantine", `${claim.name}.${Date.now()}`));
  }

  /** Remove every pending event without sending it; returns how many. */
  purge(): number {
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
      const path = this.area("claimed", file);
      if (!stale) continue;
      try {
        fs().renameSync(path, this.area("pending", name));
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

/** Atomic write: a reader sees the old file or the whole new one, never half of it. */
export function writeAtomic(tmpPath: string, finalPath: string, content: string, mode = 0o600): void {
  fs().writeFileSync(tmpPath, content, { mode }); // flag "w": created with `mode`, or truncated
  fs().renameSync(tmpPath, finalPath);
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return isCode(error, "EPERM");
  }
  return !zombie(pid);
}

/**
 * An exited process that nobody has reaped yet (a killed background flusher whose new parent,
 * e.g. a container's PID 1, never waits) still answers kill(pid, 0): on Linux, read its state.
 */
function zombie(pid: number): boolean {
  try {
    const stat = fs().readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.charAt(stat.lastIndexOf(")") + 2);
    return state === "Z" || state === "X";
  } catch {
    return false; // no /proc (not Linux) or already gone: kill(pid, 0) had the last word
  }
}

function listSorted(dir: string): string[] {
  try {
    return fs().readdirSync(dir).sort();
  } catch (error) {
    if (isCode(error, "ENOENT")) return [];
    throw error;
  }
}

/**
 * mkdir -p (0700) and tighten. An existing directory needs one stat (the mkdir would be a no-op);
 * anything else — missing, not a directory, unreadable — takes the mkdir and its error.
 */
function ensureDir(path: string): void {
  let existing: { mode: number } | undefined;
  try {
    const stats = fs().statSync(path, { throwIfNoEntry: false });
    if (stats?.isDirectory()) existing = stats;
  } catch {
    // mkdir below gives the error that counts
  }
  if (existing) {
    if ((existing.mode & 0o077) !== 0) tighten(path);
    return;
  }
  // recursive: no EEXIST when another process creates it meanwhile
  fs().mkdirSync(path, { recursive: true, mode: 0o700 });
  tighten(path);
}

function tighten(path: string): void {
  try {
    if ((fs().statSync(path).mode & 0o077) !== 0) fs().chmodSync(path, 0o700);
  } catch {
    // Not ours to change (e.g. a shared directory owned by someone else): leave it.
  }
}

export function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === code;
}
