// Guard: the final check in docs/privacy-and-telemetry.md › Test artifacts. Before an artifact is written or a request is sent, the
// object (guardValue) or its serialised JSON (guardText) is searched for this machine's own
// identifiers — host name, user name, home directory, interface addresses and MACs, the
// telemetry token — and every occurrence is replaced with its placeholder. sanitize() (sanitize.ts)
// handles the shapes of identifying values; the guard catches the exact values of this machine,
// whatever their shape (a one-word host name, a user name in a file name).
//
// Owns: collecting the identifiers (machineIdentifiers) and replacing them. Nothing here prints
// or returns an identifier's value in a message; an Identifier's `value` is non-enumerable, so
// JSON.stringify, console.log and Bun.inspect of identifiers show only kind and placeholder.
//
// Matching:
//   - home directory and secrets: plain substrings (home case-insensitively);
//   - IP addresses: substrings that are not part of a longer number/address (10.0.0.1 is not
//     replaced inside 10.0.0.15); IPv6 also in its fully expanded form, and without %zone;
//   - MACs: case-insensitive, ":" and "-" forms;
//   - host and user names: whole words, case-insensitively, where a word boundary is anything
//     but a letter or digit (so "alice" is caught in "alice-laptop" and "alice_test").
// Every value is also matched in its JSON-escaped and double-escaped forms (C:\\Users\\bob), and
// a Windows home with "/" separators too, so embedded serialised JSON is covered.
// guardValue first asks a necessary condition without any regex (mayContainIdentifier: some
// variant occurs in the lower-cased string), so a string that cannot hold an identifier costs no
// compilation of the identifier regex; guardValueFully is the same without that pre-check.
// Interface identifiers (addresses and MACs) can only occur in a string with a digit, a ":" or
// five "-" (mayHoldAddress): machineIdentifiers({ addresses: false }) skips reading them for
// such strings.
//
// Dropped identifiers (not identifying, and replacing them would destroy ordinary JSON): values
// shorter than 3 characters; generic host names (localhost …); generic and service user names
// (root, admin, runner, ubuntu, ec2-user, vagrant, nobody … — a default account names no one);
// generic home directories (/, /root, /home, /tmp, C:\); words of this project's own vocabulary
// and placeholder names (k3s, cluster, scenario, host, path …), which appear in every artifact.
// The list is sorted longest first so /home/alice is replaced before alice.
import * as os from "node:os";
import type { Env } from "../util/env.ts";
import { mapDeep } from "../util/walk.ts";
import { GENERIC_ACCOUNTS } from "./accounts.ts";
import type * as Forms from "./identifier-forms.ts";
import type * as Normalise from "./normalise.ts";
import { PLACEHOLDERS, type Placeholder } from "./sanitize.ts";

export type IdentifierKind = "host" | "user" | "home" | "ip" | "mac" | "secret";

export interface Identifier {
  readonly kind: IdentifierKind;
  readonly placeholder: Placeholder;
  /** The identifying value. Non-enumerable: never serialised or printed. */
  readonly value: string;
}

export const IDENTIFIER_PLACEHOLDERS: Readonly<Record<IdentifierKind, Placeholder>> = {
  host: "<host>",
  user: "<user>",
  home: "<path>",
  ip: "<ip>",
  mac: "<mac>",
  secret: "<secret>",
};

const MIN_LENGTH = 3;

/** Words never treated as identifiers (see the header comment). */
export const GENERIC_WORDS: ReadonlySet<string> = new Set([
  // host names
  "localhost",
  "localhost.localdomain",
  "localdomain",
  "ip6-localhost",
  "ip6-loopback",
  "(none)",
  "none",
  "unknown",
  // generic and service accounts (accounts.ts), and words as generic
  ...GENERIC_ACCOUNTS,
  "user",
  "node",
  "default",
  "public",
  "test",
  "build",
  "app",
  "github",
  // this project's vocabulary, which appears in every artifact and event
  "k3s",
  "infra",
  "core",
  "cli",
  "telemetry",
  "scenario",
  "scenarios",
  "cluster",
  "server",
  "agent",
  "master",
  "worker",
  "rancher",
  "longhorn",
  "registry",
  "multipass",
  "onprem",
  "aws",
  "live",
  "static",
  "contract",
  "pass",
  "fail",
  "skip",
  "manual",
  "true",
  "false",
  "null",
  "productive",
  // placeholder names: a machine called "host" or "name" must not break <host> or <name>
  ...PLACEHOLDERS.map((p) => p.slice(1, -1)),
]);

