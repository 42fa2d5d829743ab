// Privacy rules: the word lists, regexes and replacement pipeline behind sanitize(), as the
// header of sanitize.ts describes them (clean-up, the replacement rules in order, repeated until
// stable, the length cap). Pure: no I/O, no environment, no clock; regexes compiled once, when
// this module is first loaded — sanitize.ts loads it on the first string that is not plain words.
import { DEFAULT_MAX_LENGTH, ELLIPSIS, PLACEHOLDERS, type SanitizeOptions } from "./sanitize.ts";

const PLACEHOLDER_SET: ReadonlySet<string> = new Set(PLACEHOLDERS);
const BACKTICK = "`";
/** Source of a regex matching any placeholder, for rules that may span earlier replacements. */
const ANY_PLACEHOLDER = `<(?:${PLACEHOLDERS.map((p) => p.slice(1, -1)).join("|")})>`;

// ---------------------------------------------------------------------------------------------
// Word lists

/** Last labels that make a dotted token a host name. */
export const HOST_SUFFIXES: ReadonlySet<string> = new Set([
  // generic TLDs
  "com",
  "net",
  "org",
  "io",
  "dev",
  "app",
  "ai",
  "co",
  "info",
  "biz",
  "edu",
  "gov",
  "mil",
  "int",
  "me",
  "tv",
  "xyz",
  "tech",
  "site",
  "online",
  "cloud",
  "page",
  "onion",
  // country codes that are not common file extensions
  "uk",
  "de",
  "fr",
  "nl",
  "eu",
  "us",
  "ca",
  "au",
  "jp",
  "cn",
  "ru",
  "br",
  "ch",
  "at",
  "se",
  "no",
  "fi",
  "dk",
  "es",
  "it",
  "ie",
  "be",
  "cz",
  "kr",
  "tw",
  "hk",
  "sg",
  "nz",
  "za",
  "mx",
  // infrastructure and private suffixes
  "internal",
  "local",
  "localdomain",
  "domain",
  "localhost",
  "lan",
  "wan",
  "corp",
  "home",
  "arpa",
  "example",
  "test",
  "invalid",
  "intranet",
  "intra",
  "private",
  "priv",
  "lab",
  "office",
  "consul",
  "multipass",
  "lxd",
  "vpn",
  "dmz",
]);

/** Suffixes that are also ordinary file-name words: hosts only without an extension label. */
const WEAK_SUFFIXES: ReadonlySet<string> = new Set([
  "example",
  "local",
  "test",
  "home",
  "cloud",
  "app",
  "domain",
]);

/** File extensions: a dotted token ending in (or containing, after its first label) one of
 * these is a file name, not a host. */
export const FILE_EXTENSIONS: ReadonlySet<string> = new Set([
  "json",
  "jsonl",
  "ndjson",
  "yaml",
  "yml",
  "toml",
  "ini",
  "cfg",
  "conf",
  "config",
  "env",
  "properties",
  "xml",
  "txt",
  "md",
  "rst",
  "adoc",
  "log",
  "csv",
  "tsv",
  "lock",
  "pid",
  "sock",
  "sh",
  "bash",
  "zsh",
  "fish",
  "ps1",
  "bat",
  "cmd",
  "exe",
  "dll",
  "so",
  "dylib",
  "a",
  "o",
  "bin",
  "js",
  "mjs",
  "cjs",
  "ts",
  "mts",
  "cts",
  "tsx",
  "jsx",
  "py",
  "pyc",
  "rb",
  "go",
  "rs",
  "java",
  "kt",
  "c",
  "h",
  "cc",
  "cpp",
  "hpp",
  "cs",
  "pl",
  "pm",
  "php",
  "lua",
  "tf",
  "tfvars",
  "tfstate",
  "hcl",
  "nix",
  "mk",
  "make",
  "service",
  "socket",
  "timer",
  "mount",
  "target",
  "pub",
  "pem",
  "key",
  "crt",
  "cer",
  "csr",
  "der",
  "p12",
  "pfx",
  "jks",
  "kubeconfig",
  "tar",
  "gz",
  "tgz",
  "bz2",
  "xz",
  "zst",
  "zip",
  "7z",
  "rar",
  "deb",
  "rpm",
  "apk",
  "iso",
  "img",
  "qcow2",
  "raw",
  "vmdk",
  "ova",
  "html",
  "htm",
  "css",
  "scss",
  "svg",
  "png",
  "jpg",
  "jpeg",
  "gif",
  "webp",
  "ico",
  "pdf",
  "sql",
  "db",
  "sqlite",
  "bak",
  "backup",
  "old",
  "orig",
  "new",
  "tmp",
  "temp",
  "swp",
  "dist",
  "sample",
  "tpl",
  "tmpl",
  "j2",
  "gotmpl",
  "patch",
  "diff",
  "sum",
  "mod",
  "d",
]);

