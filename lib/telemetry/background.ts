// Background flusher: what handoff.ts starts — one drains each outbox at a time (a lock file),
// one more may wait for it (the waiting slot), and the newest hand-off's settings win. Lock and
// slot files are created exclusively, never through a symbolic link, and read only when they
// are small regular files of this user (README › Outbox).

import { createLogger, type Logger } from "../cli/log.ts";
import { fs } from "../util/builtins.ts";
import { createExclusive, isCode, processAlive, readOwnFile } from "../util/fs.ts";
import { explicitlyDisabled } from "./consent.ts";
import { addCounts, type DrainCounts, drain, zeroCounts } from "./flusher.ts";
import { Outbox, OutboxRefused } from "./outbox.ts";
import type { DeliveryConfig } from "./request.ts";
import { DEFAULT_CONCURRENCY, parseSettings } from "./settings.ts";

const LOCK_NAME = "flusher.lock";
const WAITER_NAME = "flusher.next";
/** A background flusher refreshes its lock after every pass; one this old is abandoned. */
export const LOCK_LEASE_MS = 15 * 60_000;

/** A pid written in a lock or slot file of ours, or null (missing, foreign, not a pid). */
function pidIn(path: string): number | null {
  const file = readOwnFile(path, 32);
  if (!file.ok) return null;
  const pid = Number(file.text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Pid of the live background flusher of this outbox, or null. */
export function lockHolder(outboxDir: string, now = Date.now()): number | null {
  const path = `${outboxDir}/${LOCK_NAME}`;
  const pid = pidIn(path);
  if (pid === null) return null;
  try {
    // A lock older than the lease is stale even if its pid is alive: the pid may have been
    // reused by an unrelated process after the flusher was killed.
    if (now - fs().lstatSync(path).mtimeMs > LOCK_LEASE_MS) return null;
  } catch {
    return null;
  }
  return processAlive(pid) ? pid : null;
}

/** "locked": ours now; "busy": a live flusher holds it; "gone": the outbox cannot be locked (removed, full). */
type LockAttempt = "locked" | "busy" | "gone";

function tryLock(outboxDir: string): LockAttempt {
  const path = `${outboxDir}/${LOCK_NAME}`;
  for (let tries = 0; tries < 2; tries++) {
    try {
      createExclusive(path, String(process.pid));
      return "locked";
    } catch (error) {
      // Gone, full (ENOSPC), read-only…: nothing this flusher can lock, so nothing to wait for.
      if (!isCode(error, "EEXIST")) return "gone";
      if (lockHolder(outboxDir) !== null) return "busy";
      try {
        fs().unlinkSync(path); // stale: its flusher died
      } catch {
        // someone else removed it first; try again
      }
    }
  }
  return "busy";
}

/** Pid of the flusher in the waiting slot (the latest hand-off while the lock was held). */
export function waiterPid(outboxDir: string): number | null {
  return pidIn(`${outboxDir}/${WAITER_NAME}`);
}

/** Take the waiting slot: the last writer wins (write aside, then rename over). */
function takeWaitingSlot(outboxDir: string): void {
  const aside = `${outboxDir}/${WAITER_NAME}.${process.pid}`;
  try {
    try {
      createExclusive(aside, String(process.pid));
    } catch (error) {
      if (!isCode(error, "EEXIST")) throw error;
      fs().unlinkSync(aside); // left by a dead process that had our pid
      createExclusive(aside, String(process.pid));
    }
    fs().renameSync(aside, `${outboxDir}/${WAITER_NAME}`);
  } catch {
    try {
      fs().unlinkSync(aside);
    } catch {
      // not there
    }
    // best-effort: without the slot this flusher still waits, it just cannot be superseded
  }
}

function leaveWaitingSlot(outboxDir: string): void {
  try {
    if (waiterPid(outboxDir) === process.pid) fs().unlinkSync(`${outboxDir}/${WAITER_NAME}`);
  } catch {
    // already taken over or gone
  }
}

function refreshLock(outboxDir: string): void {
  try {
    const now = new Date();
    fs().utimesSync(`${outboxDir}/${LOCK_NAME}`, now, now);
  } catch {
    // gone: the next pass re-checks
  }
}

/** Remove the lock only if it is still ours (another flusher may have taken over a stale one). */
function unlock(outboxDir: string): void {
  const path = `${outboxDir}/${LOCK_NAME}`;
  try {
    if (pidIn(path) === process.pid) fs().unlinkSync(path);
  } catch {
    // already gone
  }
}

/** How long a newly started background flusher waits for a running one to finish. */
export const LOCK_WAIT_MS = 60_000;
const LOCK_POLL_MS = 100;

/**
 * The background flusher: holds the lock while it drains, tries every event at most once, and
 * looks again after releasing the lock so an event queued meanwhile is never left behind.
 *
 * One started while another holds the lock takes the waiting slot and waits (up to `waitMs`),
 * then drains with its own settings: the running one may have been started with other ones (an
 * endpoint that has since been fixed) and would only keep the new events. A waiter that a newer
 * hand-off supersedes exits, and a holder that finishes with a live waiter leaves the rest to
 * it, so at most one flusher drains and one waits, and the newest settings win.
 */
export async function backgroundFlush(
  outbox: Outbox,
  config: DeliveryConfig,
  log: Logger,
  waitMs = LOCK_WAIT_MS,
): Promise<DrainCounts> {
  outbox.ensure();
  const dir = outbox.dir;
  const tried = new Set<string>();
  let total = zeroCounts();
  const deadline = Date.now() + waitMs;
  let waiting = false;
  try {
    for (;;) {
      const lock = tryLock(dir);
      if (lock === "gone") break;
      if (lock === "busy") {
        if (!waiting) {
          takeWaitingSlot(dir);
          waiting = true;
        } else if (waiterPid(dir) !== process.pid) {
          break; // superseded: a newer hand-off waits, with the newest settings
        }
        if (Date.now() > deadline) break;
        await Bun.sleep(LOCK_POLL_MS);
        continue;
      }
      if (waiting) {
        leaveWaitingSlot(dir);
        waiting = false;
      }
      // One pass may outlast the lease (many events, a hanging endpoint): refresh it meanwhile.
      const keepAlive = setInterval(() => refreshLock(dir), LOCK_LEASE_MS / 3);
      keepAlive.unref();
      try {
        for (;;) {
          const counts = await drain(outbox, config, { concurrency: DEFAULT_CONCURRENCY, log, skip: tried });
          total = addCounts(total, counts);
          if (counts.delivered + counts.kept + counts.rejected + counts.quarantined === 0) break;
        }
      } finally {
        clearInterval(keepAlive);
        unlock(dir);
      }
      if (!outbox.pending().some((n) => !tried.has(n))) break;
      const next = waiterPid(dir);
      if (next !== null && next !== process.pid && processAlive(next)) break; // it takes the rest
    }
  } finally {
    if (waiting) leaveWaitingSlot(dir);
  }
  return total;
}

/**
 * A background flusher's whole life (see handoff.ts): consent is re-checked — explicitly
 * disabled sends nothing — then it drains and the process exits.
 */
export async function runBackgroundFlush(): Promise<never> {
  const { settings } = parseSettings(process.env);
  const withdrawn = explicitlyDisabled({
    telemetryEnabled: settings.enabledRaw,
    doNotTrack: settings.doNotTrack,
  });
  if (!withdrawn) {
    try {
      await backgroundFlush(
        new Outbox(settings.outboxDir),
        settings,
        createLogger("", () => {}),
      );
    } catch (error) {
      // A refused outbox: the command that handed off has said so already.
      if (!(error instanceof OutboxRefused)) throw error;
    }
  }
  process.exit(0);
}
