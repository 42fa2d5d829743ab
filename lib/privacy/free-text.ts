// Free text: the positive model (docs/privacy-and-telemetry.md › Free text: what is kept). After
// the rules have put in their placeholders, a skip or fail reason keeps a token only when every
// piece of it is known: a number (with a unit), a short word or acronym, an English word, a
// vocabulary term, a version piece, a CamelCase or compound word of known parts. Any other token
// — an identifier no rule has a context for — becomes <name>. Names (scenarios, targets) keep
// their alphabetic pieces; only their unknown letter-and-digit pieces go (knownNamePieces).
// Pure, no I/O; the word lists load on the first piece that needs a lookup (words.ts).
import { COUNTED_WORDS, FILE_EXTENSIONS, isPublicName } from "./rules.ts";
import { PLACEHOLDERS } from "./sanitize.ts";
import { isDictionaryWord, isKnownWord, isVocabularyTerm } from "./words.ts";

/** What an unknown token of free text becomes. */
export const NAME_PLACEHOLDER = "<name>";

const PLACEHOLDER_SET: ReadonlySet<string> = new Set(PLACEHOLDERS);
const PLACEHOLDER_RUN_RE = new RegExp(`<(?:${PLACEHOLDERS.map((p) => p.slice(1, -1)).join("|")})>`, "g");

// ---------------------------------------------------------------------------------------------
// Pieces: the alphanumeric runs of a token

/** Counted words whose number names a machine rather than a version (node01, host2): not kept. */
const MACHINE_COUNTED: ReadonlySet<string> = new Set(["node", "host", "server", "vm", "worker", "master"]);

/** Units after a number: durations, sizes, rates, ordinals, multipliers. */
const UNIT_RE =
  /^\d+(?:ns|us|µs|ms|s|sec|secs|m|min|mins|h|hr|hrs|d|w|y|b|k|kb|kib|ki|mb|mib|mi|g|gb|gib|gi|t|tb|tib|ti|p|pb|pib|pi|bps|kbps|mbps|gbps|hz|khz|mhz|ghz|px|x|xx|st|nd|rd|th|c|f|v|w|kw|vcpu|vcpus|cpu|cpus|core|cores|[a-z])$/i;
/** Chained durations: 1m30s, 2h45m, 1h2m3s. */
const DURATION_RE = /^(?:\d+(?:ns|us|ms|h|m|s|d))+$/i;
/** Version pieces: v1, v1beta1, v2alpha3, rc1, beta2. */
const VERSION_PIECE_RE = /^(?:v\d+(?:(?:alpha|beta|rc)\d*)?|(?:rc|alpha|beta|pre|dev|build|patch|r)\d+)$/i;
/** A word followed by a number: python3, http2, sha256, k3s1, arm64. */
const WORD_NUMBER_RE = /^([A-Za-z][A-Za-z0-9]*?[A-Za-z])(\d+)$|^([A-Za-z])(\d+)$/;
/**
 * Devices, interfaces and release tags, numbered the way the kernel and distributions number
 * them (not how machines are named): sda1, nvme0n1p2, vda2, md0, dm-0's dm0, loop0, lo0, en0,
 * eth1, ens3, enp0s3, wlan0, br0, veth0, wg0, bond0, tty1, ttyS0, cpu0, numa0, el9, fc39.
 */
const DEVICE_RE =
  /^(?:(?:sd|hd|vd|xvd)[a-z]{1,2}|nvme\d+n|mmcblk|md|dm|loop|nbd|rbd|lo|en|eth|ens|eno|enp\d+s|wlan|wlp\d+s|br|veth|tun|tap|wg|bond|vlan|tty|ttys|pts|cpu|numa|gpu|card|el|fc)\d+(?:p\d+)?$/;
