// Privacy: the sanitiser every outside string passes before it reaches an artifact or an event
// (docs/privacy-and-telemetry.md › Test artifacts) — skip reasons, scenario and command names, CI workflow names, cluster.json values,
// PRODUCTIVE_K3S_* values. Pure: no I/O, no environment, no clock; regexes compiled once (in
// rules.ts, when first needed).
//
// sanitize(text) runs, in order:
//   1. clean-up — ANSI escapes (CSI, OSC, DCS/SOS/PM/APC, two-byte ESC) and control characters
//      (C0 incl. NUL/ESC/BEL, DEL, C1, zero-width and bidi marks) are removed; tabs, newlines and
//      every other whitespace run become one space; lone surrogates become U+FFFD; trimmed.
//   2. replacement of identifying values with the placeholders of PLACEHOLDERS (secrets first,
//      then URLs, ARNs, SSH targets / e-mails, MACs, UUIDs, IPs, paths, key-named users and hosts,
//      host names, account ids, high-entropy blobs), repeated until stable so the result is a
//      fixed point: sanitize(sanitize(x)) === sanitize(x).
//   3. a length cap (default 300) applied last, never inside a placeholder; "…" marks a cut.
//
// The host-name rule (isHostName): a dotted token [\w-]+(\.[\w-]+)+ is a host when it is not a
// version (all-numeric labels, or v?N followed by a numeric label), not a well-known public
// domain or technology name (PUBLIC_NAMES), and
//   (a) its last label is a known TLD or infrastructure suffix (HOST_SUFFIXES: com, net, org, io,
//       dev, internal, local, lan, corp, home, arpa, cloud, example, test, localdomain, …) — for
//       the "weak" suffixes that are also file-name words (example, local, test, home, cloud,
//       app, domain) only when no label after the first is a file extension, so
//       values.yaml.example stays,
//   (b) or it has three or more labels, its last label is alphabetic, at least two characters and
//       not a file extension (FILE_EXTENSIONS), no label after the first is a file extension, and
//       it is not a field path or type name (spec.template.spec, Config.spec.replicas,
//       io.k8s.api.apps.v1.DeploymentSpec: a field root first, or a Capitalised or camelCase label).
// So cluster.json, values.yaml, id_ed25519.pub, node.js, v1.30.2+k3s1 and 1.29 stay, while
// db01.local, ip-10-0-0-1.ec2.internal and node-a.corp.example.com become <host>. AWS-style
// dashed names (ip-10-0-0-1) are hosts too. A single-label host name is only recognised from its
// context: user@host, host=/hostname: keys, --host/--node-name flags, "on host X".
//
// Hard cases, decided:
//   - A valid dotted quad is always an IP, even when written as a version ("1.2.3.4" → <ip>);
//     with a leading "v" it is a version ("v1.2.3.4" stays). Addresses that name no machine
//     stay: loopback (127.0.0.1, ::1), 0.0.0.0 and ::, and k3s's defaults (10.42.0.0/16,
//     10.43.0.0/16, 10.43.0.1, 10.43.0.10).
//   - An http(s) URL of a public project's host with no user, port, query or fragment stays
//     (https://get.k3s.io, https://charts.jetstack.io/index.yaml); on hosts whose paths name
//     people (github.com, ghcr.io, docker.io …) only without a path.
//   - user@host is an <email> when host is a dotted name with an alphabetic TLD and nothing
//     suggests SSH; it is an <ssh-target> with an IP, a single-label host, a :port or :path
//     suffix, or an ssh/scp/sftp/rsync word shortly before it. name@version, name@main and
//     x/y@ref (package and action references) stay.
//   - ssh://user@host → <ssh-target>; any other scheme://… (incl. ssh://host) → <url>; file: → <path>.
//     "<host>/…" and "<ip>/…" (a URL without scheme) collapse to <url>.
//   - Unix paths start with "/" at a token boundary; a path continues across a space when the
//     next word contains a "/" (so "/Users/Alice Smith/x" is one path). "~/x", "~name/x",
//     "$VAR/x", "%VAR%\x", "C:\x", "C:/x", "\\server\share" are paths; bare "~name", "$HOME"
//     and relative paths (generated/cluster.json, ./x) stay.
//   - Usernames are only recognisable from context: user=/username:/owner= keys, --user flags,
//     "sudo -u X", "running|logged in|connected as X", "for|as|by user X" (common English words
//     after such a phrase are kept).
//   - Secret-named keys (the key ends in token, secret, password, passwd, pwd, passphrase,
//     api_key/apikey, access_key, private_key, credentials, auth, cookie) keep the key, the
//     separator and any quotes: password=x → password=<secret>, "token":"x" → "token":"<secret>".
//     "Authorization: Basic x" → "Authorization: Basic <secret>", "Bearer x" → "Bearer <secret>".
//   - High-entropy blobs: a run of [A-Za-z0-9+/=_-] of 32+ characters that is hex with 8+
//     distinct digits (a hash, not "aaaa…" or "deadbeef…"), or whose
//     letters and digits (as a whole, or one separator-free stretch of 16+) look random — few
//     characters in word-like runs, or frequent letter/digit alternation — → <secret>. Long
//     hyphenated names and camelCase identifiers stay. A git commit id or an image digest becomes
//     <secret> too: not identifying, but not needed either. The heuristic can miss a random token
//     (about 1 in 1000 for 32 base64 characters); labelled tokens (Bearer, key=, ghp_…) never.
//   - 12-digit numbers (and 4-4-4 dashed) are AWS account ids; UUIDs and AWS resource ids
//     (i-0abc…, vpc-…, subnet-…, sg-…: a known prefix and 8 or 17 hex digits) are <id>.
//   - "user X" / "node X" / "host X" … followed by a verb of state ("is", "not", "cannot",
//     "failed" …) names a user or a machine: "user alice not in sudoers" → "user <user> not …".
//
// Layout: this module is the sanitiser's public face — sanitize(), sanitizeName(),
// the plain-words shortcut and the placeholders. The word lists, the regexes and
// the rule pipeline above live in rules.ts, loaded on first use (a synchronous require(),
// which the bundler keeps lazy): a command whose strings are all plain words (pk3s-emit's names)
// never builds them.

