// Settings: the one reading of the environment's telemetry variables — TELEMETRY_*, DO_NOT_TRACK
// and the XDG directories — through valibot, with the defaults in the README › Environment
// variables. Pure: takes an environment record and returns the settings plus the warnings to print.
// An invalid value never crashes and never hangs: it yields one warning naming the variable
// and the default used. The token value is never echoed.
import { homedir } from "node:os";
import * as v from "valibot";
import { DEFAULT_USER_AGENT } from "../cli/version.ts";
import { parseBool, switchedOn } from "../util/bool.ts";
import { fs, path } from "../util/builtins.ts";
import type { Env } from "../util/env.ts";
import { inheritId } from "./correlation.ts";
import type * as Headers from "./headers.ts";
import { TOKEN_UNFIT, tokenFitsHeader } from "./request.ts";

export const DEFAULT_ENDPOINT = "https://telemetry.productive-k3s.io/telemetry";
export const DEFAULT_MARKER = "pk3s-public-v1";
export const COMPONENT = "infra";
/** How many deliveries a flush pass runs at once unless pk3s-flush --concurrency says otherwise. */
export const DEFAULT_CONCURRENCY = 8;

/** The thirteen variables of the seed, in its order: all are propagated to children. */
export const PROPAGATED_VARIABLES = [
  "TELEMETRY_ENABLED",
  "TELEMETRY_ENDPOINT",
  "TELEMETRY_MARKER",
  "TELEMETRY_BEARER_TOKEN",
  "TELEMETRY_MAX_RETRIES",
  "TELEMETRY_CONNECT_TIMEOUT_SECONDS",
  "TELEMETRY_REQUEST_TIMEOUT_SECONDS",
  "TELEMETRY_OUTBOX_DIR",
  "TELEMETRY_USER_AGENT",
  "TELEMETRY_SESSION_ID",
  "TELEMETRY_RUN_ID",
  "TELEMETRY_PARENT_RUN_ID",
  "TELEMETRY_COMPONENT",
] as const;
export type PropagatedVariable = (typeof PROPAGATED_VARIABLES)[number];

/** Local-only settings: read here, never propagated. */
export const LOCAL_VARIABLES = ["TELEMETRY_DEBUG"] as const;

/** Where remembered decisions live under the user's config directory (docs › Consent). */
export const CONFIG_APP_DIR = "pk3s-infra-telemetry";

const KNOWN = new Set<string>([...PROPAGATED_VARIABLES, ...LOCAL_VARIABLES]);

const wholeNumber = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^\d+$/),
    v.transform(Number),
    v.integer(),
    v.minValue(min),
    v.maxValue(max),
  );

const seconds = (max: number) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^\d+(\.\d+)?$/),
    v.transform(Number),
    v.minValue(0.05),
    v.maxValue(max),
  );

/**
 * The parsed settings (the shape every script works with); the type is inferred from it. A
 * function, so that no script pays for building a schema it only needs as a type.
 */
export const settingsSchema = () =>
  v.object({
    /** TELEMETRY_ENABLED as given; consent.ts interprets it. */
    enabledRaw: v.optional(v.string()),
    /** null: no usable endpoint, so events stay queued. */
    endpoint: v.nullable(v.string()),
    marker: v.string(),
    token: v.nullable(v.string()),
    maxRetries: v.number(),
    connectTimeoutSeconds: v.number(),
    requestTimeoutSeconds: v.number(),
    /** Always absolute. */
    outboxDir: v.string(),
    userAgent: v.string(),
    sessionId: v.nullable(v.string()),
    parentRunId: v.nullable(v.string()),
    /** TELEMETRY_RUN_ID: the caller's run (pk3s-emit speaks for it); runs make their own. */
    runId: v.nullable(v.string()),
    debug: v.boolean(),
    /** DO_NOT_TRACK is set (not empty, 0, false, no or off). */
    doNotTrack: v.boolean(),
    /** The user's config directory ($XDG_CONFIG_HOME, else ~/.config); null when neither is known. */
    configHome: v.nullable(v.string()),
  });
export type Settings = v.InferOutput<ReturnType<typeof settingsSchema>>;