/** A number followed by a word (and a number): 3nodes, 2replicas, Debian's 1ubuntu1. */
const NUMBER_WORD_RE = /^\d+([A-Za-z]{3,})\d*$/;
/** Letters of the scripts the English dictionary judges, and those that can pass for them. */
const JUDGED_LETTER_RE = /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]/u;
/** Common endings a known word takes (not -r after a final e: olive+r, home+r are names). */
const SUFFIXES = ["s", "es", "ed", "d", "ing", "er", "ers"] as const;
/** The parts of a CamelCase word: Crash|Loop|Back|Off, OOM|Killed, K8s|Version. */
const CAMEL_PART_RE = /[A-Z]{2,}(?=[A-Z][a-z]|\d|$)|[A-Z]?[a-z]+|[A-Z]+|\d+/g;

/** A word of the lists, a counted word (python, phase) or a file extension (yaml). */
function isTerm(lower: string): boolean {
  return COUNTED_WORDS.has(lower) || FILE_EXTENSIONS.has(lower) || isKnownWord(lower);
}

function isWordOrInflected(lower: string): boolean {
  if (isTerm(lower)) return true;
  for (const suffix of SUFFIXES) {
    // a base of 3 letters takes only -s, -es, -d, -ed (pods, vms): and+ers is no word
    const base = lower.length - suffix.length;
    if (base < (suffix.length <= 2 && suffix !== "er" ? 3 : 4)) continue;
    if (lower.endsWith(suffix) && isTerm(lower.slice(0, base))) return true;
  }
  // a final y becomes i before an ending: verifier, proxies, retried (verify, proxy, retry)
  const yEnding = /^([a-z]{3,})i(?:es|ed|er|ers)$/.exec(lower);
  return yEnding !== null && isTerm(`${yEnding[1]}y`);
}

/** Two or more known words of 3+ letters each, run together: timeout, webhook, loadbalancer. */
function isCompound(lower: string): boolean {
  const n = lower.length;
  if (n < 6 || n > 40 || !/^[a-z]+$/.test(lower)) return false;
  // words[i]: the most known words the first i letters split into (0: no split; the empty
  // prefix is a split of no words, marked -1)
  const words: number[] = new Array(n + 1).fill(0);
  words[0] = -1;
  for (let end = 3; end <= n; end++) {
    for (let start = 0; start <= end - 3; start++) {
      const before = words[start] ?? 0;
      if (before === 0 || !isWordOrInflected(lower.slice(start, end))) continue;
      words[end] = Math.max(words[end] ?? 0, before === -1 ? 1 : before + 1);
    }
  }
  return (words[n] ?? 0) >= 2;
}

/** A known term with a version piece or a number glued on: k3s1, rke2r1, ubuntu22. */
function isTermWithVersion(lower: string): boolean {
  for (let i = 2; i < lower.length; i++) {
    const rest = lower.slice(i);
    if (!/^\d+$/.test(rest) && !VERSION_PIECE_RE.test(rest)) continue;
    const term = lower.slice(0, i);
    // rke2r1: a term with a digit of its own and a version piece; k3s1: a counted word and a number
    const termKnown = COUNTED_WORDS.has(term) || (/\d/.test(term) && isVocabularyTerm(term));
    if (termKnown && !MACHINE_COUNTED.has(term) && (/\d/.test(term) ? !/^\d+$/.test(rest) : true))
      return true;
  }
  return false;
}

/** Known without splitting it further: numbers, units, short words, acronyms, words, versions. */
function isKnownSimplePiece(piece: string): boolean {
  if (/^\d+$/.test(piece)) return true;
  // a word in a script without an English dictionary here (日本語): nothing to judge it by
  if (!JUDGED_LETTER_RE.test(piece)) return true;
  if (UNIT_RE.test(piece) || DURATION_RE.test(piece) || VERSION_PIECE_RE.test(piece)) return true;
  if (/^\d+[a-z]{1,2}$/i.test(piece)) return true; // a numbered variant: 802.3ad, 5xx, 10gb
  if (/^[A-Za-z]{1,3}$/.test(piece)) return true; // an abbreviation
  if (/^[A-Z]{1,5}$/.test(piece)) return true; // an acronym
  // an errno name: E and a word (ESTALE, EAGAIN, EEXIST, ETIMEDOUT)
  if (/^E[A-Z]{3,}$/.test(piece) && isWordish(piece.slice(1).toLowerCase())) return true;
  if (/^[A-Z]{2,5}[1-9]$/.test(piece)) return true; // an acronym's version (LUKS2, TPM2), not DC01
  if (/^[A-Z]{2}\d{4}$/.test(piece)) return true; // a linter's rule code (DL3008, SC2086)
  // naïve, café: looked up without their accents
  const accented = piece.toLowerCase();
  const lower = accented.normalize("NFD").replace(/\p{M}+/gu, "");
  if (/\d/.test(lower)) return isKnownAlphanumeric(lower);
  return isWordOrInflected(lower) || isDictionaryWord(accented);
}