const GENERIC_HOMES: ReadonlySet<string> = new Set([
  "/",
  "/root",
  "/home",
  "/tmp",
  "/var/empty",
  "/nonexistent",
  "c:",
  "c:\\",
  "c:/",
]);

let formsModule: typeof Forms | undefined;

/** identifier-forms.ts: loaded when interfaces are read or identifier patterns are built. */
function forms(): typeof Forms {
  formsModule ??= require("./identifier-forms.ts") as typeof Forms;
  return formsModule;
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** An identifier whose value is hidden from JSON.stringify, console.log and Bun.inspect. */
export function makeIdentifier(kind: IdentifierKind, value: string): Identifier {
  const placeholder = IDENTIFIER_PLACEHOLDERS[kind];
  const id = { kind, placeholder };
  Object.defineProperty(id, "value", { value, enumerable: false });
  Object.defineProperty(id, "toJSON", { value: () => ({ kind, placeholder }), enumerable: false });
  Object.defineProperty(id, INSPECT, {
    value: () => `Identifier(${kind} ${placeholder})`,
    enumerable: false,
  });
  return Object.freeze(id) as Identifier;
}

/** The parts of node:os the guard reads; injectable for tests. */
export interface SystemInfo {
  hostname(): string;
  username(): string;
  homedir(): string;
  networkInterfaces(): Record<
    string,
    ReadonlyArray<{ address: string; family: string | number; internal: boolean; mac?: string }> | undefined
  >;
}

export const nodeSystem: SystemInfo = {
  hostname: () => os.hostname(),
  username: () => os.userInfo().username,
  homedir: () => os.homedir(),
  networkInterfaces: () => os.networkInterfaces(),
};

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** "fe80::1" → "fe80:0:0:0:0:0:0:1"; undefined when not an IPv6 address. */
export function expandIPv6(address: string): string | undefined {
  const halves = address.split("::");
  if (halves.length > 2 || address.includes(".")) return undefined;
  const left = halves[0] ? halves[0].split(":") : [];
  const right = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...left, ...Array<string>(missing).fill("0"), ...right].join(":");
}

/** `path` without its trailing "/" and "\\" characters (what /[\\/]+$/ removes). */
function withoutTrailingSeparators(path: string): string {
  let end = path.length;
  while (end > 0 && (path[end - 1] === "/" || path[end - 1] === "\\")) end--;
  return path.slice(0, end);
}

/**
 * This machine's identifying strings, from node:os and the environment, longest first.
 * Only values are collected; nothing is logged. `addresses: false` leaves out the interface
 * addresses and MACs (without reading the interfaces): enough for strings for which
 * mayHoldAddress() is false.
 */
export function machineIdentifiers(
  env: Env = process.env,
  system: SystemInfo = nodeSystem,
  options: { addresses?: boolean } = {},
): Identifier[] {
  const found: Array<[IdentifierKind, string | undefined]> = [];
  const host = attempt(() => system.hostname());
  found.push(["host", host], ["host", env.HOSTNAME], ["host", env.COMPUTERNAME]);
  for (const name of [host, env.HOSTNAME, env.COMPUTERNAME]) {
    if (name?.includes(".")) found.push(["host", name.slice(0, name.indexOf("."))]);
    if (name?.includes("-")) found.push(["host", name.replaceAll("-", "_")]);
  }
  found.push(
    ["user", attempt(() => system.username())],
    ["user", env.USER],
    ["user", env.LOGNAME],
    ["user", env.USERNAME],
    ["user", env.SUDO_USER],
  );
  for (const home of [attempt(() => system.homedir()), env.HOME, env.USERPROFILE]) {
    if (!home) continue;
    const trimmed = home.length > 1 ? withoutTrailingSeparators(home) : home;
    found.push(["home", trimmed]);
    if (trimmed.includes("\\")) found.push(["home", trimmed.replaceAll("\\", "/")]);
  }
  const interfaces = options.addresses === false ? {} : (attempt(() => system.networkInterfaces()) ?? {});
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      const address = info.address;
      found.push(["ip", address]);
      const bare = address.split("%")[0] ?? "";
      if (bare !== address) found.push(["ip", bare]);
      for (const form of forms().addressForms(bare)) found.push(["ip", form]);
      if (info.mac && !/^(?:0{1,2}[:-]){5}0{1,2}$/.test(info.mac)) {
        for (const form of forms().macForms(info.mac)) found.push(["mac", form]);
      }
    }
  }
  found.push(["secret", env.TELEMETRY_BEARER_TOKEN]);

  const seen = new Set<string>();
  const ids: Identifier[] = [];
  for (const [kind, raw] of found) {
    const value = raw?.trim();
    if (!value || value.length < MIN_LENGTH) continue;
    const folded = value.toLowerCase();
    if (kind !== "secret" && GENERIC_WORDS.has(folded)) continue;
    if (kind === "home" && GENERIC_HOMES.has(folded)) continue;
    if (kind === "ip" && /^(?:127\.|0\.0\.0\.0$|::1?$)/.test(value)) continue;
    const key = `${kind === "secret" ? value : folded}\u0000${kind}`;
    if (seen.has(key)) continue;
    seen.add(key);
    ids.push(makeIdentifier(kind, value));
  }
  return ids.sort((a, b) => b.value.length - a.value.length);
}