export interface SettingsResult {
  settings: Settings;
  warnings: string[];
}

/**
 * One setting: its variable, schema, default and what it expects (for the warning). The schema
 * is built only when the variable is set.
 */
interface Field<T> {
  name: PropagatedVariable;
  schema: () => v.GenericSchema<string, T>;
  fallback: T;
  expects: string;
}

const NUMBER_FIELDS = {
  maxRetries: {
    name: "TELEMETRY_MAX_RETRIES",
    schema: () => wholeNumber(1, 10),
    fallback: 3,
    expects: "a whole number of attempts from 1 to 10",
  },
  connectTimeoutSeconds: {
    name: "TELEMETRY_CONNECT_TIMEOUT_SECONDS",
    schema: () => seconds(120),
    fallback: 5,
    expects: "a number of seconds from 0.05 to 120",
  },
  requestTimeoutSeconds: {
    name: "TELEMETRY_REQUEST_TIMEOUT_SECONDS",
    schema: () => seconds(300),
    fallback: 10,
    expects: "a number of seconds from 0.05 to 300",
  },
} satisfies Record<string, Field<number>>;

/** Show a rejected value only when it is short and plainly harmless. */
function shown(raw: string): string {
  return /^[\w.+-]{1,24}$/.test(raw.trim()) ? ` (got "${raw.trim()}")` : "";
}

function parseField<T>(env: Env, field: Field<T>, warnings: string[]): T {
  const raw = env[field.name];
  if (raw === undefined || raw.trim() === "") return field.fallback;
  const parsed = v.safeParse(field.schema(), raw);
  if (parsed.success) return parsed.output;
  warnings.push(
    `${field.name} must be ${field.expects}${shown(raw)}; using the default ${JSON.stringify(field.fallback)}`,
  );
  return field.fallback;
}

/** Is this an http(s) URL with a host? */
export function isHttpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
  } catch {
    return false;
  }
}

function parseEndpoint(env: Env, warnings: string[]): string | null {
  const raw = env.TELEMETRY_ENDPOINT;
  if (raw === undefined) return DEFAULT_ENDPOINT;
  const value = raw.trim();
  if (value === "") return null; // set but empty: no endpoint, events stay queued
  if (isHttpUrl(value)) return value;
  warnings.push(
    "TELEMETRY_ENDPOINT is not an http(s) URL; nothing will be sent and events stay queued until it is fixed",
  );
  return null;
}

/** headers.ts, loaded only for a marker or user agent other than the default. */
let headersModule: typeof Headers | undefined;

/** TELEMETRY_MARKER / TELEMETRY_USER_AGENT: the default, or what headers.ts keeps of the value. */
function parseHeader(
  value: string | undefined,
  fallback: string,
  check: "checkMarker" | "checkUserAgent",
  warnings: string[],
): string {
  const trimmed = value?.trim();
  if (!trimmed || trimmed === fallback) return fallback;
  headersModule ??= require("./headers.ts") as typeof Headers;
  return headersModule[check](trimmed, fallback, warnings);
}

/** An inherited correlation id (an opaque one as given, else derived); null when unset. */
function parseId(env: Env, name: PropagatedVariable, warnings: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return null;
  return inheritId(raw, name, (warning) => warnings.push(warning));
}

/** The user's config directory: $XDG_CONFIG_HOME when absolute (XDG ignores relative ones), else ~/.config. */
export function configHome(env: Env): string | null {
  // Joined by hand: pk3s-emit reads its settings at every start and does not load node:path.
  const config = env.XDG_CONFIG_HOME;
  if (config?.startsWith("/")) return config;
  const home = env.HOME || safeHomedir();
  return home ? `${home.replace(/\/+$/, "")}/.config` : null;
}

/**
 * Where the outbox lives by default: the user's XDG state directory, else XDG_RUNTIME_DIR when
 * it is private (ours, 0700), else "" — no outbox: never a predictable shared path like /tmp.
 */
export function defaultOutboxDir(env: Env): string {
  const { isAbsolute, join } = path();
  const state = env.XDG_STATE_HOME;
  if (state && isAbsolute(state)) return join(state, "pk3s-infra-telemetry", "outbox");
  const home = env.HOME || safeHomedir();
  if (home && isAbsolute(home)) return join(home, ".local", "state", "pk3s-infra-telemetry", "outbox");
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime) && privateDir(runtime))
    return join(runtime, "pk3s-infra-telemetry", "outbox");
  return "";
}

