// Request: what a delivery sends besides the event — the headers — and whether it may be
// sent at all: an endpoint is needed, the bearer token never travels in clear text to another
// machine, and a token a header cannot carry is not sent at all. Pure rules, shared by the
// emitter (previews, warnings), settings.ts (the warning at start) and delivery.ts.
import type { Env } from "../util/env.ts";
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
export const TOKEN_PROXIED =
  "refusing to send the bearer token over plain http through a proxy (HTTP_PROXY/ALL_PROXY); list the endpoint's host in NO_PROXY or use https";
export const NO_ENDPOINT = "no endpoint configured";
export const TOKEN_UNFIT =
  "TELEMETRY_BEARER_TOKEN has characters an HTTP header cannot carry (a line break, a control or non-ASCII character); nothing is sent until it is fixed";

/** Can this token travel in an Authorization header? Printable ASCII only (spaces inside allowed). */
export function tokenFitsHeader(token: string): boolean {
  return /^[\x20-\x7e]*$/.test(token);
}

/** Shorter tokens are not looked for in text: they would match inside ids (README › Bearer token). */
export const TOKEN_MATCH_MIN_LENGTH = 8;
/** Characters that would continue a token (a UUID's hex and "-" included), so no match inside one. */
const TOKEN_CHAR = "A-Za-z0-9_+/-";

/**
 * Where `token` occurs in `text` as a whole token (not inside a longer run of token
 * characters), as a global pattern; null for a token too short to look for safely.
 */
export function wholeTokenPattern(token: string): RegExp | null {
  if (token.length < TOKEN_MATCH_MIN_LENGTH) return null;
  const escaped = token.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  return new RegExp(`(?<![${TOKEN_CHAR}])${escaped}(?![${TOKEN_CHAR}])`, "g");
}

/** Does `text` hold the token as a whole token? */
export function containsToken(text: string, token: string | null): boolean {
  if (!token) return false;
  const pattern = wholeTokenPattern(token);
  return pattern?.test(text) ?? false;
}

/** Why nothing can be sent with this configuration (before any connection), or null. */
export function deliveryBlocked(
  config: Pick<DeliveryConfig, "endpoint" | "token">,
  env: Env = process.env,
): string | null {
  if (!config.endpoint) return NO_ENDPOINT;
  if (config.token && !tokenFitsHeader(config.token)) return TOKEN_UNFIT;
  if (!tokenAllowed(config.endpoint, config.token)) return TOKEN_REFUSED;
  if (config.token && plainHttpProxied(config.endpoint, env)) return TOKEN_PROXIED;
  return null;
}

/** The variables through which Bun's fetch sends a plain-http request to a proxy. */
const HTTP_PROXY_VARS = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"];

/**
 * Would Bun's fetch send a request to this plain-http endpoint through a proxy (in clear text,
 * to whatever host the proxy is)? Only an exact host or `*` in NO_PROXY counts as a bypass.
 */
export function plainHttpProxied(endpoint: string, env: Env): boolean {
  const url = new URL(endpoint);
  if (url.protocol !== "http:") return false;
  if (!HTTP_PROXY_VARS.some((name) => env[name]?.trim())) return false;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const bypass = `${env.NO_PROXY ?? ""},${env.no_proxy ?? ""}`.split(",").map((entry) =>
    entry
      .trim()
      .toLowerCase()
      .replace(/^\[|\]$/g, ""),
  );
  return !bypass.some((entry) => entry === "*" || entry === host);
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