// ---------------------------------------------------------------------------------------------
// Matching

/**
 * Could an interface identifier (ip or mac kind) occur in `text`? Every form addressForms() and
 * macForms() write has a digit, a ":", five "-", or — written in hex letters only (aabbccdd,
 * aabb.ccdd.eeff) — a run of 8 or more hex letters with "." allowed inside; their JSON-escaped
 * forms are the same characters. A text a fold could change (not printable ASCII, or with "%")
 * may hide one in a disguise. Otherwise no address or MAC identifier can match in `text`.
 */
export function mayHoldAddress(text: string): boolean {
  let dashes = 0;
  let hexRun = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 48 && code <= 58) || (code === 45 && ++dashes >= 5)) return true; // 0-9 and ":"
    if (code < 32 || code > 126 || code === 37) return true; // a disguise could hide one
    const lower = code | 32;
    if (lower >= 97 && lower <= 102) {
      if (++hexRun >= 8) return true;
    } else if (code !== 46) hexRun = 0;
  }
  return false;
}

interface Compiled {
  readonly size: number;
  readonly re: RegExp | undefined;
  readonly placeholders: readonly Placeholder[];
}

const cache = new WeakMap<readonly Identifier[], Compiled>();

const jsonInner = (s: string) => JSON.stringify(s).slice(1, -1);

function compile(ids: readonly Identifier[]): Compiled {
  const cached = cache.get(ids);
  if (cached && cached.size === ids.length) return cached;
  const entries: Array<{ source: string; length: number; placeholder: Placeholder }> = [];
  const sources = new Set<string>();
  for (const id of ids) {
    const once = jsonInner(id.value);
    for (const variant of new Set([id.value, once, jsonInner(once)])) {
      const source = forms().patternFor(id, variant);
      if (sources.has(source)) continue;
      sources.add(source);
      entries.push({ source, length: variant.length, placeholder: id.placeholder });
    }
  }
  entries.sort((a, b) => b.length - a.length);
  const compiled: Compiled = {
    size: ids.length,
    re: entries.length ? new RegExp(entries.map((e) => `(${e.source})`).join("|"), "g") : undefined,
    placeholders: entries.map((e) => e.placeholder),
  };
  cache.set(ids, compiled);
  return compiled;
}

/** Could normalise()/fold() change `text`? False for printable ASCII without "%", "[", "(", "{", "<". */
export function mayNeedFolding(text: string): boolean {
  return /[^ -$&-~]|[[({<]\s*(?:at|dot)\s*[\])}>]/i.test(text);
}

let normaliseModule: typeof Normalise | undefined;

/** normalise.ts (its look-alike table and regexes), loaded for the first text that needs it. */
function fold(text: string): string {
  normaliseModule ??= require("./normalise.ts") as typeof Normalise;
  return normaliseModule.fold(text);
}

/**
 * replaceIn over `text`, then over its folded form (fold(): NFKC, look-alike letters, percent-
 * escapes, ANSI and invisible characters removed) when that differs; the folded result wins
 * when it found more.
 */
function guardString(text: string, c: Compiled): { text: string; hits: number } {
  const r = replaceIn(text, c);
  if (!mayNeedFolding(r.text)) return r;
  const again = replaceIn(fold(r.text), c);
  return again.hits > 0 ? { text: again.text, hits: r.hits + again.hits } : r;
}

function replaceIn(text: string, c: Compiled): { text: string; hits: number } {
  if (!c.re) return { text, hits: 0 };
  let hits = 0;
  c.re.lastIndex = 0;
  const out = text.replace(c.re, (...args: unknown[]) => {
    hits++;
    for (let i = 0; i < c.placeholders.length; i++) {
      if (args[i + 1] !== undefined) return c.placeholders[i] as string;
    }
    return "<secret>";
  });
  return { text: out, hits };
}