/** Dotted names that are public (not identifying) or names of technologies, kept as they are. */
export const PUBLIC_NAMES: ReadonlySet<string> = new Set([
  "github.com",
  "gitlab.com",
  "k3s.io",
  "get.k3s.io",
  "docs.k3s.io",
  "rancher.com",
  "cert-manager.io",
  "longhorn.io",
  "docker.io",
  "docker.com",
  "ghcr.io",
  "quay.io",
  "registry.k8s.io",
  "kubernetes.io",
  "opentofu.org",
  "ubuntu.com",
  "productive-k3s.io",
  "asp.net",
  "ado.net",
  "vb.net",
]);

/** Words after "running as", "for user" … that are English, not a user name. */
const NOT_A_NAME: ReadonlySet<string> = new Set([
  "a",
  "an",
  "the",
  "is",
  "was",
  "be",
  "it",
  "not",
  "no",
  "none",
  "null",
  "nil",
  "unknown",
  "unset",
  "set",
  "empty",
  "undefined",
  "true",
  "false",
  "yes",
  "required",
  "missing",
  "invalid",
  "expected",
  "usual",
  "intended",
  "planned",
  "before",
  "normal",
  "needed",
  "well",
  "such",
  "described",
  "shown",
  "above",
  "below",
  "follows",
  "part",
  "input",
  "data",
  "error",
  "name",
  "user",
  "host",
  "id",
  "and",
  "or",
  "in",
  "on",
  "of",
  "to",
  "for",
  "with",
  "from",
  "by",
  "if",
  "when",
  "non-root",
  "configured",
  "found",
  "provided",
  "given",
]);

/** Words after user@ that are references (package@latest, action@main), not hosts. */
const REF_WORDS: ReadonlySet<string> = new Set([
  "latest",
  "main",
  "master",
  "head",
  "stable",
  "next",
  "beta",
  "alpha",
  "canary",
  "edge",
  "nightly",
  "dev",
  "lts",
  "current",
]);

// ---------------------------------------------------------------------------------------------
// Stage 1: clean-up

const ANSI_RE =
  /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?|\x1b[ -/]*[0-~]?/g;
