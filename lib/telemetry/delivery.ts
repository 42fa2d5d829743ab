// Delivery: one event → one POST to the endpoint, through ofetch (attempts, per-attempt request
// timeout, backoff with jitter, Retry-After), classified as delivered / kept / rejected; and a
// bounded TCP reachability probe that applies the connect timeout. Redirects are never
// followed (a 3xx keeps the event), a 2xx counts when its status arrives and no response body
// is ever read. What went wrong is named: connection refused, name not resolved, timed out,
// TLS certificate problem. What the request carries and whether it may be made at all are
// request.ts's rules.
import { FetchError, ofetch } from "ofetch";
import type { Env } from "../util/env.ts";
import { errorCode } from "../util/fs.ts";
import { PROBLEM_WORDS, type ProblemKind, recordProblem } from "./delivery-state.ts";
import type { TelemetryEvent } from "./event.ts";
import type { Outbox } from "./outbox.ts";
import { type DeliveryConfig, deliveryBlocked, NO_ENDPOINT, requestHeaders } from "./request.ts";

/**
 * `problem` says what went wrong in the words of docs/privacy-and-telemetry.md › Delivery (the
 * outbox remembers it for `telemetry status`); a configuration block or a deferral has none.
 * `retryAfterMs`: the endpoint asked not to be contacted for this long.
 */
export type Outcome =
  | { kind: "delivered"; status: number; attempts: number }
  | {
      kind: "kept";
      reason: string;
      problem?: ProblemKind;
      status?: number;
      attempts: number;
      retryAfterMs?: number;
    }
  | { kind: "rejected"; status: number; attempts: number };

/** Longest Retry-After we wait for inside one flush; longer means "keep it for later". */
export const RETRY_AFTER_CAP_MS = 10_000;
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 4_000;
const RETRY_STATUSES = [408, 429];
for (let status = 500; status < 600; status++) RETRY_STATUSES.push(status);

export type StatusClass = "delivered" | "retry" | "reject";

/** 2xx delivered; 408, 429 and 5xx worth retrying; any other status rejected for good. */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) return "retry";
  return "reject";
}

/** Seconds or an HTTP date, as milliseconds from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Exponential backoff with equal jitter for the n-th retry (1-based). */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1));
  return Math.round(base / 2 + random() * (base / 2));
}

/**
 * How long to wait before the retry that follows attempt `attempt`: the backoff, or the
 * server's Retry-After when that is longer; null when the Retry-After is beyond what one flush
 * may wait (RETRY_AFTER_CAP_MS): then the event is kept and the time remembered.
 */
export function retryDelay(
  retryAfter: string | null,
  attempt: number,
  now = Date.now(),
  random: () => number = Math.random,
): number | null {
  const wait = parseRetryAfter(retryAfter, now);
  if (wait !== null && wait > RETRY_AFTER_CAP_MS) return null;
  return Math.max(wait ?? 0, backoffMs(attempt, random));
}

class RetryLater extends Error {
  constructor(readonly waitMs: number) {
    super("retry later");
  }
}

export interface DeliverOptions {
  /** Aborts the whole delivery (e.g. an emit's inline budget); the event is then kept. */
  signal?: AbortSignal;
}

/** POST one event. Never throws: every failure is an outcome. */
export async function deliver(
  event: TelemetryEvent,
  config: DeliveryConfig,
  options: DeliverOptions = {},
): Promise<Outcome> {
  let attempts = 0;
  const blocked = deliveryBlocked(config);
  if (blocked || !config.endpoint) return { kind: "kept", reason: blocked ?? NO_ENDPOINT, attempts };
  const requestMs = config.requestTimeoutSeconds * 1000;
  try {
    const response = await ofetch.raw(config.endpoint, {
      method: "POST",
      body: JSON.stringify(event),
      headers: requestHeaders(config),
      redirect: "manual",
      // The body is never read: "stream" hands it over unread, onResponse discards it.
      responseType: "stream",
      retry: config.maxRetries - 1,
      retryStatusCodes: RETRY_STATUSES,
      retryDelay: (context) => {
        const header = context.response?.headers.get("retry-after") ?? null;
        const delay = retryDelay(header, attempts);
        if (delay === null) throw new RetryLater(parseRetryAfter(header) ?? RETRY_AFTER_CAP_MS);
        return delay;
      },
      onRequest: (context) => {
        attempts++;
        // A fresh timeout for every attempt (ofetch reuses an expired signal on retries).
        const timeout = AbortSignal.timeout(requestMs);
        context.options.signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      },
      onResponse: ({ response }) => {
        // A slow or endless body (a 50 MB answer) costs nothing: the status is all we use.
        response.body?.cancel().catch(() => {});
      },
    });
    const status = response.status;
    if (status >= 300 && status < 400) {
      return {
        kind: "kept",
        reason: `endpoint redirects (${status}); redirects are not followed`,
        problem: "redirect",
        status,
        attempts,
      };
    }
    // Only a 2xx is a delivery: a final 1xx is not.
    if (classifyStatus(status) !== "delivered") return { kind: "rejected", status, attempts };
    return { kind: "delivered", status, attempts };
  } catch (error) {
    return failure(error, attempts, config);
  }
}

