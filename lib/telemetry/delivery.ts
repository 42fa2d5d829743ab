// Delivery: one event → one POST to the endpoint, through ofetch (attempts, per-attempt request
// timeout, backoff with jitter, Retry-After), classified as delivered / kept / rejected; and a
// bounded TCP reachability probe that applies the connect timeout. What the request carries
// and whether it may be made at all are request.ts's rules.
import { FetchError, ofetch } from "ofetch";
import type { TelemetryEvent } from "./event.ts";
import { type DeliveryConfig, deliveryBlocked, NO_ENDPOINT, requestHeaders } from "./request.ts";

export type Outcome =
  | { kind: "delivered"; status: number; attempts: number }
  | { kind: "kept"; reason: string; status?: number; attempts: number }
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

class RetryLater extends Error {}

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
      responseType: "text",
      retry: config.maxRetries - 1,
      retryStatusCodes: RETRY_STATUSES,
      retryDelay: (context) => {
        const wait = parseRetryAfter(context.response?.headers.get("retry-after") ?? null);
        if (wait !== null && wait > RETRY_AFTER_CAP_MS) throw new RetryLater();
        return Math.max(wait ?? 0, backoffMs(attempts));
      },
      onRequest: (context) => {
        attempts++;
        // A fresh timeout for every attempt (ofetch reuses an expired signal on retries).
        const timeout = AbortSignal.timeout(requestMs);
        context.options.signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      },
    });
    // Only a 2xx is a delivery: a final 1xx/3xx (e.g. a redirect that was not followed) is not.
    if (classifyStatus(response.status) !== "delivered") {
      return { kind: "rejected", status: response.status, attempts };
    }
    return { kind: "delivered", status: response.status, attempts };
  } catch (error) {
    return failure(error, attempts);
  }
}

function failure(error: unknown, attempts: number): Outcome {
  if (error instanceof RetryLater) {
    return { kind: "kept", reason: "endpoint asked to retry later (Retry-After)", attempts };
  }
  const status = error instanceof FetchError ? error.response?.status : undefined;
  if (status !== undefined) {
    if (classifyStatus(status) === "reject") return { kind: "rejected", status, attempts };
    return { kind: "kept", reason: `endpoint answered ${status}`, status, attempts };
  }
  const cause = error instanceof FetchError ? error.cause : error;
  const name = cause instanceof Error ? cause.name : "";
  const reason =
    name === "TimeoutError"
      ? "request timed out"
      : name === "AbortError"
        ? "delivery deferred"
        : "network error";
  return { kind: "kept", reason, attempts };
}

/** Every variable through which Bun's fetch may pick a proxy (upper and lower case). */
const FETCH_PROXY = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"];

/**
 * Can a TCP connection to the endpoint be opened within the connect timeout? Used once per
 * flush so a dead or firewalled endpoint costs one connect timeout, not attempts × timeouts.
 * Skipped (assumed reachable) when a proxy is configured, since then the proxy is dialled.
 */
export function reachable(
  endpoint: string,
  timeoutSeconds: number,
  env: Record<string, string | undefined> = process.env,
): Promise<boolean> {
  const url = new URL(endpoint);
  for (const name of FETCH_PROXY) if (env[name]) return Promise.resolve(true);
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // Bun.connect rather than node:net: no module to load at start-up.
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutSeconds * 1000);
    Bun.connect({
      hostname: host,
      port,
      socket: {
        data() {},
        open(socket) {
          socket.end();
          finish(true);
        },
        connectError: () => finish(false),
        error: () => finish(false),
      },
    }).catch(() => finish(false));
  });
}