/**
 * A lower-case piece of letters and digits: one letter and a number (s1, p99, W1202), a hex literal
 * (0x1f), a device or release tag (sda1, eth0, el9), a term (k3s,
 * arm64 — counted words first, so a scenario name's k3s or v1 needs no list), a word and a
 * number (python3, 3nodes), or a term with a version (k3s1, rke2r1).
 */
function isKnownAlphanumeric(lower: string): boolean {
  // one letter and a number counts something (s1, j3, p99, x2; klog's W1202 is a level and a
  // date): too short to name anyone; a hex literal (0x80070005, an exit or error code; one
  // spelling a private address is the rules' <ip>)
  if (COUNTED_WORDS.has(lower) || /^[a-z]\d{1,4}$|^0x[0-9a-f]{1,8}$/.test(lower)) return true;
  if (DEVICE_RE.test(lower)) return true;
  // a counted word's number is a version or a count (python3, sha256); any other term's may
  // number a machine (gitea01, postgres2): not known
  const counted = WORD_NUMBER_RE.exec(lower);
  const word = counted ? (counted[1] ?? counted[3] ?? "") : "";
  if (counted && !MACHINE_COUNTED.has(word) && COUNTED_WORDS.has(word)) return true;
  if (isVocabularyTerm(lower)) return true;
  const numbered = NUMBER_WORD_RE.exec(lower);
  if (numbered && isWordOrInflected(numbered[1] ?? "")) return true;
  return isTermWithVersion(lower);
}

/** A word with a common prefix: misconfigured, resize, unschedulable, preemptible, uplink. */
const PREFIXES = [
  "re",
  "un",
  "mis",
  "non",
  "pre",
  "de",
  "dis",
  "over",
  "under",
  "sub",
  "auto",
  "multi",
  "up",
  "down",
  "inter",
  "super",
  "micro",
  "hyper",
] as const;

function isPrefixed(lower: string): boolean {
  for (const prefix of PREFIXES) {
    if (
      lower.length >= prefix.length + 3 &&
      lower.startsWith(prefix) &&
      isWordOrInflected(lower.slice(prefix.length))
    )
      return true;
  }
  return false;
}

/** A lower-case run of letters that is a word: as it is, inflected, prefixed or compound. */
function isWordish(lower: string): boolean {
  return isWordOrInflected(lower) || isPrefixed(lower) || isCompound(lower);
}

/** A term, a number and a word: sha256sum, x86info. */
function isTermNumberWord(lower: string): boolean {
  const m = /^([a-z]+)\d+([a-z]{3,})$/.exec(lower);
  if (!m) return false;
  const term = m[1] ?? "";
  return (
    !MACHINE_COUNTED.has(term) && (COUNTED_WORDS.has(term) || isVocabularyTerm(term)) && isWordish(m[2] ?? "")
  );
}

/**
 * CamelCase: every part an acronym, a number or a word (CrashLoopBackOff, OOMKilled,
 * DeadlineExceeded) — not short runs of letters (4Tq9ZxW2mL8p is no word).
 */
