// Flusher: drains the outbox — oldest first, N deliveries at a time, each event claimed by
// exactly one process — and the background flusher that handoff.ts starts: one drains per
// outbox at a time (a lock file), one more may wait for it (the waiting slot).

import { createLogger, type Logger } from "../cli/log.ts";
import { fs } from "../util/builtins.ts";
import { explicitlyDisabled } from "./consent.ts";
import { deliver, RETRY_AFTER_CAP_MS, reachable } from "./delivery.ts";
import { type Claim, isCode, Outbox, processAlive } from "./outbox.ts";
import { type DeliveryConfig, deliveryBlocked } from "./request.ts";
import { parseSettings } from "./settings.ts";

export interface DrainCounts {
  delivered: number;
  kept: number;
  rejected: number;
  quarantined: number;
}

export interface DrainOptions {
  concurrency: number;
  log: Logger;
  /** Names already tried by this process: not tried again in this run. */
  skip?: Set<string>;
  /** Probe the endpoint with the connect timeout first (once per drain). */
  probe?: boolean;
}

export const DEFAULT_CONCURRENCY = 8;

/** How long a claim may be held before another flusher may take it back. */
export function leaseMs(config: DeliveryConfig): number {
  const perAttempt =
    (config.connectTimeoutSeconds + config.requestTimeoutSeconds) * 1000 + RETRY_AFTER_CAP_MS;
  return config.maxRetries * perAttempt + 60_000;
}

export function zeroCounts(): DrainCounts {
  return { delivered: 0, kept: 0, rejected: 0, quarantined: 0 };
}

/** One pass over what is pending now. Never throws for a single bad event. */
export async function drain(
  outbox: Outbox,
  config: DeliveryConfig,
  options: DrainOptions,
): Promise<DrainCounts> {
  const counts = zeroCounts();
  outbox.ensure();
  outbox.recover(leaseMs(config));
  const names = outbox.pending().filter((n) => !options.skip?.has(n));
  for (const name of names) options.skip?.add(name);
  if (names.length === 0) return counts;

  // Before any connection (the reachability probe included): no endpoint, or a token that
  // must not leave in clear text, means nothing is sent.
  const blocked = deliveryBlocked(config);
  if (blocked || !config.endpoint) {
    counts.kept = names.length;
    options.log.warn(`${names.length} event(s) kept for a later flush: ${blocked ?? "no endpoint"}`);
    return counts;
  }
  if (options.probe !== false && !(await reachable(config.endpoint, config.connectTimeoutSeconds))) {
    counts.kept = names.length;
    options.log.warn(
      `endpoint not reachable within ${config.connectTimeoutSeconds}s: ${names.length} event(s) stay queued`,
    );
    return counts;
  }

  const keptReasons = new Map<string, number>();
  const keep = (claim: Claim, reason: string) => {
    outbox.release(claim);
    counts.kept++;
    keptReasons.set(reason, (keptReasons.get(reason) ?? 0) + 1);
  };
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++] as string;
      const claim = outbox.claim(name);
      if (!claim) continue; // another flusher has it
      const read = outbox.read(claim);
      if (!read.ok && read.incomplete) {
        keep(claim, "still being written"); // a later pass reads it whole
        continue;
      }
      if (!read.ok) {
        outbox.quarantine(claim);
        counts.quarantined++;
        options.log.warn(`moved an unreadable event file aside (${read.problem}): ${name}`);
        continue;
      }
      const outcome = await deliver(read.event, config);
      if (outcome.kind === "delivered") {
        outbox.done(claim);
        counts.delivered++;
      } else if (outcome.kind === "rejected") {
        outbox.deadLetter(claim, outcome.status);
        counts.rejected++;
      } else {
        keep(claim, outcome.reason);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, names.length)) }, worker));
  for (const [reason, n] of keptReasons) options.log.warn(`${n} event(s) kept for a later flush: ${reason}`);
  if (counts.rejected > 0) {
    options.log.warn(`${counts.rejected} event(s) rejected by the endpoint, kept in dead-letter/ for audit`);
  }
  return counts;
}

export function addCounts(a: DrainCounts, b: DrainCounts): DrainCounts {
  return {
    delivered: a.delivered + b.delivered,
    kept: a.kept + b.kept,
    rejected: a.rejected + b.rejected,
    quarantined: a.quarantined + b.quarantined,
  };
}

// ---- the background flusher ---------------------------------------------------------------

const LOCK_NAME = "flusher.lock";
const WAITER_NAME = "flusher.next";
/** A background flusher refreshes its lock after every pass; one this old is abandoned. */
export const LOCK_LEASE_MS = 15 * 60_000;

/** Pid of the live background flusher of this outbox, or null. */
export function lockHolder(outboxDir: string, now = Date.now()): number | null {
  try {
    const path = `${outboxDir}/${LOCK_NAME}`;
    const pid = Number(fs().readFileSync(path, "utf8").trim());
    // A lock older than the lease is stale even if its pid is alive: the pid may have been
    // reused by an unrelated process after the flusher was killed.
    if (now - fs().statSync(path).mtimeMs > LOCK_LEASE_MS) return null;
    return processAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** "locked": ours now; "busy": a live flusher holds it; "gone": the outbox itself is gone. */
type LockAttempt = "locked" | "busy" | "gone";

function tryLock(outboxDir: string): LockAttempt {
  const path = `${outboxDir}/${LOCK_NAME}`;
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = fs().openSync(path, "wx", 0o600);
      fs().writeSync(fd, String(process.pid));
      fs().closeSync(fd);
      return "locked";
    } catch (error) {
      if (isCode(error, "ENOENT")) return "gone";
      if (!isCode(error, "EEXIST")) return "busy";
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
  try {
    const pid = Number(fs().readFileSync(`${outboxDir}/${WAITER_NAME}`, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Take the waiting slot: the last writer wins (write aside, then rename over). */
function takeWaitingSlot(outboxDir: string): void {
  const aside = `${outboxDir}/${WAITER_NAME}.${process.pid}`;
  try {
    const fd = fs().openSync(aside, "w", 0o600);
    fs().writeSync(fd, String(process.pid));
    fs().closeSync(fd);
    fs().renameSync(aside, `${outboxDir}/${WAITER_NAME}`);
  } catch {
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
    if (Number(fs().readFileSync(path, "utf8").trim()) === process.pid) fs().unlinkSync(path);
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
    doNotTrack: process.env.DO_NOT_TRACK,
  });
  if (!withdrawn)
    await backgroundFlush(
      new Outbox(settings.outboxDir),
      settings,
      createLogger("", () => {}),
    );
  process.exit(0);
}