function failure(error: unknown, attempts: number, config: DeliveryConfig): Outcome {
  if (error instanceof RetryLater) {
    return {
      kind: "kept",
      reason: "endpoint asked to wait (Retry-After)",
      problem: "wait",
      attempts,
      retryAfterMs: error.waitMs,
    };
  }
  const status = error instanceof FetchError ? error.response?.status : undefined;
  if (status !== undefined) {
    if (classifyStatus(status) === "reject") return { kind: "rejected", status, attempts };
    return { kind: "kept", reason: `endpoint answered ${status}`, problem: "http", status, attempts };
  }
  const cause = error instanceof FetchError ? error.cause : error;
  const name = cause instanceof Error ? cause.name : "";
  if (name === "AbortError") return { kind: "kept", reason: "delivery deferred", attempts };
  if (name === "TimeoutError") {
    return {
      kind: "kept",
      reason: `request timed out (no answer within ${config.requestTimeoutSeconds}s)`,
      problem: "timeout",
      attempts,
    };
  }
  const problem = networkProblem(errorCode(cause));
  return { kind: "kept", reason: PROBLEM_WORDS[problem], problem, attempts };
}

const TLS_CODE = /CERT|SELF_SIGNED|TLS|SSL|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|HANDSHAKE/i;

/** The kind of a connection error, from its system or TLS error code. */
export function networkProblem(code: string | undefined): ProblemKind {
  if (!code) return "other";
  if (code === "ECONNREFUSED" || code === "ConnectionRefused") return "refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME" || code === "DNSException") {
    return "unresolved";
  }
  if (code === "ETIMEDOUT" || code === "ConnectionTimedOut" || code === "TimeoutError") return "timeout";
  if (TLS_CODE.test(code)) return "tls";
  return "other";
}

/** Every variable through which Bun's fetch may pick a proxy (upper and lower case). */
const FETCH_PROXY = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"];

/**
 * Can a TCP connection to the endpoint be opened within the connect timeout? Used once per
 * flush so a dead or firewalled endpoint costs one connect timeout, not attempts × timeouts.
 * Null when it can (or when a proxy is configured: then the proxy is dialled, so assume so),
 * else what went wrong.
 */
export function probe(
  endpoint: string,
  timeoutSeconds: number,
  env: Env = process.env,
): Promise<ProblemKind | null> {
  const url = new URL(endpoint);
  for (const name of FETCH_PROXY) if (env[name]) return Promise.resolve(null);
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // Bun.connect rather than node:net: no module to load at start-up.
  return new Promise((resolve) => {
    let settled = false;
    const finish = (problem: ProblemKind | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(problem);
    };
    const failed = (error: unknown) => finish(networkProblem(errorCode(error)));
    const timer = setTimeout(() => finish("timeout"), timeoutSeconds * 1000);
    Bun.connect({
      hostname: host,
      port,
      socket: {
        data() {},
        open(socket) {
          socket.end();
          finish(null);
        },
        connectError: (_socket, error) => failed(error),
        error: (_socket, error) => failed(error),
      },
    }).catch(failed);
  });
}

/** Can a TCP connection be opened within the connect timeout? (probe() without the why.) */
export async function reachable(
  endpoint: string,
  timeoutSeconds: number,
  env: Env = process.env,
): Promise<boolean> {
  return (await probe(endpoint, timeoutSeconds, env)) === null;
}

/** Remember a failed outcome's problem (and a long Retry-After) in the outbox. */
export function rememberProblem(outbox: Outbox, outcome: Outcome): void {
  if (outcome.kind === "delivered") return;
  if (outcome.kind === "rejected") {
    recordProblem(outbox, { kind: "rejected", status: outcome.status });
    return;
  }
  if (!outcome.problem) return;
  const until = outcome.retryAfterMs ? new Date(Date.now() + outcome.retryAfterMs) : undefined;
  recordProblem(
    outbox,
    outcome.status === undefined
      ? { kind: outcome.problem }
      : { kind: outcome.problem, status: outcome.status },
    until,
  );
}