function isCamelCase(piece: string): boolean {
  if (!/[a-z]/.test(piece) || !/[A-Z]/.test(piece.slice(1))) return false;
  const parts = piece.match(CAMEL_PART_RE) ?? [];
  if (parts.length < 2 || parts.join("") !== piece) return false;
  // a word of 4+ letters vouches for short parts beside it (MaxSize, PCIe, eBPF), when they are
  // no more than the other parts: Tq9ZxW2mL8p has none, so its short runs of letters stay unknown
  const word = parts.some(
    (part) => part.length >= 4 && /^[A-Za-z]+$/.test(part) && isWordish(part.toLowerCase()),
  );
  let short = 0;
  const known = parts.every((part) => {
    if (/^\d+$/.test(part) || /^[A-Z]{1,5}$/.test(part) || /^[A-Za-z]$/.test(part)) return true;
    if (isWordish(part.toLowerCase())) return true;
    if (!word || !/^[A-Za-z]{2,3}$/.test(part)) return false;
    short++;
    return true;
  });
  return known && short * 2 <= parts.length;
}

/** A piece (letters and digits only) that is no one's identifier (see the header comment). */
export function isKnownPiece(piece: string): boolean {
  if (piece === "" || isKnownSimplePiece(piece)) return true;
  if (!/^[A-Za-z0-9]+$/.test(piece)) return false;
  const lower = piece.toLowerCase();
  return isCamelCase(piece) || isPrefixed(lower) || isCompound(lower) || isTermNumberWord(lower);
}

// ---------------------------------------------------------------------------------------------
// Tokens

