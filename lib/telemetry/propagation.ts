// Propagation: the child environment in the README › Consent, correlation, delivery and its text forms for remote bootstraps.
// Pure: the same inputs always give the same thirteen variables.

import type { Env } from "../util/env.ts";
import type { Consent } from "./consent.ts";
import type { Correlation } from "./correlation.ts";
import { COMPONENT, type PropagatedVariable, type Settings } from "./settings.ts";

export type PropagatedSet = Record<PropagatedVariable, string>;

/** The thirteen variables a nested command receives from this execution. */
export function propagatedSet(
  settings: Settings,
  consent: Pick<Consent, "enabled">,
  correlation: Correlation,
): PropagatedSet {
  return {
    TELEMETRY_ENABLED: consent.enabled ? "true" : "false",
    // null (no usable endpoint) propagates as set-but-empty: the child queues too.
    TELEMETRY_ENDPOINT: settings.endpoint ?? "",
    TELEMETRY_MARKER: settings.marker,
    TELEMETRY_BEARER_TOKEN: consent.enabled ? (settings.token ?? "") : "",
    TELEMETRY_MAX_RETRIES: String(settings.maxRetries),
    TELEMETRY_CONNECT_TIMEOUT_SECONDS: String(settings.connectTimeoutSeconds),
    TELEMETRY_REQUEST_TIMEOUT_SECONDS: String(settings.requestTimeoutSeconds),
    TELEMETRY_OUTBOX_DIR: settings.outboxDir,
    TELEMETRY_USER_AGENT: settings.userAgent,
    TELEMETRY_SESSION_ID: correlation.sessionId,
    TELEMETRY_RUN_ID: "",
    TELEMETRY_PARENT_RUN_ID: correlation.runId,
    TELEMETRY_COMPONENT: COMPONENT,
  };
}

/** The full environment for a child process: the caller's, with the thirteen overriding. */
export function childEnv(base: Env, set: PropagatedSet): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(base)) if (val !== undefined) env[k] = val;
  return Object.assign(env, set);
}

export type EnvFormat = "shell" | "dotenv" | "json";

/** POSIX shell single-quoting: safe for any byte string. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** dotenv double-quoting with the escapes dotenv parsers understand. */
function dotenvQuote(value: string): string {
  const escaped = value
    .replaceAll("\\", "\\\\")
    .replaceAll('"', '\\"')
    .replaceAll("\n", "\\n")
    .replaceAll("$", "\\$");
  return `"${escaped}"`;
}

/**
 * The set as text for a nested bootstrap on another host. The token is left out unless
 * `includeToken` is set (so it is never put on a command line by accident).
 */
export function formatPropagated(set: PropagatedSet, format: EnvFormat, includeToken: boolean): string {
  const entries = Object.entries(set).filter(([k]) => includeToken || k !== "TELEMETRY_BEARER_TOKEN");
  if (format === "json") return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`;
  const line =
    format === "shell"
      ? ([k, val]: [string, string]) => `export ${k}=${shellQuote(val)}`
      : ([k, val]: [string, string]) => `${k}=${dotenvQuote(val)}`;
  return `${entries.map(line).join("\n")}\n`;
}