/** Every placeholder sanitize() can produce. */
import type * as FreeText from "./free-text.ts";
import type * as Rules from "./rules.ts";

export const PLACEHOLDERS = [
  "<ip>",
  "<host>",
  "<ssh-target>",
  "<email>",
  "<url>",
  "<path>",
  "<user>",
  "<account-id>",
  "<arn>",
  "<access-key>",
  "<id>",
  "<mac>",
  "<secret>",
  "<name>",
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const DEFAULT_MAX_LENGTH = 300;
/** The marker appended when sanitize() cuts a string. */
export const ELLIPSIS = "…";

export interface SanitizeOptions {
  /** Maximum length before the "…" marker (default 300). */
  maxLength?: number;
}

let rules: typeof Rules | undefined;
let freeText: typeof FreeText | undefined;

/** The rules module, evaluated on the first call that needs it. */
function loadRules(): typeof Rules {
  rules ??= require("./rules.ts") as typeof Rules;
  return rules;
}

/** The free-text model (free-text.ts), evaluated on the first call that needs it. */
function loadFreeText(): typeof FreeText {
  freeText ??= require("./free-text.ts") as typeof FreeText;
  return freeText;
}

/**
 * Returns `text` with control characters and ANSI escapes removed, whitespace collapsed,
 * identifying values replaced by placeholders, and the length capped. Idempotent.
 */
export function sanitize(text: string, options: SanitizeOptions = {}): string {
  if (isPlainWords(text) && text.length <= (options.maxLength ?? DEFAULT_MAX_LENGTH)) return text;
  return sanitizeFully(text, options);
}

/**
 * Lower-case words joined by single hyphens, at most 31 characters ("run-scenario",
 * "multipass", "onprem-basic-arm"): no rule can match such text — no digit, dot, slash, @,
 * colon, "=" or space, shorter than any blob, and not a dashed MAC — so sanitize() returns it
 * without running the rules (the common case for names). A property test checks this against
 * sanitizeFully(). Written as a loop, not a regex, so the first call compiles nothing; it is
 * /^[a-z]+(?:-[a-z]+)*$/ and not /^[a-f]{2}(?:-[a-f]{2}){5}$/ nor a token prefix (a test checks that too).
 */
export function isPlainWords(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 31) return false;
  let wordStart = true; // at the start of a word: a letter must follow
  let macLike = n === 17; // so far of the form ab-cd-ef-… with a-f only
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code === 45) {
      if (wordStart) return false; // "-" first, or "--"
      wordStart = true;
      if (i % 3 !== 2) macLike = false;
    } else if (code >= 97 && code <= 122) {
      wordStart = false;
      if (i % 3 === 2 || code > 102) macLike = false;
    } else return false;
  }
  return !wordStart && !macLike && !hasTokenPrefix(text);
}