const CONTROL_RE =
  /[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
const SPACE_RE = /[\s\x85]+/g;

function clean(text: string): string {
  return text.toWellFormed().replace(ANSI_RE, "").replace(CONTROL_RE, "").replace(SPACE_RE, " ").trim();
}

// ---------------------------------------------------------------------------------------------
// Stage 2: replacement

type Replacer = (match: string, ...rest: unknown[]) => string;
type Rule = readonly [RegExp, string | Replacer];

/** Callback helpers: the offset and the whole string of a String.replace callback. */
function callbackTail(rest: unknown[]): { offset: number; input: string } {
  // rest = [...groups, offset, input] (no named groups are used in this module)
  return { offset: rest[rest.length - 2] as number, input: rest[rest.length - 1] as string };
}

const TRAILING_PUNCT_RE = /[.,;:!?'")\]}]+$/;
/** Replaces a match by `placeholder`, giving back trailing sentence punctuation. */
function keepTrailing(match: string, placeholder: string): string {
  const tail = TRAILING_PUNCT_RE.exec(match)?.[0] ?? "";
  if (tail.length === match.length) return match;
  return placeholder + tail;
}

// -- secrets ----------------------------------------------------------------------------------

const PEM_RE = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*-----|$)/g;
const AUTHORIZATION_RE =
  /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest|negotiate|ntlm|apikey|aws4-hmac-sha256)\s+)?([^\s"',;]+)/gi;
const BEARER_WORDS =
  "token|tokens|auth|authentication|authorization|header|scheme|is|was|not|missing|required|set";
const BEARER_RE = new RegExp(
  `\\b(bearer)\\s+(?!(?:${BEARER_WORDS})(?:[\\s,;:)]|\\.(?:\\s|$)|$))[A-Za-z0-9._~+/=-]+`,
  "gi",
);
const SECRET_WORD =
  "(?:token|secret|password|passwd|passphrase|pwd|api[_-]?key|access[_-]?key|private[_-]?key|secret[_-]?key|credentials?|auth|cookie)s?";
// key (ending in a secret word), optional closing quote, separator, value (quoted or bare)
const SECRET_KV_RE = new RegExp(
  `(?<![A-Za-z0-9_.-])(-{0,2}[A-Za-z0-9_.-]*?${SECRET_WORD})(["']?\\s*[:=]\\s*)("(?:[^"\\\\]|\\\\.)*"?|'[^']*'?|[^\\s,;&"'<>)\\]}]+)`,
  "gi",
);
const SECRET_FLAG_RE = new RegExp(
  `(?<![\\w-])(--?[A-Za-z0-9-]*${SECRET_WORD})\\s+(?![-<])("[^"]*"?|'[^']*'?|[^\\s,;&"'<>)\\]}]+)`,
  "gi",
);
const TOKEN_FORMAT_RE = new RegExp(
  [
    String.raw`\bgh[pousr]_[A-Za-z0-9]{20,255}\b`,
    String.raw`\bgithub_pat_[A-Za-z0-9_]{20,255}\b`,
    String.raw`\bglpat-[A-Za-z0-9_-]{20,}`,
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`,
    String.raw`\bsk_(?:live|test)_[A-Za-z0-9]{16,}`,
    String.raw`\bnpm_[A-Za-z0-9]{36}\b`,
    String.raw`\bAIza[0-9A-Za-z_-]{35}`,
    String.raw`\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}`,
    String.raw`\bK10[0-9a-fA-F]{32,}(?:::[A-Za-z]+:[A-Za-z0-9]+)?`,
  ].join("|"),
  "g",
);
const ACCESS_KEY_RE = /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b/g;

function replaceSecretKv(_m: string, key: string, sep: string, value: string): string {
  const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : "";
  return `${key}${sep}${quote}<secret>${quote}`;
}

// -- URLs, ARNs, SSH targets, e-mails ------------------------------------------------------------

// the rest may hold placeholders already put in by the secret rules (?token=<secret>)
const URL_RE = new RegExp(
  String.raw`\b([A-Za-z][A-Za-z0-9+.-]{1,15}):\/\/((?:[^\s"'<>${BACKTICK}]|${ANY_PLACEHOLDER})*)`,
  "g",
);
const SSH_SCHEMES: ReadonlySet<string> = new Set(["ssh", "sftp", "scp", "rsync", "git+ssh", "ssh+git"]);

function replaceUrl(match: string, scheme: string, rest: string): string {
  if (rest === "") return match;
  const s = scheme.toLowerCase();
  if (s === "file") return keepTrailing(match, "<path>");
  const authority = rest.split("/", 1)[0] ?? "";
  if (SSH_SCHEMES.has(s) && authority.includes("@")) return keepTrailing(match, "<ssh-target>");
  return keepTrailing(match, "<url>");
}

const ARN_RE = /\barn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(?:\d{12}|aws)?:[^\s"'<>,;]+/gi;

const AT_RE =
  /(?<![\w.%+@-])([\w.%+-]+)@(\[[0-9A-Fa-f:.]+(?:%[\w.-]+)?\]|[A-Za-z0-9_](?:[\w.-]*[A-Za-z0-9_])?)((?::[^\s"'<>,;()[\]{}]*)?)/g;
const SSH_CONTEXT_RE = /\b(?:ssh|scp|sftp|rsync|mosh|ssh-copy-id|ansible)\b/i;
const CLAUSE_END_RE = /[<>@]|[,;.:)|\]]$/;

/** Up to five words before `offset`, stopping at a clause end, a placeholder or another target. */
function precedingWords(input: string, offset: number): string {
  const words = input.slice(Math.max(0, offset - 80), offset).split(" ");
  words.pop(); // the part glued to the match
  const kept: string[] = [];
  for (let i = words.length - 1; i >= 0 && kept.length < 5; i--) {
    const word = words[i] ?? "";
    if (CLAUSE_END_RE.test(word)) break;
    kept.push(word);
    if (/^[([]/.test(word)) break;
  }
  return kept.join(" ");
}
const VERSION_LIKE_RE = /^v?\d+(?:\.\d+)*(?:[-+][\w.-]*)?$/i;
const DIGEST_RE = /^(?:sha\d+|md5|blake\d*)$/i;

function replaceAt(match: string, ...rest: unknown[]): string {
  const [, domain, suffix] = rest as [string, string, string];
  const { offset, input } = callbackTail(rest);
  if (input[offset - 1] === "/") return match; // actions/checkout@v4, @scope/pkg@1.2.3
  const bracketed = domain.startsWith("[");
  const lower = domain.toLowerCase();
  if (!bracketed) {
    if (VERSION_LIKE_RE.test(domain) && !isIPv4(domain)) return match;
    if (REF_WORDS.has(lower)) return match;
    if (DIGEST_RE.test(domain) && suffix.startsWith(":")) return match;
  }
  // what follows the colon: a port, a path (scp), or nothing we take
  let tail = "";
  let taken = "";
  if (suffix.length > 1) {
    const body = suffix.slice(1);
    const trimmed = body.replace(TRAILING_PUNCT_RE, "");
    if (trimmed.length > 0) {
      taken = `:${trimmed}`;
      tail = body.slice(trimmed.length);
    } else tail = suffix;
  } else tail = suffix;
  const context = precedingWords(input, offset);
  const labels = lower.split(".");
  const last = labels[labels.length - 1] ?? "";
  const sshy =
    bracketed ||
    isIPv4(domain) ||
    labels.length < 2 ||
    taken !== "" ||
    SSH_CONTEXT_RE.test(context) ||
    !/^[a-z]{2,}$/.test(last);
  return (sshy ? "<ssh-target>" : "<email>") + tail;
}

// -- MACs, UUIDs, IPs --------------------------------------------------------------------------

const MAC_RE =
  /(?<![0-9A-Fa-f:.-])(?:[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![0-9A-Fa-f]|[:.-][0-9A-Fa-f])/g;
const UUID_RE =
  /(?<![0-9A-Fa-f])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f])/g;
const IPV6_BRACKETED_RE = /\[([0-9A-Fa-f:.]+)(%[\w.-]+)?\](?::\d{1,5}(?!\d))?/g;
const IPV6_RE =
  /(?<![\w:.%])((?:[0-9A-Fa-f]{0,4}:){2,9}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?)(%[\w.-]+)?(\/\d{1,3}(?!\d))?(?![\w:]|\.\d)/g;
const IPV4_RE =
  /(?<![0-9.])(?<![vV])(\d{1,3}(?:\.\d{1,3}){3})(\/\d{1,2}(?!\d))?(:\d{1,5}(?!\d))?(?![0-9]|\.[0-9])/g;
const IPV4_EXACT_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP_RE = /^[0-9A-Fa-f]{1,4}$/;

/** True for a dotted quad whose four numbers are 0–255. */
export function isIPv4(text: string): boolean {
  const m = IPV4_EXACT_RE.exec(text);
  return m?.slice(1).every((n) => Number(n) <= 255) ?? false;
}

/** True for an IPv6 address (full, "::"-compressed, or with a dotted-quad tail; no zone). */
export function isIPv6(text: string): boolean {
  let s = text;
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (v4) {
    if (!isIPv4(v4[2] ?? "")) return false;
    s = `${v4[1]}0:0`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return false;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  let all: string[];
  if (halves.length === 2) {
    all = [...groups(halves[0] ?? ""), ...groups(halves[1] ?? "")];
    if (all.length > 7) return false;
  } else {
    all = s.split(":");
    if (all.length !== 8) return false;
  }
  if (!all.every((g) => HEX_GROUP_RE.test(g))) return false;
  // "a::b" or "dead::beef" in prose are not addresses worth the risk of mangling text
  return /\d/.test(text) || all.length >= 3 || (text.startsWith("::") && all.length > 0);
}

function replaceIPv6(match: string, address: string): string {
  if (isIPv6(address)) return "<ip>";
  // "fe80::1: no route" — the colon ends a clause, it is not part of the address
  if (address.endsWith(":") && match === address && isIPv6(address.slice(0, -1))) return "<ip>:";
  return match;
}

function replaceIPv4(match: string, ip: string): string {
  return isIPv4(ip) ? "<ip>" : match;
}

// -- paths --------------------------------------------------------------------------------------

const PATH_CHARS = String.raw`(?:[^\s"'<>|;,()[\]{}*?${BACKTICK}]|${ANY_PLACEHOLDER})`;
const PATH_WORD = String.raw`[^\s/"'<>|;,()[\]{}*?${BACKTICK}]`;
const WIN_SEG = String.raw`[^\\/\s"'<>|*?:]`;
const WINDOWS_PATH_RE = new RegExp(
  String.raw`(?<![A-Za-z0-9])[A-Za-z]:[\\/]+(?:${WIN_SEG}+(?: +${WIN_SEG}+)*[\\/]+)*${WIN_SEG}*`,
  "g",
);
const UNC_PATH_RE = /(?<![\w\\])\\\\[A-Za-z0-9._$-]+(?:\\[^\\/\s"'<>|*?]*)+/g;
const ENV_PATH_RE = new RegExp(
  String.raw`(?<![\w$%])(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|%[A-Za-z_][A-Za-z0-9_()]*%)[\\/]${PATH_CHARS}*`,
  "g",
);
const HOME_PATH_RE = new RegExp(String.raw`(?<![\w.~$%/\\-])~[A-Za-z0-9._-]*/${PATH_CHARS}*`, "g");
const UNIX_PATH_RE = new RegExp(
  String.raw`(?<![\w.~$%/\\<-])(?<!<(?:ip|host)>)/(?=[\w.~@%+-])${PATH_CHARS}*(?: +${PATH_WORD}+/${PATH_CHARS}*)*`,
  "g",
);

function replacePath(match: string): string {
  return keepTrailing(match, "<path>");
}

// -- user and host names known from their context ------------------------------------------------

const NAME_VALUE = String.raw`(?![<-])(?=[\w.$-]*[A-Za-z])[A-Za-z0-9_][\w.$-]*`;
const USER_KEY =
  "(?:user|username|user_name|user-name|userid|user_id|login|logname|owner|remote_user|ansible_user|account_name|principal)";
const HOST_KEY =
  "(?:host|hostname|host_name|host-name|fqdn|nodename|node_name|node-name|server_name|server-name|servername|computername|machine|machine_name)";

function keyValueRe(key: string, value: string): RegExp {
  return new RegExp(
    String.raw`(?<![A-Za-z0-9_.-])(-{0,2}(?:[A-Za-z0-9]+[_.-])*${key})(["']?\s*[:=]\s*)(["']?)(${value})`,
    "gi",
  );
}
const USER_KV_RE = keyValueRe(USER_KEY, NAME_VALUE);
const HOST_KV_RE = keyValueRe(HOST_KEY, NAME_VALUE);
const SSH_TARGET_KV_RE = keyValueRe("ssh[_-]?target", `(?![<"'])[^\\s,;"'<>)\\]}]+`);
const USER_FLAG_RE = new RegExp(
  String.raw`(?<![\w-])(--(?:[a-z0-9]+-)*user(?:name)?|--login|--owner)\s+(${NAME_VALUE})`,
  "gi",
);
const HOST_FLAG_RE = new RegExp(
  String.raw`(?<![\w-])(--(?:[a-z0-9]+-)*(?:host|hostname|node-name|server-name))\s+(${NAME_VALUE})`,
  "gi",
);
const SUDO_RE = new RegExp(String.raw`\b(sudo\s+-u)\s+(${NAME_VALUE})`, "gi");
const AS_USER_RE = new RegExp(
  String.raw`\b((?:running|run|runs|logged\s+in|log\s+in|login|connected|connecting|connect|authenticated|signed\s+in|executing|executed)\s+as(?:\s+user)?)\s+(["']?)(${NAME_VALUE})\2`,
  "gi",
);
const FOR_USER_RE = new RegExp(String.raw`\b((?:for|as|by|of)\s+user)\s+(["']?)(${NAME_VALUE})\2`, "gi");
const ON_HOST_RE = new RegExp(
  String.raw`\b((?:on|to|from|at|via|reach)\s+host)\s+(["']?)(${NAME_VALUE})\2`,
  "gi",
);

/**
 * "user alice not in sudoers", "node k3s-node-1 is unreachable": a user or machine named
 * before a verb of state. Common nouns that follow these words ("node count is 3") stay.
 */
const SUBJECT_RE = new RegExp(
  String.raw`\b(user|host|node|server|machine|instance|vm)\s+(["']?)(${NAME_VALUE})\2(?=\s+(?:is|was|isn't|wasn't|not|does|doesn't|did|didn't|has|had|hasn't|cannot|can't|could|lacks|missing|denied|unreachable|unknown|already|refused|failed|timed))`,
  "gi",
);
const SUBJECT_NOUNS: ReadonlySet<string> = new Set(
  "count pool group groups name names list port ports status state type key keys data input output agent agents server role roles label labels selector ready image size version config configuration token password account home directory id ids".split(
    " ",
  ),
);
function replaceSubject(match: string, ...rest: unknown[]): string {
  const [word, quote, value] = rest as [string, string, string];
  if (!nameOk(value) || SUBJECT_NOUNS.has(value.toLowerCase())) return match;
  return `${word} ${quote}${word.toLowerCase() === "user" ? "<user>" : "<host>"}${quote}`;
}

/** AWS resource ids: i-0abc…, vpc-…, subnet-…, sg-…, vol-…, ami-…, snap-… (8 or 17 hex). */
const CLOUD_RESOURCE_RE =
  /(?<![\w-])(?:i|vpc|subnet|sg|vol|ami|eni|snap|igw|nat|rtb|acl|eipalloc|eipassoc|lt|tgw|vpce|pcx|dopt|vgw|cgw|r)-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![\w-])/gi;

function nameOk(name: string): boolean {
  return !NOT_A_NAME.has(name.toLowerCase());
}

function kvReplacer(placeholder: string): Replacer {
  return (match, ...rest) => {
    const [key, sep, quote, value] = rest as [string, string, string, string];
    if (!nameOk(value) || PUBLIC_NAMES.has(value.toLowerCase())) return match;
    return `${key}${sep}${quote}${placeholder}`;
  };
}

function phraseReplacer(placeholder: string, quoted: boolean): Replacer {
  return (match, ...rest) => {
    const lead = rest[0] as string;
    const quote = quoted ? (rest[1] as string) : "";
    const value = (quoted ? rest[2] : rest[1]) as string;
    if (!nameOk(value)) return match;
    return `${lead} ${quote}${placeholder}${quote}`;
  };
}

// -- host names --------------------------------------------------------------------------------

const DOTTED_RE = /(?<![\w.@-])[\w-]+(?:\.[\w-]+)+/g;
const DASHED_IP_HOST_RE = /(?<![\w.-])ip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}(?![\w-])/gi;
const LABEL_RE = /^[A-Za-z0-9_](?:[\w-]*[A-Za-z0-9_])?$/;
const NUMERIC_RE = /^\d+$/;

/** The host-name rule of the header comment, for one dotted token. */
export function isHostName(token: string): boolean {
  const labels = token.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL_RE.test(l))) return false;
  if (labels.every((l) => NUMERIC_RE.test(l))) return false;
  const first = labels[0] ?? "";
  const second = labels[1] ?? "";
  if (/^v?\d+$/i.test(first) && /^\d/.test(second)) return false; // a version
  if (PUBLIC_NAMES.has(token.toLowerCase())) return false;
  const lower = labels.map((l) => l.toLowerCase());
  const last = lower[lower.length - 1] ?? "";
  const extensionInside = lower.slice(1, -1).some((l) => FILE_EXTENSIONS.has(l));
  if (HOST_SUFFIXES.has(last)) return !(WEAK_SUFFIXES.has(last) && extensionInside);
  return (
    labels.length >= 3 &&
    /^[a-z][a-z0-9-]*[a-z0-9]$/.test(last) &&
    !FILE_EXTENSIONS.has(last) &&
    !extensionInside
  );
}

function replaceDotted(match: string): string {
  // leading or trailing dashes and underscores (--flag.example.com) are not part of the name
  const lead = /^[-_]*/.exec(match)?.[0] ?? "";
  const trail = /[-_]*$/.exec(match.slice(lead.length))?.[0] ?? "";
  const name = match.slice(lead.length, match.length - trail.length);
  return isHostName(name) ? `${lead}<host>${trail}` : match;
}

const HOSTED_PATH_RE = /<(?:host|ip)>(?::\d{1,5})?\/[^\s"'<>]*/g;

// -- account ids and high-entropy blobs ------------------------------------------------------------

const ACCOUNT_RE = /(?<!\d)\d{12}(?!\d)|(?<![\d-])\d{4}-\d{4}-\d{4}(?![\d-])/g;
const BLOB_RE = /(?<![\w+/=-])[A-Za-z0-9+/_=-]{32,}/g;
const HEX_RE = /^[0-9A-Fa-f]+$/;

const WORDY_RE = /[A-Z]?[a-z]{3,}|[A-Z]{4,}/g;

/**
 * True when letters and digits look random rather than like words: few characters sit in
 * word-like runs (Capitalised or lower-case runs of 4+), or letters and digits alternate often.
 */
function randomLooking(stretch: string): boolean {
  if (stretch.length < 16) return false;
  const lower = /[a-z]/.test(stretch);
  const upper = /[A-Z]/.test(stretch);
  const digit = /\d/.test(stretch);
  if (!(lower || upper)) return false;
  let wordyChars = 0;
  for (const m of stretch.matchAll(WORDY_RE)) wordyChars += m[0].length;
  const wordy = wordyChars / stretch.length;
  let changes = 0;
  for (let i = 1; i < stretch.length; i++) {
    const a = stretch.charCodeAt(i - 1);
    const b = stretch.charCodeAt(i);
    if (a >= 48 && a <= 57 ? !(b >= 48 && b <= 57) : b >= 48 && b <= 57) changes++;
  }
  const changeRate = changes / (stretch.length - 1);
  if (lower && upper && digit) return wordy < 0.75 || changeRate >= 0.3;
  if (digit) return changeRate >= 0.2 || wordy < 0.45;
  if (lower && upper) return wordy < 0.8;
  return false;
}

/** True for a 32+ character run of token characters that looks like a key, hash or token. */
export function isHighEntropy(run: string): boolean {
  if (run.length < 32) return false;
  if (HEX_RE.test(run)) return new Set(run.toLowerCase()).size >= 8;
  if (randomLooking(run.replace(/[-_.+/=]+/g, ""))) return true;
  return run.split(/[-_.+/=]+/).some(randomLooking);
}

function replaceBlob(match: string): string {
  return isHighEntropy(match) ? "<secret>" : match;
}

// ---------------------------------------------------------------------------------------------
// The pipeline, in order (see the header comment)

const RULES: readonly Rule[] = [
  [PEM_RE, "<secret>"],
  [
    AUTHORIZATION_RE,
    (_m, ...rest) => {
      const [key, sep, scheme] = rest as [string, string, string | undefined];
      return `${key}${sep}${scheme ? `${scheme} ` : ""}<secret>`;
    },
  ],
  [BEARER_RE, (_m, ...rest) => `${rest[0] as string} <secret>`],
  [TOKEN_FORMAT_RE, "<secret>"],
  [ACCESS_KEY_RE, "<access-key>"],
  [SECRET_KV_RE, replaceSecretKv as Replacer],
  [
    SECRET_FLAG_RE,
    (_m, ...rest) => {
      const [flag, value] = rest as [string, string];
      const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : "";
      return `${flag} ${quote}<secret>${quote}`;
    },
  ],
  [URL_RE, replaceUrl as Replacer],
  [ARN_RE, (m) => keepTrailing(m, "<arn>")],
  [SSH_TARGET_KV_RE, (_m, ...rest) => `${rest[0]}${rest[1]}${rest[2]}<ssh-target>`],
  [AT_RE, replaceAt],
  [MAC_RE, "<mac>"],
  [UUID_RE, "<id>"],
  [CLOUD_RESOURCE_RE, "<id>"],
  [IPV6_BRACKETED_RE, (m, ...rest) => (isIPv6(rest[0] as string) ? "<ip>" : m)],
  [IPV6_RE, replaceIPv6 as Replacer],
  [IPV4_RE, replaceIPv4 as Replacer],
  [WINDOWS_PATH_RE, replacePath],
  [UNC_PATH_RE, replacePath],
  [ENV_PATH_RE, replacePath],
  [HOME_PATH_RE, replacePath],
  [UNIX_PATH_RE, replacePath],
  [USER_KV_RE, kvReplacer("<user>")],
  [HOST_KV_RE, kvReplacer("<host>")],
  [USER_FLAG_RE, phraseReplacer("<user>", false)],
  [HOST_FLAG_RE, phraseReplacer("<host>", false)],
  [SUDO_RE, phraseReplacer("<user>", false)],
  [AS_USER_RE, phraseReplacer("<user>", true)],
  [FOR_USER_RE, phraseReplacer("<user>", true)],
  [ON_HOST_RE, phraseReplacer("<host>", true)],
  [SUBJECT_RE, replaceSubject as Replacer],
  [DOTTED_RE, replaceDotted],
  [DASHED_IP_HOST_RE, "<host>"],
  [HOSTED_PATH_RE, "<url>"],
  [ACCOUNT_RE, "<account-id>"],
  [BLOB_RE, replaceBlob],
];

function replaceAll(text: string): string {
  let out = text;
  for (const [re, replacement] of RULES) {
    re.lastIndex = 0;
    out = typeof replacement === "string" ? out.replace(re, replacement) : out.replace(re, replacement);
  }
  return out;
}

/** Cuts to `max` characters plus "…", never inside a placeholder or a surrogate pair. */
function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  const open = text.lastIndexOf("<", cut - 1);
  if (open !== -1) {
    const close = text.indexOf(">", open);
    if (close >= cut && PLACEHOLDER_SET.has(text.slice(open, close + 1))) cut = open;
  }
  return text.slice(0, cut).trimEnd() + ELLIPSIS;
}

/** sanitize() without the plain-words shortcut. */
export function sanitizeFully(text: string, options: SanitizeOptions = {}): string {
  const requested = options.maxLength;
  const max =
    typeof requested === "number" && Number.isFinite(requested) && requested >= 1
      ? Math.floor(requested)
      : DEFAULT_MAX_LENGTH;
  let out = replaceAll(clean(String(text ?? "")));
  // replacement and cutting until nothing changes: a cut can end a token early (a 13-digit
  // number becomes a 12-digit one), so the cut text passes the rules once more
  for (let round = 0; round < 6; round++) {
    const next = cap(replaceAll(out), max);
    if (next === out) break;
    out = next;
  }
  return out;
}
