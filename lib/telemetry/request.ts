// Request: what a delivery sends besides the event — the headers — and whether it may be
// sent at all: an endpoint is needed, and the bearer token never travels in clear text to
// another machine. Pure rules, shared by the emitter (previews, warnings) and delivery.ts.
import type { Settings } from "./settings.ts";

export type DeliveryConfig = Pick<
  Settings,
  | "endpoint"
  | "marker"
  | "token"
  | "userAgent"
  | "maxRetries"
  | "connectTimeoutSeconds"
  | "requestTimeoutSeconds"
>;

export const MARKER_HEADER = "X-Productive-K3S-Telemetry";
export const TOKEN_REFUSED = "refusing to send the bearer token over plain http to a non-loopback host";
export const NO_ENDPOINT = "no endpoint configured";

/** Why nothing can be sent with this configuration (before any connection), or null. */
export function deliveryBlocked(config: Pick<DeliveryConfig, "endpoint" | "token">): string | null {
  if (!config.endpoint) return NO_ENDPOINT;
  if (!tokenAllowed(config.endpoint, config.token)) return TOKEN_REFUSED;
  return null;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The token never travels in clear text to another machine. */
export function tokenAllowed(endpoint: string, token: string | null): boolean {
  if (!token) return true;
  const url = new URL(endpoint);
  return url.protocol === "https:" || isLoopbackHost(url.hostname);
}

/** The headers of a delivery. `redactToken` gives the preview form (`Bearer ***`). */
export function requestHeaders(config: DeliveryConfig, redactToken = false): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    [MARKER_HEADER]: config.marker,
    "User-Agent": config.userAgent,
  };
  if (config.token) headers.Authorization = `Bearer ${redactToken ? "***" : config.token}`;
  return headers;
}