/** Dotted names inside a token (a public one is an atom: charts.jetstack.io). */
const DOTTED_RUN_RE =
  /[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/g;
/** ISO dates and times: 2024-05-01, 2024-05-01T12:00:00Z, 12:00:05.123+02:00. */
const DATE_TIME_RE =
  /\d{4}-\d{2}-\d{2}(?:[T_]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?|\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g;
/**
 * A Kubernetes pod name's generated ends: the ReplicaSet hash (with a digit) and the 5-character
 * suffix (coredns-5d78c9869d-x2kqz), the hash alone (a ReplicaSet: coredns-5d78c9869d; 9–10
 * characters, two digits or more) or the
 * suffix alone (svclb-traefik-4hkmz), spelt in the alphabet Kubernetes draws them from (no
 * vowels, no 0, 1, 3).
 */
const POD_TAIL_RE =
  /(?<=[a-z0-9]-)(?:(?=[a-z]*\d)[bcdfghjklmnpqrstvwxz2456789]{6,10}-[a-z0-9]{5}|(?=(?:[a-z]*\d){2})[bcdfghjklmnpqrstvwxz2456789]{9,10}|[bcdfghjklmnpqrstvwxz2456789]{5})(?![A-Za-z0-9-])/g;
/**
 * Cloud instance types and sizes (t4g.small, m5.large, c6i.2xlarge; DigitalOcean's
 * s-2vcpu-4gb) and Google Cloud regions and zones (europe-west1, us-central1-a).
 */
const INSTANCE_TYPE_RE =
  /(?<![A-Za-z0-9])(?:[a-z]{1,3}\d[a-z0-9-]{0,4}\.(?:nano|micro|small|medium|large|\d*xlarge|metal)|[a-z]{1,2}\d?-\d+vcpu-\d+gb(?:-[a-z0-9]+)?|(?:us|europe|asia|northamerica|southamerica|australia|me|africa)-[a-z]+\d{1,2}(?:-[a-z])?)(?![A-Za-z0-9])/g;
/** ls -l's file mode: drwx------, -rw-r--r--. */
const FILE_MODE_RE = /(?<![\w-])[-dlcbps][rwxsStT-]{9}[.+@]?(?![\w-])/g;
const PIECE_SPLIT_RE = /[^\p{L}\p{N}]+/u;

/** A token core with its atoms — placeholders, public names, dates, pod suffixes — blanked. */
function withoutAtoms(core: string): string {
  return core
    .replace(PLACEHOLDER_RUN_RE, " ")
    .replace(DOTTED_RUN_RE, (run) => (isPublicName(run.toLowerCase()) ? " " : run))
    .replace(DATE_TIME_RE, " ")
    .replace(INSTANCE_TYPE_RE, " ")
    .replace(FILE_MODE_RE, " ")
    .replace(POD_TAIL_RE, (tail, offset: number, whole: string) =>
      /[a-z]/.test(whole.slice(0, offset)) ? " " : tail,
    );
}

/**
 * A zero-padded number after a word, joined by "-" or "_" (srv-01-prod, ci_agent_lnx_04-…): how
 * machines and agents are numbered, whatever the words around it. Not after a counted word
 * (phase-01, step_02), an acronym (DNS-01) or a number (ubuntu_22_04).
 */
const PADDED_NUMBER_RE = /(?:^|[-_.])([A-Za-z][A-Za-z0-9]*)[-_]0\d{1,2}(?=$|[-_])/g;
function hasMachineNumber(core: string): boolean {
  for (const m of core.matchAll(PADDED_NUMBER_RE)) {
    const word = m[1] ?? "";
    if (/[a-z]/.test(word) && !COUNTED_WORDS.has(word.toLowerCase())) return true;
  }
  return false;
}

/**
 * A number of 7–11 digits glued to a word (droplet-387114562, cp-41829377): a cloud resource's
 * id. Not a date (20250612) or a Unix time (1718010721), and not a number standing alone.
 */
function isResourceId(pieces: readonly string[]): boolean {
  if (!pieces.some((piece) => /[A-Za-z]/.test(piece))) return false;
  return pieces.some(
    (piece) =>
      /^\d{7,11}$/.test(piece) &&
      !/^(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$/.test(piece) &&
      !/^1\d{9}$/.test(piece),
  );
}

/** A token (without its wrapping punctuation) that stays in free text. */
export function isKnownToken(core: string): boolean {
  if (PLACEHOLDER_SET.has(core)) return true;
  const rest = withoutAtoms(core);
  if (hasMachineNumber(rest)) return false;
  const pieces = rest.split(PIECE_SPLIT_RE);
  return !isResourceId(pieces) && pieces.every((piece) => isKnownPiece(piece));
}

const LEADING = new Set(['"', "'", "`", "(", "[", "{", "<", "*"]);
const TRAILING = new Set(['"', "'", "`", ")", "]", "}", ">", ".", ",", ";", ":", "!", "?", "…", "*"]);

/** [lead, core, trail] of a token: quotes, brackets and sentence punctuation around its core. */
export function splitWrapping(token: string): [string, string, string] {
  let start = 0;
  let end = token.length;
  const placeholderAt = (i: number) => PLACEHOLDERS.some((p) => token.startsWith(p, i));
  const placeholderEndsAt = (i: number) => PLACEHOLDERS.some((p) => token.endsWith(p, i));
  while (start < end && LEADING.has(token[start] ?? "") && !placeholderAt(start)) start++;
  while (end > start && TRAILING.has(token[end - 1] ?? "") && !placeholderEndsAt(end)) end--;
  return [token.slice(0, start), token.slice(start, end), token.slice(end)];
}

/** The free-text stage: every token whose pieces are not all known becomes <name>. */
export function keepKnownTokens(text: string): string {
  return text.replace(/\S+/g, (token) => {
    const [lead, core, trail] = splitWrapping(token);
    return isKnownToken(core) ? token : `${lead}${NAME_PLACEHOLDER}${trail}`;
  });
}

// ---------------------------------------------------------------------------------------------
// Names

/**
 * A sanitised name with each "."/"_"/"-" piece that mixes letters and digits and is not known
 * (db01, cx21, 7f3a9c) replaced by "name"; alphabetic pieces — an operator's own labels — and
 * numbers stay: onprem-db01-smoke → onprem-name-smoke, k3s-ha-3nodes stays.
 */
export function knownNamePieces(name: string): string {
  return name.replace(/[A-Za-z0-9]+/g, (piece) =>
    /[A-Za-z]/.test(piece) && /\d/.test(piece) && !isKnownPiece(piece) ? "name" : piece,
  );
}