/**
 * A word that starts a token format plain words can spell (sk-…, glpat-…, xoxb-…): those go
 * through the rules. It is /(?:^|-)(?:sk|glpat|xox[a-z])-/ (a test checks that too).
 */
function hasTokenPrefix(text: string): boolean {
  const dashed = `-${text}`;
  if (dashed.includes("-sk-") || dashed.includes("-glpat-")) return true;
  for (let i = dashed.indexOf("-xox"); i !== -1; i = dashed.indexOf("-xox", i + 1)) {
    if (dashed[i + 5] === "-" && dashed[i + 4] !== "-") return true;
  }
  return false;
}

/** sanitize() without the plain-words shortcut. */
export function sanitizeFully(text: string, options: SanitizeOptions = {}): string {
  return loadRules().sanitizeFully(text, options);
}

/**
 * Free text — a skip or fail reason, a message: sanitize(), then the free-text model
 * (free-text.ts; docs/privacy-and-telemetry.md › Free text: what is kept): a token stays only
 * when every piece of it is known, any other becomes <name>. The cap falls between words.
 * Idempotent. No plain-words shortcut: a plain word is not necessarily a known one.
 */
export function sanitizeText(text: string, options: SanitizeOptions = {}): string {
  return loadRules().sanitizeFully(text, options, loadFreeText().keepKnownTokens);
}

/** True for a dotted quad whose four numbers are 0–255. */
export function isIPv4(text: string): boolean {
  return loadRules().isIPv4(text);
}

/** True for an IPv6 address (full, "::"-compressed, or with a dotted-quad tail; no zone). */
export function isIPv6(text: string): boolean {
  return loadRules().isIPv6(text);
}

/** The host-name rule of the header comment, for one dotted token. */
export function isHostName(token: string): boolean {
  return loadRules().isHostName(token);
}

/** True for a 32+ character run of token characters that looks like a key, hash or token. */
export function isHighEntropy(run: string): boolean {
  return loadRules().isHighEntropy(run);
}

const NAME_MAX = 64;

/**
 * sanitize(), then reduced to an identifier: [A-Za-z0-9._-] only (other runs become "-"),
 * starting and ending with a letter or digit, at most 64 characters, never empty ("unknown").
 * Alphabetic pieces — an operator's own labels — stay; a piece mixing letters and digits that
 * the free-text model does not know (db01, cx99z) becomes "name" (free-text.ts, knownNamePieces).
 */
export function sanitizeName(text: string): string {
  let out = String(text ?? "");
  // Plain words are their own sanitised, reduced form (letters and single inner hyphens only).
  if (isPlainWords(out)) return out;
  for (let round = 0; round < 4; round++) {
    const next = reduceName(sanitize(out, { maxLength: 1000 }));
    if (next === out) break;
    out = next;
  }
  if (MIXED_PIECE_RE.test(out)) out = loadFreeText().knownNamePieces(out);
  return out === "" ? "unknown" : out;
}

/** A run of letters and digits holding both: only such a name needs the free-text model. */
const MIXED_PIECE_RE = /[A-Za-z]\d|\d[A-Za-z]/;

function reduceName(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, NAME_MAX)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}
