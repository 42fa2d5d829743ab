// Flusher: one pass over the outbox — oldest first, N deliveries at a time, each event claimed
// by exactly one process. A pass knocks on nothing while the endpoint's Retry-After lasts, stops
// after repeated failures instead of trying every event, and leaves the last problem in the
// outbox for `telemetry status` (docs/privacy-and-telemetry.md › Delivery). The background
// flusher that runs passes with a lock and a waiting slot is background.ts.

import type { Logger } from "../cli/log.ts";
import { deliver, probe, RETRY_AFTER_CAP_MS, rememberProblem } from "./delivery.ts";
import {
  clearProblem,
  PROBLEM_WORDS,
  type ProblemKind,
  recordProblem,
  retryAfterUntil,
} from "./delivery-state.ts";
import type { Claim, Outbox } from "./outbox.ts";
import { type DeliveryConfig, deliveryBlocked } from "./request.ts";

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

/** Events whose delivery failed on the way (network, redirect, error status) before a pass stops. */
export const FAILURES_BEFORE_STOP = 2;

/** How long a claim may be held before another flusher may take it back. */
export function leaseMs(config: DeliveryConfig): number {
  const perAttempt =
    (config.connectTimeoutSeconds + config.requestTimeoutSeconds) * 1000 + RETRY_AFTER_CAP_MS;
  return config.maxRetries * perAttempt + 60_000;
}

export function zeroCounts(): DrainCounts {
  return { delivered: 0, kept: 0, rejected: 0, quarantined: 0 };
}

/** "until 2026-12-01T21:00:00Z" for a Retry-After the outbox remembers. */
function waitMessage(until: Date, n: number): string {
  return `the endpoint asked to wait until ${until.toISOString().replace(/\.\d{3}Z$/, "Z")} (Retry-After): ${n} event(s) stay queued`;
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
  // must not leave (in clear text, or unfit for a header), means nothing is sent.
  const blocked = deliveryBlocked(config);
  if (blocked || !config.endpoint) {
    counts.kept = names.length;
    options.log.warn(`${names.length} event(s) kept for a later flush: ${blocked ?? "no endpoint"}`);
    return counts;
  }
  const until = retryAfterUntil(outbox.dir);
  if (until) {
    counts.kept = names.length;
    options.log.warn(waitMessage(until, names.length));
    return counts;
  }
  if (options.probe !== false) {
    const problem = await probe(config.endpoint, config.connectTimeoutSeconds);
    if (problem) {
      counts.kept = names.length;
      recordProblem(outbox, { kind: problem });
      const words =
        problem === "timeout"
          ? `no connection within ${config.connectTimeoutSeconds}s`
          : PROBLEM_WORDS[problem];
      options.log.warn(`endpoint not reachable (${words}): ${names.length} event(s) stay queued`);
      return counts;
    }
  }

  const keptReasons = new Map<string, number>();
  const keep = (claim: Claim, reason: string) => {
    outbox.release(claim);
    counts.kept++;
    keptReasons.set(reason, (keptReasons.get(reason) ?? 0) + 1);
  };
  let failures = 0;
  let stopped: ProblemKind | null = null;
  let next = 0;
  const worker = async () => {
    while (next < names.length && stopped === null) {
      const name = names[next++] as string;
      const claim = outbox.claim(name);
      if (!claim) continue; // another flusher has it
      const read = outbox.read(claim);
      if (!read.ok && read.gone) continue;
      if (!read.ok && read.incomplete) {
        keep(claim, "still being written"); // a later pass reads it whole
        continue;
      }
      if (!read.ok) {
        outbox.quarantine(claim);
        counts.quarantined++;
        options.log.warn(`moved an event file aside unread (${read.problem}): ${name}`);
        continue;
      }
      const outcome = await deliver(read.event, config);
      rememberProblem(outbox, outcome);
      if (outcome.kind === "delivered") {
        outbox.done(claim);
        if (counts.delivered++ === 0) clearProblem(outbox); // once a pass: it reads the state file
        failures = 0;
      } else if (outcome.kind === "rejected") {
        outbox.deadLetter(claim, outcome.status, read.event);
        counts.rejected++;
      } else {
        keep(claim, outcome.reason);
        // The endpoint said wait, redirects everything, or keeps failing: the rest would fare no better.
        if (outcome.problem === "wait" || outcome.problem === "redirect") stopped = outcome.problem;
        else if (outcome.problem && ++failures >= FAILURES_BEFORE_STOP) stopped = outcome.problem;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, names.length)) }, worker));
  const untried = names.length - next;
  counts.kept += untried;
  for (const [reason, n] of keptReasons) options.log.warn(`${n} event(s) kept for a later flush: ${reason}`);
  if (untried > 0) {
    const until = stopped === "wait" ? retryAfterUntil(outbox.dir) : null;
    options.log.warn(
      until
        ? waitMessage(until, untried)
        : `${untried} more event(s) not tried in this pass after repeated failures; they stay queued`,
    );
  }
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