/** The variants compile() matches, lower-cased; null when one is not ASCII (no pre-check then). */
const needleCache = new WeakMap<readonly Identifier[], { size: number; needles: string[] | null }>();

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function needlesOf(ids: readonly Identifier[]): string[] | null {
  const cached = needleCache.get(ids);
  if (cached && cached.size === ids.length) return cached.needles;
  let needles: string[] | null = [];
  for (const id of ids) {
    const once = jsonInner(id.value);
    for (const variant of [id.value, once, jsonInner(once)]) {
      if (!isAscii(variant)) {
        needles = null;
        break;
      }
      needles.push(variant.toLowerCase());
    }
    if (needles === null) break;
  }
  needleCache.set(ids, { size: ids.length, needles });
  return needles;
}

/**
 * The pre-check of guardValue: false only when no identifier can match anywhere in `text`.
 * Every variant compile() turns into a pattern is then ASCII, and its pattern matches only
 * ASCII characters equal to the variant's up to ASCII case (case-insensitive kinds) or exactly
 * (secrets, IPv4); lookarounds only narrow a match. toLowerCase() maps every code point on its
 * own (the context rule of final sigma concerns Σ only, which is not ASCII), so a match m in
 * `text` leaves m.toLowerCase() — the variant lower-cased — inside text.toLowerCase(). When
 * some variant is not ASCII (a case mapping may cross into ASCII: ı, ſ, K), always true.
 */
export function mayContainIdentifier(text: string, ids: readonly Identifier[]): boolean {
  if (mayNeedFolding(text)) return true; // a disguised form: only the full check can tell
  const needles = needlesOf(ids);
  if (needles === null) return true;
  if (needles.length === 0) return false;
  const lower = text.toLowerCase();
  for (const needle of needles) if (lower.includes(needle)) return true;
  return false;
}

/**
 * A deep copy of `value` (arrays and plain objects; other objects are kept as they are) with
 * every occurrence of an identifier in a string value or an object key replaced by its
 * placeholder, and the number of replacements. A number whose decimal form contains an
 * identifier becomes the placeholder string. When two keys become equal, the later one wins.
 * A string for which mayContainIdentifier() is false is kept as it is without running (or
 * compiling) the identifier regex.
 */
export function guardValue<T>(value: T, ids: readonly Identifier[]): { value: T; hits: number } {
  return guardWith(value, ids, true);
}

/** guardValue() without the pre-check: the reference it is tested against. */
export function guardValueFully<T>(value: T, ids: readonly Identifier[]): { value: T; hits: number } {
  return guardWith(value, ids, false);
}

function guardWith<T>(value: T, ids: readonly Identifier[], precheck: boolean): { value: T; hits: number } {
  let c: Compiled | undefined;
  let hits = 0;
  const fix = (s: string): string => {
    if (precheck && !mayContainIdentifier(s, ids)) return s;
    c ??= compile(ids);
    const r = guardString(s, c);
    hits += r.hits;
    return r.text;
  };
  const copy = mapDeep(value, {
    string: fix,
    key: fix,
    number: (n) => {
      const text = String(n);
      const fixed = fix(text);
      return fixed === text ? n : fixed;
    },
  });
  return { value: copy, hits };
}

const STRING_LITERAL_RE = /"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4}))*"/g;
const BARE_TOKEN_RE = /[^\s,:[\]{}"]+/g;

/**
 * guardValue over serialised JSON, keeping its layout: each string literal (keys included) is
 * decoded, guarded and — only when something was replaced — re-encoded; a bare token (a number)
 * containing an identifier becomes the placeholder as a JSON string. Valid JSON in, valid JSON
 * out. The last check before a file is written or a request body is sent.
 */
export function guardText(serialised: string, ids: readonly Identifier[]): { text: string; hits: number } {
  const c = compile(ids);
  if (!c.re) return { text: serialised, hits: 0 };
  let hits = 0;
  const bare = (segment: string): string =>
    segment.replace(BARE_TOKEN_RE, (token) => {
      const r = replaceIn(token, c);
      if (r.hits === 0) return token;
      hits += r.hits;
      return JSON.stringify(r.text);
    });
  let out = "";
  let last = 0;
  STRING_LITERAL_RE.lastIndex = 0;
  for (const m of serialised.matchAll(STRING_LITERAL_RE)) {
    const at = m.index ?? 0;
    out += bare(serialised.slice(last, at));
    const decoded = JSON.parse(m[0]) as string;
    const r = guardString(decoded, c);
    if (r.hits > 0) {
      hits += r.hits;
      out += JSON.stringify(r.text);
    } else out += m[0];
    last = at + m[0].length;
  }
  out += bare(serialised.slice(last));
  return { text: out, hits };
}