/** A directory of this user that nobody else may enter (mode 0700), not a symbolic link. */
function privateDir(dir: string): boolean {
  try {
    const stats = fs().lstatSync(dir);
    return stats.isDirectory() && stats.uid === process.getuid?.() && (stats.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/**
 * `raw` resolved against `cwd`. An absolute path that is already normal (what a parent run
 * propagates) is taken as it is, so pk3s-emit does not load node:path for it.
 */
export function absolutePath(cwd: string, raw: string): string {
  return NORMAL_ABSOLUTE.test(raw) ? raw : path().resolve(cwd, raw);
}
/** "/", or "/"-separated segments none of which is empty, "." or "..". */
const NORMAL_ABSOLUTE = /^\/$|^(?:\/(?!\.{1,2}(?:\/|$))[^/]+)+$/;

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return "";
  }
}

/** Levenshtein distance, for "did you mean" on misspelt variable names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** Warn about TELEMETRY_* variables that are not ours, naming the closest real one. */
function unknownVariables(env: Env, warnings: string[]): void {
  for (const name of Object.keys(env)) {
    if (!name.startsWith("TELEMETRY_") || KNOWN.has(name)) continue;
    let best = "";
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const known of KNOWN) {
      const d = distance(name, known);
      if (d < bestDistance) {
        best = known;
        bestDistance = d;
      }
    }
    const hint = bestDistance <= 3 ? `; did you mean ${best}?` : "";
    warnings.push(`${name} is not a pk3s telemetry variable and is ignored${hint}`);
  }
}

/** TELEMETRY_DEBUG: a yes/no word like TELEMETRY_ENABLED; anything else warns and stays off. */
function parseDebug(raw: string | undefined, warnings: string[]): boolean {
  const parsed = parseBool(raw);
  if (parsed !== "invalid") return parsed === true;
  warnings.push(
    `TELEMETRY_DEBUG must be true/false, 1/0, yes/no or on/off${shown(raw ?? "")}; using the default false`,
  );
  return false;
}

/** Parse the environment. `cwd` makes a relative TELEMETRY_OUTBOX_DIR absolute. */
export function parseSettings(env: Env, cwd: string = process.cwd()): SettingsResult {
  const warnings: string[] = [];
  unknownVariables(env, warnings);
  const outboxRaw = env.TELEMETRY_OUTBOX_DIR?.trim();
  const token = env.TELEMETRY_BEARER_TOKEN?.trim();
  const settings: Settings = {
    enabledRaw: env.TELEMETRY_ENABLED,
    endpoint: parseEndpoint(env, warnings),
    marker: parseHeader(env.TELEMETRY_MARKER, DEFAULT_MARKER, "checkMarker", warnings),
    token: token ? token : null,
    maxRetries: parseField(env, NUMBER_FIELDS.maxRetries, warnings),
    connectTimeoutSeconds: parseField(env, NUMBER_FIELDS.connectTimeoutSeconds, warnings),
    requestTimeoutSeconds: parseField(env, NUMBER_FIELDS.requestTimeoutSeconds, warnings),
    outboxDir: outboxRaw ? absolutePath(cwd, outboxRaw) : defaultOutboxDir(env),
    userAgent: parseHeader(env.TELEMETRY_USER_AGENT, DEFAULT_USER_AGENT, "checkUserAgent", warnings),
    sessionId: parseId(env, "TELEMETRY_SESSION_ID", warnings),
    parentRunId: parseId(env, "TELEMETRY_PARENT_RUN_ID", warnings),
    runId: parseId(env, "TELEMETRY_RUN_ID", warnings),
    debug: parseDebug(env.TELEMETRY_DEBUG, warnings),
    doNotTrack: switchedOn(env.DO_NOT_TRACK),
    configHome: configHome(env),
  };
  if (settings.token && !tokenFitsHeader(settings.token)) warnings.push(TOKEN_UNFIT);
  return { settings, warnings };
}
