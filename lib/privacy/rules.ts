// Privacy rules: the word lists, regexes and replacement pipeline behind sanitize(), as the
// header of sanitize.ts describes them (clean-up, the replacement rules in order, repeated until
// stable, the length cap). Pure: no I/O, no environment, no clock; regexes compiled once, when
// this module is first loaded — sanitize.ts loads it on the first string that is not plain words.
import { GENERIC_ACCOUNTS } from "./accounts.ts";
import { normalise } from "./normalise.ts";
import { DEFAULT_MAX_LENGTH, ELLIPSIS, PLACEHOLDERS, type SanitizeOptions } from "./sanitize.ts";
import { isKnownWord, isVocabularyTerm } from "./words.ts";

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
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
  "cluster.local",
  "svc.cluster.local",
  "kubernetes.github.io",
  "prometheus-community.github.io",
  "charts.bitnami.com",
  "get.helm.sh",
]);

/**
 * Public projects' domains whose every sub-domain is public too: Kubernetes API groups and label
 * prefixes (node-role.kubernetes.io, certificates.cert-manager.io, helm.cattle.io) and the chart,
 * image and package hosts a version-mismatch message names (charts.jetstack.io, dl.k8s.io).
 * github.com and gitlab.com (api.github.com: their own services) but not github.io or
 * amazonaws.com: their sub-domains name people and buckets.
 */
export const PUBLIC_APEXES: readonly string[] = [
  "github.com",
  "gitlab.com",
  "kubernetes.io",
  "k8s.io",
  "x-k8s.io",
  "k3s.io",
  "cert-manager.io",
  "cattle.io",
  "rancher.io",
  "rancher.com",
  "longhorn.io",
  "jetstack.io",
  "nvidia.com",
  "amd.com",
  "intel.com",
  "traefik.io",
  "containo.us",
  "helm.sh",
  "docker.io",
  "docker.com",
  "ghcr.io",
  "quay.io",
  "gcr.io",
  "coreos.com",
  "metallb.io",
  "cilium.io",
  "projectcalico.org",
  "tigera.io",
  "istio.io",
  "ubuntu.com",
  "canonical.com",
  "debian.org",
  "hashicorp.com",
  "opentofu.org",
  "productive-k3s.io",
  "bitnami.com",
  "npmjs.org",
  "npmjs.com",
  "pypi.org",
  "golang.org",
  "go.dev",
  "nodejs.org",
  "bun.sh",
  "githubusercontent.com",
  "multipass.run",
  "snapcraft.io",
  "opencontainers.org",
  "containerd.io",
  "flannel.io",
  "terraform.io",
];

/** A public name, or a sub-domain of a public apex. */
export function isPublicName(lowerName: string): boolean {
  if (PUBLIC_NAMES.has(lowerName)) return true;
  for (const apex of PUBLIC_APEXES) {
    if (lowerName === apex || lowerName.endsWith(`.${apex}`)) return true;
  }
  return false;
}

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
  /[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
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

// at least three dashes: a reason's leading "-" or ":" may have been cut off
const PEM_RE =
  /(?<!-)-{3,5}BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-{3,5}[\s\S]*?(?:-{3,5}END [A-Z0-9 ]*-{3,5}|$)/g;
const AUTHORIZATION_RE =
  /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest|negotiate|ntlm|apikey|aws4-hmac-sha256)\s+)?([^\s"',;]+)/gi;
const BEARER_WORDS =
  "token|tokens|auth|authentication|authorization|header|scheme|is|was|not|missing|required|set";
const BEARER_RE = new RegExp(
  `\\b(bearer)\\s+(?!(?:${BEARER_WORDS})(?:[\\s,;:)]|\\.(?:\\s|$)|$))[A-Za-z0-9._~+/=-]+`,
  "gi",
);
const SECRET_WORD =
  "(?:token|secret|password|passwd|passphrase|pwd|api[_-]?key|access[_-]?key|private[_-]?key|secret[_-]?key|credentials?|auth|cookie|session)s?";
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
    String.raw`\bsk-(?:proj-|live-|test-|ant-)?[A-Za-z0-9_-]{20,}`,
    String.raw`\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}`,
    String.raw`\bK10[0-9a-fA-F]{32,}(?:::[A-Za-z]+:[A-Za-z0-9]+)?`,
  ].join("|"),
  "g",
);
const ACCESS_KEY_RE = /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b/g;

/** "api token X", "key X": a random-looking value of 16+ characters after a secret word. */
const SECRET_WORD_VALUE_RE =
  /\b(token|key|secret|password|passphrase|apikey|api-key|credential)\s+([A-Za-z0-9_+/=.-]{16,})(?![\w+/=.-])/gi;
function replaceSecretWordValue(match: string, word: string, value: string): string {
  const letters = /[A-Za-z]/.test(value);
  const digits = /\d/.test(value);
  // k3s-airgap-v1.30.2: words, terms and a version, not a secret
  const known = value
    .split(/[-_.]+/)
    .every(
      (piece) =>
        /^(?:v?\d+|k3s\d*|k8s)$/i.test(piece) ||
        (/^[a-z]+$/i.test(piece) && isKnownWord(piece.toLowerCase())),
    );
  return letters &&
    digits &&
    !known &&
    !VERSION_LIKE_RE.test(value) &&
    !/^[a-z]+(?:[-_.][a-z]+)*$/.test(value)
    ? `${word} <secret>`
    : match;
}

/** A standalone @handle (GitHub, Slack): a person, unless it is a group mention or a ref. */
const HANDLE_RE = /(?<![\w@/.<-])@([A-Za-z0-9](?:[A-Za-z0-9.-]{0,38}[A-Za-z0-9])?)(?![\w/@-]|\.\w)/g;
const NOT_HANDLES: ReadonlySet<string> = new Set([
  "here",
  "channel",
  "everyone",
  "latest",
  "main",
  "master",
  "next",
  "types",
]);
function replaceHandle(match: string, name: string): string {
  return NOT_HANDLES.has(name.toLowerCase()) || VERSION_LIKE_RE.test(name) ? match : "<user>";
}

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

/** Public hosts whose paths name people and organisations (github.com/alice, ghcr.io/acme/…). */
const USER_CONTENT_APEXES = [
  "github.com",
  "gitlab.com",
  "githubusercontent.com",
  "bitbucket.org",
  "docker.io",
  "docker.com",
  "ghcr.io",
  "quay.io",
  "gcr.io",
  "npmjs.com",
  "npmjs.org",
  "pypi.org",
];

/**
 * An http(s) URL of a public project's host (isPublicName) with no user, port, query or
 * fragment, and a path only where paths name no one: https://get.k3s.io,
 * https://charts.jetstack.io/index.yaml, https://api.github.com.
 */
function isPublicUrl(scheme: string, rest: string): boolean {
  if (scheme !== "http" && scheme !== "https") return false;
  const trimmed = rest.replace(TRAILING_PUNCT_RE, "");
  if (/[@?#<>]/.test(trimmed)) return false;
  const slash = trimmed.indexOf("/");
  const host = (slash === -1 ? trimmed : trimmed.slice(0, slash)).toLowerCase();
  const path = slash === -1 ? "" : trimmed.slice(slash);
  if (!/^[a-z0-9.-]+$/.test(host) || !isPublicName(host)) return false;
  if (path === "" || path === "/") return true;
  if (!USER_CONTENT_APEXES.some((apex) => host === apex || host.endsWith(`.${apex}`))) return true;
  // github.com/k3s-io/k3s/releases: a public project's own path
  const owner = path.split("/")[1]?.toLowerCase() ?? "";
  return PUBLIC_OWNERS.has(owner) && owner !== "origin" && owner !== "upstream";
}

/**
 * An http(s) URL on this machine's loopback — the k3s API at https://127.0.0.1:6443/version,
 * http://localhost:8080/healthz — with no user, query or fragment and a path of plain segments:
 * it names no machine and no one.
 */
const LOOPBACK_URL_RE =
  /^(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(?::\d{1,5})?(?:\/[A-Za-z0-9._-]*)*$/i;
function isLoopbackUrl(scheme: string, rest: string): boolean {
  return (
    (scheme === "http" || scheme === "https") && LOOPBACK_URL_RE.test(rest.replace(TRAILING_PUNCT_RE, ""))
  );
}

function replaceUrl(match: string, scheme: string, rest: string): string {
  if (rest === "") return match;
  const s = scheme.toLowerCase();
  if (s === "file") return keepTrailing(match, "<path>");
  if (isPublicUrl(s, rest) || isLoopbackUrl(s, rest)) return match;
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
  // actions/checkout@v4, @scope/pkg@1.2.3 — but not folder/olga@acme.com (a Jenkins job name)
  if (input[offset - 1] === "/" && !isHostName(domain)) return match;
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
  /(?<![0-9A-Fa-f:._-])(?:[0-9A-Fa-f]{2}([:_-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![0-9A-Fa-f]|[:.-][0-9A-Fa-f])/g;
/** A MAC as macOS prints it, leading zeros dropped: 0:1a:2b:3c:4d:5e. */
const MAC_SHORT_RE =
  /(?<![0-9A-Fa-f:.-])(?=(?:[0-9A-Fa-f]{1,2}:){5}[0-9A-Fa-f]{1,2}(?![0-9A-Fa-f:]))(?=[^\s]*[A-Fa-f])[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}/g;
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

function replaceIPv6(
  match: string,
  address: string,
  zone: string | undefined,
  mask: string | undefined,
): string {
  if (KEPT_IPV6.has(address + (mask ?? "")) && !zone) return match;
  if (isIPv6(address)) return "<ip>";
  // "fe80::1: no route" — the colon ends a clause, it is not part of the address
  if (address.endsWith(":") && match === address && isIPv6(address.slice(0, -1))) return "<ip>:";
  return match;
}

/**
 * Addresses that name no machine, kept: loopback (127.x.x.x, ::1), the unspecified 0.0.0.0 and
 * ::, and k3s's defaults — the cluster CIDR 10.42.0.0/16, the service CIDR 10.43.0.0/16, the
 * API service 10.43.0.1 and the cluster DNS 10.43.0.10.
 */
const KEPT_IPV4_RE =
  /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\/8)?|0\.0\.0\.0(?:\/0)?|10\.4[23]\.0\.0(?:\/16)?|10\.43\.0\.10?)$/;
const KEPT_IPV6: ReadonlySet<string> = new Set(["::1", "::", "::/0", "::1/128"]);

function replaceIPv4(match: string, ip: string, mask: string | undefined): string {
  if (!isIPv4(ip)) return match;
  return KEPT_IPV4_RE.test(ip + (mask ?? "")) ? match : "<ip>";
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
  String.raw`(?<![\w.~$%/\\<+-])(?<!<(?:ip|host)>)/(?=[\w.~@%+-])${PATH_CHARS}*(?: +${PATH_WORD}+/${PATH_CHARS}*)*`,
  "g",
);

/** Paths of the system itself (devices, kernel, configuration, k3s's own state): not anyone's. */
const SYSTEM_PATH_RE =
  /^\/(?:dev|proc|sys|etc|usr|bin|sbin|lib|lib64|boot|var\/lib\/rancher|var\/lib\/kubelet|var\/log|run\/k3s|opt\/cni)(?:\/[\w.+@:-]+)*\/?[.,;:!?)]*$/;
const USERISH_SEGMENT_RE = /\/(?:home|Users|root|user|users|workspace|jenkins)\b/;

/** "~/.kube/config": this user's home without a name, and only known words after it. */
function isNamelessHomePath(match: string): boolean {
  if (!match.startsWith("~/")) return false;
  const pieces = match
    .slice(2)
    .replace(TRAILING_PUNCT_RE, "")
    .split(/[/._-]+/)
    .filter((piece) => piece !== "");
  return pieces.every(
    (piece) => /^[a-z]{1,3}$/i.test(piece) || (/^[a-z]+$/i.test(piece) && isKnownWord(piece.toLowerCase())),
  );
}

function replacePath(match: string): string {
  if (SYSTEM_PATH_RE.test(match) && !USERISH_SEGMENT_RE.test(match)) return match;
  if (isNamelessHomePath(match)) return match;
  return keepTrailing(match, "<path>");
}

// -- user and host names known from their context ------------------------------------------------

const NAME_VALUE = String.raw`(?![<-])(?=[\w.$-]*[A-Za-z])[A-Za-z0-9_][\w.$-]*`;
const USER_KEY =
  "(?:user|username|user_name|user-name|userid|user_id|login|logname|owner|remote_user|ansible_user|account_name|account\\s+name|principal)";
const HOST_KEY =
  "(?:host|hostname|host_name|host-name|fqdn|nodename|node_name|node-name|server_name|server-name|servername|computername|computer\\s+name|workstation\\s+name|machine|machine_name)";

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
  String.raw`(?<![\w-])(--?(?:[a-z0-9]+-)*user(?:name)?|--?login|--?owner)\s+(${NAME_VALUE})`,
  "gi",
);
const HOST_FLAG_RE = new RegExp(
  String.raw`(?<![\w-])(-{0,2}(?:node-name|server-name|host-name)|--?(?:[a-z0-9]+-)*(?:host|hostname))\s+(${NAME_VALUE})`,
  "gi",
);
const SUDO_RE = new RegExp(String.raw`\b(sudo\s+-u)\s+(${NAME_VALUE})`, "gi");
const AS_USER_RE = new RegExp(
  String.raw`\b((?:running|run|runs|logged\s+in|log\s+in|login|connected|connecting|connect|authenticated|signed\s+in|executing|executed)\s+as:?(?:\s+user)?)\s+(["']?)(${NAME_VALUE})\2`,
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
  String.raw`\b(user|host|node|server|machine|instance|vm)\s+(["']?)(${NAME_VALUE})\2(?=\s+(?:is|was|isn't|wasn't|not|does|doesn't|did|didn't|has|had|hasn't|cannot|can't|could|lacks|missing|denied|unreachable|unknown|already|refused|failed|timed|offline|down|stopped|rebooted|crashed|unhealthy|notready|became|becomes|went|entered|reports|reported|evicted))`,
  "gi",
);
const SUBJECT_NOUNS: ReadonlySet<string> = new Set(
  "count pool group groups name names list port ports status state type key keys data input output agent agents server role roles label labels selector ready image size version config configuration token password account home directory id ids session sessions approval permission permissions quota namespace context settings profile access policy request requests limit limits credentials cert certificate mapping interface process service pod pods network disk memory cpu check join registration provisioning bootstrap upgrade drain mode template".split(
    " ",
  ),
);
/** Endings of English nouns and adjectives (approval, provisioning, readiness …), not names. */
const WORD_ENDING_RE =
  /(?:tion|sion|ment|ness|ity|ance|ence|ing|ship|ure|age|able|ible|ive|ful|less|ous|ed|al)$/i;
/** A token with a digit, "-", "_" or "." inside: shaped like a host name, not a word. */
const IDENTIFIER_SHAPED_RE = /[0-9_.-]/;
function replaceSubject(match: string, ...rest: unknown[]): string {
  const [word, quote, value] = rest as [string, string, string];
  const lower = value.toLowerCase();
  // an English ending counts only for a plain word: kube-admin-zed is a name, "approved" is not
  const shaped = IDENTIFIER_SHAPED_RE.test(value);
  if (!nameOk(value) || SUBJECT_NOUNS.has(lower) || (!shaped && WORD_ENDING_RE.test(lower))) return match;
  // "host values.yaml missing": a file name, not a machine
  if (FILE_EXTENSIONS.has(lower.slice(lower.lastIndexOf(".") + 1)) && lower.includes(".")) return match;
  const isUser = word.toLowerCase() === "user";
  // "server certificate has expired", "node ready failed": a plain word after a machine noun is
  // English; only a quoted or identifier-shaped one names a machine (this machine's own names
  // are the guard's).
  if (!isUser && quote === "" && !shaped) return match;
  return `${word} ${quote}${isUser ? "<user>" : "<host>"}${quote}`;
}

/** AWS resource ids: i-0abc…, vpc-…, subnet-…, sg-…, vol-…, ami-…, snap-… (8 or 17 hex). */
const CLOUD_RESOURCE_RE =
  /(?<![\w-])(?:i|vpc|subnet|sg|vol|ami|eni|snap|igw|nat|rtb|acl|eipalloc|eipassoc|lt|tgw|vpce|pcx|dopt|vgw|cgw|r)-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![\w-])/gi;

/**
 * A value that can be someone's or some machine's name: not English glue (NOT_A_NAME), not an
 * account every machine has, not a term of the vocabulary ("host: multipass", "as kubelet").
 */
function nameOk(name: string): boolean {
  const lower = name.toLowerCase();
  if (NOT_A_NAME.has(lower) || GENERIC_ACCOUNTS.has(lower)) return false;
  // only a plain word is looked up (a shaped one like db01 is no term, and loads no list)
  return !(/^[a-z]+$/.test(lower) && isVocabularyTerm(lower));
}

function kvReplacer(placeholder: string): Replacer {
  return (match, ...rest) => {
    const [key, sep, quote, value] = rest as [string, string, string, string];
    if (!nameOk(value) || isPublicName(value.toLowerCase())) return match;
    // "Apple Silicon host: nested virtualization unavailable": a label after words, then prose
    const { offset, input } = callbackTail(rest);
    const after = input.slice(offset + match.length);
    if (
      /^(?:host|user)$/i.test(key) &&
      /[A-Za-z]\s+$/.test(input.slice(0, offset)) &&
      /^[a-z]+$/.test(value) &&
      isKnownWord(value) &&
      /^\s+[a-z]/.test(after)
    )
      return match;
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
  if (isPublicName(token.toLowerCase())) return false;
  const lower = labels.map((l) => l.toLowerCase());
  const last = lower[lower.length - 1] ?? "";
  const extensionInside = lower.slice(1, -1).some((l) => FILE_EXTENSIONS.has(l));
  if (HOST_SUFFIXES.has(last)) return !(WEAK_SUFFIXES.has(last) && extensionInside);
  return (
    labels.length >= 3 &&
    /^[a-z][a-z0-9-]*[a-z0-9]$/.test(last) &&
    !FILE_EXTENSIONS.has(last) &&
    !extensionInside &&
    !isFieldPath(labels) &&
    !isCodePath(labels)
  );
}

/**
 * First labels of a Kubernetes or configuration field path (spec.template.spec.containers) and
 * of a sysctl key (net.core.somaxconn, net.bridge.bridge-nf-call-iptables).
 */
const FIELD_ROOTS: ReadonlySet<string> = new Set(
  "spec status metadata data stringdata template items containers initcontainers volumes parameters properties values config settings options annotations labels net kernel vm fs".split(
    " ",
  ),
);

/**
 * A field path or a type name rather than a host, for a dotted token without a host suffix:
 * it starts with a field root (spec.selector.matchLabels) or a label is a type name or
 * camelCase (Config.spec.replicas, io.k8s.api.apps.v1.DeploymentSpec) — host names are written
 * in one case.
 */
function isFieldPath(labels: readonly string[]): boolean {
  return (
    FIELD_ROOTS.has((labels[0] ?? "").toLowerCase()) || labels.some((l) => /^[A-Z][a-z]|[a-z][A-Z]/.test(l))
  );
}

const CODE_PART_RE = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g;
/**
 * A dotted name of code or configuration: a label is a term of the vocabulary and every label is
 * made of known words (words.ts), numbers or short abbreviations:
 * gcloud.container.clusters.create, services.k3s.enable. Without a host suffix, no one names a
 * machine that way.
 */
function isCodePath(labels: readonly string[]): boolean {
  // a term of the vocabulary among the labels: web.prod.acme is all English and still a host
  if (!labels.some((label) => isVocabularyTerm(label.toLowerCase()))) return false;
  return labels.every((label) =>
    label.split(/[-_]+/).every((piece) => {
      // letters and digits together (node7, dc2) make a machine's label unless a term (k3s, ec2)
      if (/[A-Za-z]/.test(piece) && /\d/.test(piece)) return isVocabularyTerm(piece.toLowerCase());
      const parts = piece.match(CODE_PART_RE) ?? [];
      return (
        parts.join("") === piece &&
        parts.every((part) => /^\d+$/.test(part) || part.length <= 3 || isKnownWord(part.toLowerCase()))
      );
    }),
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

/** "run 123456789012", "build #123456789012": a CI run number in its place, not an account. */
const RUN_NUMBER_BEFORE_RE = /(?:\brun(?:[ _-]?(?:id|number))?|\bbuild|\bjob|\bpipeline|#)\s*[:=#]?\s*$/i;
function replaceAccount(match: string, ...rest: unknown[]): string {
  const { offset, input } = callbackTail(rest);
  if (/^\d{12}$/.test(match) && RUN_NUMBER_BEFORE_RE.test(input.slice(Math.max(0, offset - 16), offset))) {
    return match;
  }
  return "<account-id>";
}

function replaceBlob(match: string): string {
  if (/^[a-z][a-z0-9-]*-[a-z0-9]{8,10}-[a-z0-9]{5}$/.test(match)) return match; // a pod name
  return isHighEntropy(match) ? "<secret>" : match;
}

// -- addresses inside names, in hex, MACs without separators -------------------------------------

/** A dotted quad written with "-" or "_", alone or inside a name: k3s-node-10-0-0-12. */
const DASHED_IPV4_RE =
  /(?<![0-9]|[0-9][-_])(\d{1,3})([-_])(\d{1,3})\2(\d{1,3})\2(\d{1,3})(?![0-9]|[-_]\d{1,3}(?!\d))/g;
function replaceDashedIPv4(match: string, ...rest: unknown[]): string {
  const [a, , b, c, d] = rest as string[];
  return [a, b, c, d].every((n) => Number(n) <= 255) ? "<ip>" : match;
}

/** A dashed address with its mask (calico's block 10-244-17-0-26), and hex-dotted 0x0a.0x00.0x00.0x0c. */
const DASHED_IPV4_CIDR_RE =
  /(?<![0-9]|[0-9][-_])(\d{1,3})([-_])(\d{1,3})\2(\d{1,3})\2(\d{1,3})\2(\d{1,2})(?![0-9]|[-_][0-9])/g;
function replaceDashedCidr(match: string, ...rest: unknown[]): string {
  const [a, , b, c, d, mask] = rest as string[];
  return [a, b, c, d].every((n) => Number(n) <= 255) && Number(mask) <= 32 ? "<ip>" : match;
}
const HEX_DOTTED_IPV4_RE = /(?<![\w.])0x[0-9A-Fa-f]{1,2}(?:\.0x[0-9A-Fa-f]{1,2}){3}(?![\w.])/g;

/** An address written as one decimal number before a port: "dial tcp 3232235786:6443". */
const DECIMAL_IPV4_PORT_RE = /(?<![\w.:-])(\d{8,10})(?=:\d{1,5}(?!\d)|\s+port\s+\d)/g;
function replaceDecimalIPv4(match: string): string {
  const n = Number(match);
  return n >= 0x1000000 && n <= 0xffffffff ? "<ip>" : match;
}

/**
 * A 10-digit number standing alone that spells a private or link-local address in 172.16/12,
 * 192.168/16 or 169.254/16: "connect to 3232235796 port 6443". Those are narrow windows near
 * 2.8–3.2 billion; 10/8 (167–184 million) and 100.64/10 (also the Unix times of spring 2023)
 * are too wide to take every such number for an address (a byte count, a duration).
 */
const DECIMAL_PRIVATE_IPV4_RE = /(?<![\w.:/-])(\d{10})(?![\w:/-]|\.\d)/g;
function replaceDecimalPrivateIPv4(match: string): string {
  const n = Number(match);
  const a = Math.floor(n / 0x1000000);
  const b = Math.floor(n / 0x10000) % 0x100;
  const isPrivate = (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  return n <= 0xffffffff && isPrivate ? "<ip>" : match;
}

/** 8 hex digits (optionally 0x…) that spell a private, link-local or shared address. */
const HEX_IPV4_RE =
  /(?<![\w.-])(?:0x)?([0-9A-Fa-f]{8})(?![\w-]|\.\w)|(?<=[A-Za-z0-9][-_])0x([0-9A-Fa-f]{8})(?![\w-]|\.\w)/g;
function replaceHexIPv4(match: string, hex: string | undefined, inName: string | undefined): string {
  const n = Number.parseInt(hex ?? inName ?? "", 16);
  const a = n >>> 24;
  const b = (n >>> 16) & 0xff;
  const isPrivate =
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127);
  return isPrivate ? "<ip>" : match;
}

/** A MAC written without separators, where a MAC is named: "ether 0242ac110002". */
const MAC_BARE_RE =
  /\b(mac|ether|hwaddr|lladdr|bssid|mac[_-]?addr(?:ess)?|hw[_ ]?addr(?:ess)?|link\/ether)(\s*[:=]?\s*)(?:0x)?[0-9A-Fa-f]{12}(?![0-9A-Fa-f])/gi;

// -- disguised forms ------------------------------------------------------------------------------

/** A relative path into a home directory: ../../home/alice/x, ./Users/bob/y, home/alice/.ssh. */
const RELATIVE_HOME_RE =
  /(?<![^\s"'(=:])(?:(?:\.\.?[\\/]+)+[^\s"'<>|;,()]*|(?:home|Users)[\\/]+[A-Za-z_][^\s"'<>|;,()]*)/g;
const INTO_HOME_RE = /(?:^|[\\/])(?:home|Users)[\\/]+[A-Za-z_]/;
function replaceRelativeHome(match: string): string {
  return INTO_HOME_RE.test(match) ? keepTrailing(match, "<path>") : match;
}

/** DOMAIN\user (an upper-case NetBIOS domain). */
const DOMAIN_USER_RE = /(?<![\w\\])([A-Z][A-Z0-9-]{1,14})\\([A-Za-z][\w.$-]{0,63})(?![\w\\])/g;

/** uid=1000(alice) gid=1000(alice) groups=1000(alice),27(sudo): the names in parentheses. */
const ID_OUTPUT_RE = /\b(?:uid|gid|euid|egid|groups)=[\w(),.$-]*/g;
function replaceIdOutput(match: string): string {
  return match.replace(/(\d+)\([^()\s]+\)/g, "$1(<user>)");
}

/** A base64 run that decodes to user:password or to something the rules would replace. */
const BASE64_RE = /(?<![\w+/=-])[A-Za-z0-9+/]{8,}={0,2}(?![\w+/=-])/g;
function replaceBase64(match: string): string {
  if (match.length % 4 !== 0 || !/[A-Z]/.test(match) || !/[a-z0-9]/.test(match)) return match;
  let decoded: string;
  try {
    decoded = atob(match);
  } catch {
    return match;
  }
  if (!/^[\x20-\x7e]{4,}$/.test(decoded)) return match;
  if (/^[^\s:]+:[^\s]+$/.test(decoded)) return "<secret>";
  return replaceAll(decoded) !== decoded ? "<secret>" : match;
}

// -- host names where only a host can stand ---------------------------------------------------------

const HOST_VALUE = String.raw`[A-Za-z0-9_](?:[\w.-]*[A-Za-z0-9_])?`;
/** "Could not resolve hostname X", "lookup X on …", "unknown host X", "ssh-keygen -R X". */
const RESOLVE_RE = new RegExp(
  String.raw`\b((?:could\s+not|couldn't|cannot|can't|failed\s+to|unable\s+to)\s+resolve(?:\s+host(?:name)?)?:?|unknown\s+host:?|no\s+such\s+host:?|lookup|-R)\s+(["']?)(${HOST_VALUE})\2`,
  "gi",
);
function replaceHostWord(match: string, ...rest: unknown[]): string {
  const [lead, quote, value] = rest as [string, string, string];
  const lower = value.toLowerCase();
  if (!nameOk(value) || isPublicName(lower) || GENERIC_HOSTS.has(lower) || value.startsWith("<"))
    return match;
  // "failed to resolve reference", "unable to resolve dependency tree": without "host" only a
  // name-shaped value is a host
  if (!/host|lookup|-R/i.test(lead) && !IDENTIFIER_SHAPED_RE.test(value) && isKnownWord(lower)) return match;
  return `${lead} ${quote}<host>${quote}`;
}
const GENERIC_HOSTS: ReadonlySet<string> = new Set(["localhost", "host", "hostname", "server", "the", "any"]);

/** name:port for the ports of ssh, the Kubernetes API, k3s, etcd, the kubelet, HTTP, DNS … */
const HOST_PORT_RE =
  /(?<![\w.:/@<>-])([A-Za-z][\w-]*)(:(?:22|2222|6443|443|80|8080|8443|9345|10250|2379|2380|5000|5432|3306|6379|3128|53|179|4789|8472|51820))(?!\d|\.\d)/g;
const NOT_HOSTS_BEFORE_PORT: ReadonlySet<string> = new Set([
  "localhost",
  "tcp",
  "udp",
  "port",
  "ports",
  "http",
  "https",
  "ssh",
  "dns",
  "any",
  "all",
  "host",
  "hostport",
  "containerport",
  "targetport",
  "nodeport",
]);
function replaceHostPort(match: string, name: string, port: string): string {
  return NOT_HOSTS_BEFORE_PORT.has(name.toLowerCase()) ? match : `<host>${port}`;
}

/** "could not reach X (jump-03)": an identifier-shaped name in parentheses after reach/connect. */
const REACH_PAREN_RE =
  /\b((?:reach|reaching|reachable|unreachable|connect(?:ing)?\s+to|contact(?:ing)?|closed\s+by|remote\s+host)\b[^()]{0,60}?)\(([A-Za-z0-9_][\w.-]*)\)/gi;
function replaceReachParen(match: string, lead: string, value: string): string {
  const lower = value.toLowerCase();
  // a name-shaped value, or a word no list knows as it is (rivendell: not a word, only a compound)
  const named =
    IDENTIFIER_SHAPED_RE.test(value) || (/^[a-z]+$/.test(lower) && nameOk(value) && !isKnownWord(lower));
  return named && !VERSION_LIKE_RE.test(value) && !isPublicName(lower) ? `${lead}(<host>)` : match;
}

/** Host lists of ssh's known_hosts warnings: Permanently added 'a,b', authenticity of host 'x'. */
const KNOWN_HOSTS_RE =
  /\b(permanently\s+added|authenticity\s+of\s+host|host\s+key\s+for|key\s+for\s+host|key\s+for\s+the\s+ip\s+address)(\s+)'([^']+)'/gi;
const SSH_KEYGEN_R_RE = new RegExp(String.raw`(\bssh-keygen\b[^|;&]*?\s-R)\s+(["']?)(${HOST_VALUE})\2`, "gi");
const HOST_KEY_CHANGED_RE = new RegExp(
  String.raw`\b(host\s+key\s+for)\s+(${HOST_VALUE})(?=\s+has\s+changed)`,
  "gi",
);

/** x509: "certificate is valid for A, B, not C". */
const X509_RE = /\b(valid\s+for\s+)((?:[^\s,]+,\s+)*[^\s,]+)(,?\s+not\s+)([^\s,;]+?)(?=[,.;]?(?:\s|$))/gi;
function x509Name(name: string): string {
  const lower = name.toLowerCase();
  if (PLACEHOLDER_SET.has(name) || isPublicName(lower) || lower === "kubernetes" || lower === "localhost")
    return name;
  return "<host>";
}
function replaceX509(_m: string, lead: string, list: string, not: string, last: string): string {
  const names = list.split(/,\s+/).map(x509Name);
  return `${lead}${names.join(", ")}${not}${x509Name(last)}`;
}

/**
 * A machine-style name: words joined by "-" or "_" ending in a number (bastion-prod-02,
 * srv-db-04, pve-01, k3s-node-1, build_runner_07) — how hosts and VMs are numbered — inside a longer text. Kept: a text
 * that is only such a name (a scenario or target name), AWS regions and zones
 * (eu-west-1a), and names whose first word says what the number counts (python-3, utf-8,
 * phase-2, node-18 …).
 */
const NUMBERED_NAME_RE =
  /(?<![\w.@/<$%-])([A-Za-z][A-Za-z0-9]*)((?:[-_][A-Za-z0-9]+)*)[-_](\d{1,4}[a-z]?)(?![\w-]|\.\w)/g;
const REGION_RE =
  /^(?:(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov)?-[a-z]+-\d[a-z]?|(?:us|europe|asia|northamerica|southamerica|australia|me|africa)-[a-z]+\d{1,2}(?:-[a-z])?)$/i;
/** DigitalOcean's droplet sizes: s-2vcpu-4gb, g-2vcpu-8gb-intel. */
const DROPLET_SIZE_RE = /^[a-z]{1,2}\d?-\d+vcpu-\d+gb(?:-[a-z0-9]+)?$/;
export const COUNTED_WORDS: ReadonlySet<string> = new Set(
  "ssh dhcp nfs smb sftp node nodejs python ubuntu debian fedora centos rhel rocky alma alpine iso utf sha rfc step phase retry attempt round try level stage gen version ver release rc beta alpha tier top ipv http tls ssl ec rsa ed x cgroup cgroups jdk java go php ruby perl dotnet net kernel linux windows win macos ios android chrome firefox gcc clang llvm cuda arm aarch armv amd intel gp io st sc t m c r p v k3s k8s rke2 helm chart crd api apiversion page part chapter section issue pr day week month year q h hour minute min sec second core cpu gpu disk raw test tests case e2e group batch wave shard slot lane pool queue epoch mode option plan target scenario level".split(
    " ",
  ),
);
function replaceNumberedName(match: string, ...rest: unknown[]): string {
  const [first, middle] = rest as [string, string];
  const { input } = callbackTail(rest);
  // a text that is only the name is a name (a scenario, a target, a feature): names pass the
  // guard for this machine's own identifiers instead
  if (input.trim() === match) return match;
  if (REGION_RE.test(match) || COUNTED_WORDS.has(first.toLowerCase())) return match;
  if (/^[A-Z]{2,}$/.test(first)) return match; // an acronym: DNS-01, RFC-1918, CVE-2024-3094
  if (/^[a-z]\d[a-z]?-(?:standard|highmem|highcpu|highgpu|ultramem|megamem|custom)$/.test(first + middle))
    return match; // GCP n2-standard-4
  if (middle === "" && (first.length === 1 || /\d/.test(first))) return match; // a2-3, x-1 (db-2 is a host)
  if (middle === "" && KNOWN_ALNUM_RE.test(first)) return match; // x86_64, arm64-2
  if (/[-_]v\d+(?:[-_]|$)/i.test(middle)) return match; // …-k3s-v1-30-2: a version, dashed
  return keepTrailing(match, "<host>");
}

/**
 * A composite machine or resource name inside a sentence: three or more "-"-joined parts, one of
 * which mixes letters and digits without being a known term (aks-nodepool1-12345678-vmss000002,
 * cx21-k3s-ole, k8s-w-3a). Known terms (k3s, arm64, x86_64, ipv6, v1, 5m, 2Gi …), plain numbers
 * and Kubernetes pod suffixes (coredns-5d78c9869d-abcde) do not count.
 */
const COMPOSITE_NAME_RE = /(?<![\w.@/<$%=:-])[A-Za-z0-9]+(?:-[A-Za-z0-9]+){2,}(?![\w/@-]|\.\w)/g;
const KNOWN_ALNUM_RE =
  /^(?:k3s|pk3s|k8s|k3d|rke2|arm64|amd64|aarch64|armv7|armhf|i386|x86|ipv4|ipv6|gp2|gp3|io1|io2|s3|ec2|utf8|sha1|sha256|sha512|md5|base64|ed25519|x509|h2|h3|http2|http3|tls12|tls13|e2e|p2p|2fa|oci|v\d+[a-z]?\d*|\d+(?:[a-z]{1,3})?|[a-z]\d)$/i;
const POD_SUFFIX_RE = /-[a-z0-9]{8,10}-[a-z0-9]{5}$/;
function replaceCompositeName(match: string, ...rest: unknown[]): string {
  const { input } = callbackTail(rest);
  // a bare name, a pod, a date (2024-05-01T12…) or anything else starting with a number
  if (input.trim() === match || POD_SUFFIX_RE.test(match) || /^\d+-/.test(match)) return match;
  if (REGION_RE.test(match) || DROPLET_SIZE_RE.test(match)) return match;
  const odd = match
    .split("-")
    .some((part) => /\d/.test(part) && /[A-Za-z]/.test(part) && !KNOWN_ALNUM_RE.test(part));
  return odd ? "<host>" : match;
}

/**
 * Where only a machine can stand, for identifier-shaped names (a digit, "-", "_" or "."):
 * ssh's "Connection to X closed", "connect to host X port 22", "hostname X", Ansible's
 * "fatal: [X]: UNREACHABLE!" / "ok: [X]", "on X:" before a journald-style message.
 */
const MACHINE_SLOT_RE = new RegExp(
  String.raw`\b((?:connection\s+to|connect\s+to\s+host|host\s*name)\s+)(["']?)(${HOST_VALUE})\2(?=\s+(?:closed|port|failed|refused|timed|is|not)\b|[:.,;]?\s*$|:\s)|\b((?:fatal|failed|ok|changed|skipping|unreachable):\s+\[)(${HOST_VALUE})(?=\]|\s+->)|\b(on\s+)()(${HOST_VALUE})(?=:\s)`,
  "gi",
);
function replaceMachineSlot(match: string, ...rest: unknown[]): string {
  const [leadA, quote, valueA, leadB, valueB, leadC, , valueC] = rest as (string | undefined)[];
  const lead = leadA ?? leadB ?? leadC ?? "";
  const value = valueA ?? valueB ?? valueC ?? "";
  const lower = value.toLowerCase();
  if (!IDENTIFIER_SHAPED_RE.test(value) || VERSION_LIKE_RE.test(value)) return match;
  if (!nameOk(value) || isPublicName(lower) || GENERIC_HOSTS.has(lower) || lower.startsWith("localhost"))
    return match;
  return `${lead}${quote ?? ""}<host>${quote ?? ""}`;
}

/** "User "x" cannot …" is handled above; "(Unauthorized) as x", "sudo: x is not in the sudoers file". */
const AUTH_AS_RE = new RegExp(
  String.raw`\b((?:unauthori[sz]ed|forbidden|authenticat\w*|impersonat\w*|logged\s+in)\)?[^.;]{0,60}?\bas)\s+(["']?)(${NAME_VALUE})\2`,
  "gi",
);
function replaceAuthAs(
  match: string,
  lead: string,
  quote: string,
  value: string,
  ...rest: unknown[]
): string {
  const { offset, input } = callbackTail(rest);
  if (input[offset + match.length] === ":") return match; // system:serviceaccount:…, a Kubernetes name
  // "forbidden as documented": a plain English word is no name (a dashed or numbered one is)
  if (!nameOk(value) || (!IDENTIFIER_SHAPED_RE.test(value) && WORD_ENDING_RE.test(value))) return match;
  return `${lead} ${quote}<user>${quote}`;
}
const SUDOERS_RE = new RegExp(
  String.raw`(?<![\w.$-])(${NAME_VALUE})(\s+is\s+not\s+(?:in\s+the\s+sudoers|allowed\s+to\s+(?:run\s+sudo|execute)))`,
  "gi",
);

/** Azure resource groups (rg-… by the naming convention, or named after "resource group"). */
const RESOURCE_GROUP_RE = new RegExp(
  String.raw`(?<![\w./-])rg-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+(?![\w-])|\b((?:resource[ _-]?group|--resource-group|az\s+group\s+\w+\s+(?:-n|--name|-g))\s+)(["']?)(${NAME_VALUE})\3`,
  "gi",
);
function replaceResourceGroup(match: string, ...rest: unknown[]): string {
  const [lead, quote, value] = rest as (string | undefined)[];
  // a text that is only the name is a name (as for numbered machine names below)
  if (lead === undefined) return callbackTail(rest).input.trim() === match ? match : "<id>";
  if (!value || !IDENTIFIER_SHAPED_RE.test(value) || !nameOk(value)) return match;
  return `${lead}${quote ?? ""}<id>${quote ?? ""}`;
}

/**
 * A bare numeric cloud id where a cloud thing is named: DigitalOcean droplets, Hetzner servers,
 * volumes, images, firewalls, ssh keys… ("droplet 387465123", "droplet delete 412398765").
 */
const NUMERIC_CLOUD_ID_RE =
  /\b((?:droplet|linode|server|instance|volume|snapshot|image|firewall|load[ _-]?balancer|floating[ _-]?ip|primary[ _-]?ip|ssh[ _-]?key|network|vm|machine|project|subscription|tenant|account|database|cluster|vpc)s?(?:\s+(?:id|ID|delete|get|describe|show|update|rebuild|reboot|poweroff|poweron|shutdown|power-off|power-on|resize|attach|detach)){0,2}(?:\s*[:=#(]?\s*["']?|[-_]))(\d{6,11})(?![\d.])|(\(id\s+)(\d{6,11})(?=\))/gi;

/**
 * sshd's auth log: "Failed password for (invalid user) X from <ip>", "Accepted publickey for X
 * from …", "Invalid user X from …": the name before "from" an address or host.
 */
const SSHD_USER_RE = new RegExp(
  String.raw`\b((?:for(?:\s+invalid\s+user)?|invalid\s+user|illegal\s+user)\s+)(${NAME_VALUE})(?=\s+from\s+(?:<ip>|<host>|\S+\s+port\s+\d))`,
  "gi",
);

/** Ansible's PLAY RECAP: "X : ok=3 changed=0 unreachable=1 failed=0" (also without the colon). */
const RECAP_HOST_RE = new RegExp(String.raw`(?<![\w.-])(${HOST_VALUE})(?=\s+:?\s*ok=\d)`, "g");

/**
 * Managed-cluster names given to the credential commands: aws eks update-kubeconfig --name X,
 * az aks get-credentials -n X, gcloud container clusters get-credentials X.
 */
const CLUSTER_NAME_RE = new RegExp(
  String.raw`(\b(?:update-kubeconfig|get-credentials)\b[^|;&]*?\s(?:--name|-n|--cluster)\s+|\bget-credentials\s+)(["']?)(${NAME_VALUE})\2`,
  "gi",
);

/** A Wi-Fi network name: SSID 'x', ssid=x (a separator after the key: not "ssidz", "ssid-list"). */
const SSID_RE = /\b(ssid|bssid name|wi-?fi network)(\s*[:=]\s*|\s+)(["']?)([^"'\s,;]+)\3/gi;

/**
 * More places only a machine can stand: ping's "ping: X: …", ssh's jump host (-J X,
 * ProxyJump X, "jump host X" with a name-shaped X), and "No cluster found for name: X" (EKS).
 */
const JUMP_HOST_RE = new RegExp(
  String.raw`((?<![\w-])-J\s+|\bProxyJump(?:\s*=\s*|\s+(?:via\s+)?)|\bping:?\s+(?=\S+:\s)|\bjump\s*host\s+(?=\S*[\d_.-]))(["']?)(${HOST_VALUE})\2(?=[:\s,;)]|$)`,
  "gi",
);
function replaceJumpHost(match: string, lead: string, quote: string, value: string): string {
  const lower = value.toLowerCase();
  if (VERSION_LIKE_RE.test(value) || isPublicName(lower) || GENERIC_HOSTS.has(lower) || !nameOk(value))
    return match;
  if (lower.startsWith("localhost") || lower === "via") return match;
  return `${lead}${quote}<host>${quote}`;
}
/** "failed to connect to X: …", "connecting to X port 22", "Connection closed by X port 22". */
const CONNECT_TO_RE = new RegExp(
  String.raw`(\b(?:connect(?:ing)?\s+to|closed\s+by)\s+)(["']?)(${HOST_VALUE})\2(?=:\s|\s+port\b)`,
  "gi",
);
/** whoami's answer: "whoami returned svc_deploy", "whoami: alice". */
const WHOAMI_RE = new RegExp(
  String.raw`(\bwhoami(?:\s+(?:returned|says|said|printed|reports|reported|gave|is|was))?:?\s+)(["'${BACKTICK}]?)(?!(?:returned|says|said|printed|reports|reported|gave|is|was)\b)(${NAME_VALUE})\2`,
  "gi",
);
/** A password given on the command line: sshpass -p X, mysql -pX, docker login -p X. */
const PASSWORD_FLAG_RE =
  /(\b(?:sshpass|mysql\w*|mariadb|docker\s+login|podman\s+login|nerdctl\s+login|redis-cli|mongo\w*)\b[^|;&]*?\s-p\s*)(["']?)([^\s"']+)\2/gi;
/** A host name mapped to an address (/etc/hosts: "127.0.1.1 thinkpad-x1", "maps <ip> to x-1"). */
const ADDRESS_HOST_RE = new RegExp(
  String.raw`((?:\b\d{1,3}(?:\.\d{1,3}){3}|<ip>)\s+(?:to\s+|->\s+)?)(${HOST_VALUE})(?=[\s,;]|\.?$)`,
  "g",
);
function replaceAddressHost(match: string, lead: string, value: string): string {
  const lower = value.toLowerCase();
  if (!/[_-]/.test(value) || VERSION_LIKE_RE.test(value) || /^\d/.test(value)) return match;
  if (!nameOk(value) || lower.startsWith("localhost") || lower.startsWith("ip6-") || isPublicName(lower))
    return match;
  return `${lead}<host>`;
}
/** A quoted host name: hostname 'ws-ari-desk', and Ansible's delegate: [<host> -> k3s-leader]. */
const QUOTED_HOSTNAME_RE = new RegExp(
  String.raw`(\bhost\s*name\s+)(["'])(${HOST_VALUE})\2|(\[<host>\s+->\s+)()(${HOST_VALUE})(?=\])`,
  "gi",
);
function replaceQuotedHostname(match: string, ...rest: unknown[]): string {
  const [leadA, quote, valueA, leadB, , valueB] = rest as (string | undefined)[];
  const value = valueA ?? valueB ?? "";
  const lower = value.toLowerCase();
  if (!nameOk(value) || lower.startsWith("localhost") || isPublicName(lower)) return match;
  return `${leadA ?? leadB}${quote ?? ""}<host>${quote ?? ""}`;
}
const NAMED_CLUSTER_RE = new RegExp(String.raw`(\bfound\s+for\s+name:?\s+)(["']?)(${NAME_VALUE})\2`, "gi");

/**
 * A repository named by its owner (a person or an organisation): "repository acme/infra",
 * GITHUB_REPOSITORY=alice/k3s, *_REPO=x/y, "fork x/y", "git clone x/y". The public projects
 * this tool works with keep theirs.
 */
const REPO_SLUG_RE =
  /(\b(?:repo(?:sitory)?|[A-Z][A-Z0-9_]*_REPO(?:SITORY)?|fork|remote|clone|upstream)["']?\s*[:=]?\s*["']?)([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)/g;
const PUBLIC_OWNERS: ReadonlySet<string> = new Set(
  "origin upstream productive-k3s k3s-io rancher kubernetes kubernetes-sigs helm jetstack cert-manager traefik actions hashicorp opentofu canonical docker containerd cilium projectcalico metallb longhorn prometheus-community grafana bitnami argoproj fluxcd kube-vip flannel-io etcd-io coredns".split(
    " ",
  ),
);
/** A GitHub or GitLab reference to an issue or pull request: acme-internal/k3s-fleet#4211. */
const REPO_REFERENCE_RE = /(?<![\w/.@<-])()([A-Za-z0-9][\w.-]*)\/[A-Za-z0-9][\w.-]*(?=[#!]\d+\b)/g;
function replaceRepoSlug(match: string, lead: string, owner: string): string {
  return PUBLIC_OWNERS.has(owner.toLowerCase()) || PLACEHOLDER_SET.has(`<${owner}>`) ? match : `${lead}<id>`;
}

/** curl's and wget's credentials: -u user:password, --user user:password. */
const USER_PASSWORD_FLAG_RE = /(?<![\w-])(-u\s+|--user[=\s]+)(["']?)([^\s:"'<>]+):([^\s"']+)\2/g;

/** An address as one decimal number inside a machine's name: node-3232235876. */
const DECIMAL_IPV4_IN_NAME_RE =
  /(?<=(?<![\w.-])(?:node|host|ip|vm|server|worker|agent|master|edge|pi|k3s|srv|nas)[-_])(\d{9,10})(?![\w-])/gi;

/** A dotted quad with octal parts (0300.0250.0001.0024): an address spelt for ping and inet_aton. */
const OCTAL_IPV4_RE =
  /(?<![\w.])(?=[\d.]*\b0[0-7]{2,3}\b)(?:0[0-7]{0,3}|[1-9]\d{0,2})(?:\.(?:0[0-7]{0,3}|[1-9]\d{0,2})){3}(?![\w.]|\.\d)/g;

/** A person before an address in angle brackets: "Signed-off-by: Ana Lima <ana@example.com>". */
const NAMED_ADDRESS_RE =
  /(?<![\p{L}\p{N}_<-])((?:\p{Lu}[\p{L}'’.-]*\s+){0,3}\p{Lu}[\p{L}'’.-]*)\s+<([^<>\s@]+@[^<>\s]+)>/gu;

/** A quoted value after a secret word without "=" or ":": password 'blue-falcon-river'. */
const QUOTED_SECRET_RE =
  /\b((?:password|passphrase|passwd|secret|token|api[ _-]?key)\s+)(["'`])((?!<)[^"'`\s][^"'`]{0,200})\2/gi;

/** A host in known_hosts' bracketed form with a port: [stone-bridge]:2201. */
const BRACKETED_HOST_PORT_RE = new RegExp(String.raw`\[(${HOST_VALUE})\](:\d{1,5})(?!\d)`, "g");
function replaceBracketedHostPort(match: string, host: string, port: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith("localhost") || isPublicName(lower) || PLACEHOLDER_SET.has(`<${lower}>`)) return match;
  return `[<host>]${port}`;
}

/**
 * A named thing's own name, shaped like an identifier (with "-", "_", "." or a digit): kube
 * contexts, namespaces, Helm releases, profiles, GitHub organisations, workspaces, teams,
 * tenants, stacks, CI jobs ("context payments-prod", "AWS_PROFILE=summit-prod",
 * "CI_JOB_NAME=live:hetzner-acme-fsn1"), and GKE contexts (gke_PROJECT_ZONE_CLUSTER). Kept: names
 * that start with a term of the vocabulary (cert-manager, k3d-k3s-default, traefik-crd), project
 * namespaces (…-system, …-operator) and the usual defaults (kube-system, k3s-default).
 */
const NAMED_THING_RE = new RegExp(
  String.raw`(\b(?:(?:kube(?:ctl)?\s+)?context|namespace|ns|release|profile|org|organi[sz]ation|workspace|team|tenant|stack)(?:\s+|\s*[=:]\s*)|\b(?:AWS_PROFILE|AWS_DEFAULT_PROFILE|KUBE_CONTEXT|KUBECONTEXT|HELM_NAMESPACE|TF_WORKSPACE|CI_JOB_NAME|JOB_NAME|GITHUB_WORKFLOW|GITHUB_JOB|CI_PROJECT_PATH|BUILDKITE_PIPELINE_SLUG)\s*[=:]\s*|--(?:context|namespace|profile|workspace)(?:\s+|=))(["'${BACKTICK}]?)(${NAME_VALUE})\2`,
  "g",
);
const DEFAULT_THINGS: ReadonlySet<string> = new Set(
  "default k3s-default kind-kind docker-desktop rancher-desktop minikube orbstack colima kube-system kube-public kube-node-lease kube-flannel local-path-storage".split(
    " ",
  ),
);
function replaceNamedThing(match: string, lead: string, quote: string, value: string): string {
  // a name glued to a placeholder (ingress-<ip>) keeps its word
  if (/[-_.]$/.test(value)) return match;
  const core = value.replace(TRAILING_PUNCT_RE, "");
  const lower = core.toLowerCase();
  if (!/[-_.\d]/.test(core) || DEFAULT_THINGS.has(lower) || VERSION_LIKE_RE.test(core)) return match;
  if (isPublicName(lower) || PLACEHOLDER_SET.has(lower) || lower.includes("<")) return match;
  if (/^gke_/.test(lower)) return `${lead}${quote}<id>${quote}${value.slice(core.length)}`; // gke_PROJECT_ZONE_CLUSTER
  // a project's own namespace: longhorn-system, tigera-operator
  if (/[-_](?:system|operator|crds?)$/.test(lower)) return match;
  // a project's own name first (cert-manager, kube-prometheus-stack, traefik-crd), or known
  // words with a term (ingress-nginx)
  const pieces = lower.split(/[-_.:/]+/).filter((piece) => /[a-z]/.test(piece));
  if (pieces[0] !== undefined && isVocabularyTerm(pieces[0])) return match;
  if (
    pieces.some((piece) => isVocabularyTerm(piece)) &&
    pieces.every((piece) => piece.length <= 3 || isKnownWord(piece))
  )
    return match;
  return `${lead}${quote}<id>${quote}${value.slice(core.length)}`;
}

/**
 * A person after a verb of approval, ownership or assignment — "approved by mark on the
 * ticket", "lock held by grace since 09:14", "assigned to Rose Hill" — when punctuation, the
 * end or a linking word follows (so "approved by security team" and "owned by the ops team"
 * stay).
 */
const PERSON_AFTER_VERB_RE =
  /\b((?:approved|reviewed|requested|triggered|created|started|locked|held|owned|assigned|signed(?:[\s-]+off)?|merged|pushed|opened|closed|cancell?ed|authored|committed|deployed|launched|claimed|reserved|modified|changed|updated|deleted|removed)\s+(?:by|to)\s+)((?:\p{Lu}[\p{L}'’-]*(?:\s+\p{Lu}[\p{L}'’-]*)?)|[\p{Ll}\d][\p{L}\d._-]*(?::[\p{L}\d._-]+)?)(?=\s*$|[,;:!?)]|\.(?:\s|$)|\s+(?:on|since|at|in|for|via|from|until|with|and|but|who|after|before|because|while|yesterday|today)\b|\s+\()/gu;
function replacePersonAfterVerb(match: string, lead: string, value: string): string {
  const first = value.split(/[\s:]+/)[0] ?? "";
  if (!nameOk(first) || PLACEHOLDER_SET.has(value)) return match;
  // a process or a tool named in known words (unattended-upgrades, kube-controller-manager)
  if (
    /[-_]/.test(value) &&
    value.split(/[-_.]+/).every((piece) => piece === "" || isKnownWord(piece.toLowerCase()))
  )
    return match;
  if (
    /^(?:the|a|an|our|your|their|this|that|another|other|some|any|each|every|someone|somebody|nobody|anyone|us|me|him|her|them|it|ci|cron|automation|dependabot|renovate|bot|bots|system|policy)$/i.test(
      first,
    )
  )
    return match;
  return `${lead}<user>`;
}

/**
 * Log lines that name their machine and their users: syslog's "Jun 10 09:12:01 HOST prog[pid]:",
 * sudo's "sudo: USER : 3 incorrect password attempts", ls -l's owner and group ("drwx------ 4
 * USER GROUP 4096"), rsync's daemon "HOST::module", a JSON or logfmt "node" field.
 */
const SYSLOG_HOST_RE = new RegExp(
  String.raw`((?:\b[A-Z][a-z]{2}\s+\d{1,2}|\b\d{4}-\d{2}-\d{2}T?)\s+\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s+)(${HOST_VALUE})(?=\s+[\w./-]+(?:\[\d+\])?:\s)`,
  "g",
);
const SUDO_LOG_RE = new RegExp(String.raw`(\bsudo:\s+)(${NAME_VALUE})(?=\s+:\s)`, "g");
const LS_OWNER_RE = new RegExp(
  String.raw`((?:^|\s)[-dlcbps][rwxsStT-]{9}[.+@]?\s+\d+\s+)(${NAME_VALUE})(\s+)(${NAME_VALUE})(?=\s+\d)`,
  "g",
);
const RSYNC_HOST_RE = new RegExp(String.raw`(?<![\w:.-])()(${HOST_VALUE})(?=::[A-Za-z])`, "g");
const NODE_FIELD_RE = new RegExp(
  String.raw`((?:["']node(?:_?name)?["']\s*:\s*["'])|\bnode=["']?)(${HOST_VALUE})`,
  "g",
);
function replaceLogName(placeholder: string): Replacer {
  return (match, ...rest) => {
    const [lead, value] = rest as [string, string];
    const lower = value.toLowerCase();
    if (!nameOk(value) || lower.startsWith("localhost") || isPublicName(lower) || PLACEHOLDER_SET.has(value))
      return match;
    return `${lead}${placeholder}`;
  };
}

/**
 * A correlation id in free text that is not opaque — the ids the correlation rule would replace
 * (TELEMETRY_SESSION_ID=NUC-HALLWAY_2025, correlation=hcloud-k3s-nbg1-cp-41829377): a UUID, a
 * hex string or digits and separators stay.
 */
const CORRELATION_ID_RE =
  /(\b(?:TELEMETRY_(?:SESSION|RUN|PARENT_RUN)_ID\s*[=:]\s*["']?|(?:correlation|session|parent[_ -]?run|run)[_ -]?id\s*[=:]?\s*["']?|correlation\s*[=:]\s*["']?))([^\s"',;)]+)/gi;
function replaceCorrelationId(match: string, lead: string, value: string): string {
  if (/^[0-9a-f][0-9a-f._:-]*$/i.test(value)) return match; // a UUID, hex, digits and separators
  if (value.startsWith("<") || value.startsWith("$") || !/[\d_.:@-]/.test(value)) return match;
  return `${lead}<id>`;
}

// -- cloud things: GCP projects, buckets -----------------------------------------------------------

const GCP_PROJECT_KV_RE =
  /(\b(?:--project|[Pp]roject[_ -]?id|[Pp]roject|GOOGLE_CLOUD_PROJECT|CLOUDSDK_CORE_PROJECT|GCP_PROJECT|GCLOUD_PROJECT)(?:["']?\s*[:=]\s*["']?|\s+[[("']|\s+(?=[a-z][a-z0-9-]*\d)))([a-z][a-z0-9-]{4,28}[a-z0-9])(?![\w.-])/g;
const GCP_PROJECT_PATH_RE = /\b(projects\/)([a-z][a-z0-9-]{4,28}[a-z0-9])(?=\/|\b)/g;
function replaceProject(match: string, lead: string, value: string): string {
  if (!nameOk(value) || PLACEHOLDER_SET.has(value)) return match;
  return `${lead}<account-id>`;
}
const BUCKET_RE =
  /\b(bucket(?:[_ -]?name)?)((?:["']?\s*[:=]\s*["']?)|\s+["'[(]|\s+(?=[a-z0-9.-]*[0-9.-]))([a-z0-9][a-z0-9._-]{1,61}[a-z0-9])(?![\w-])/gi;
function replaceBucket(match: string, key: string, sep: string, value: string): string {
  if (!nameOk(value)) return match;
  return `${key}${sep}<id>`;
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
  [QUOTED_SECRET_RE, (_m, ...rest) => `${rest[0]}${rest[1]}<secret>${rest[1]}`],
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
  [NAMED_ADDRESS_RE, "<user> <email>"],
  [AT_RE, replaceAt],
  [HANDLE_RE, replaceHandle as Replacer],
  [MAC_RE, "<mac>"],
  [MAC_SHORT_RE, "<mac>"],
  [MAC_BARE_RE, (_m, ...rest) => `${rest[0]}${rest[1]}<mac>`],
  [UUID_RE, "<id>"],
  [CLOUD_RESOURCE_RE, "<id>"],
  [
    IPV6_BRACKETED_RE,
    (m, ...rest) =>
      isIPv6(rest[0] as string) && !(KEPT_IPV6.has(rest[0] as string) && !rest[1]) ? "<ip>" : m,
  ],
  [IPV6_RE, replaceIPv6 as Replacer],
  [IPV4_RE, replaceIPv4 as Replacer],
  [OCTAL_IPV4_RE, "<ip>"],
  [BRACKETED_HOST_PORT_RE, replaceBracketedHostPort as Replacer],
  [KNOWN_HOSTS_RE, (_m, ...rest) => `${rest[0]}${rest[1]}'<host>'`],
  [HOST_KEY_CHANGED_RE, (_m, ...rest) => `${rest[0]} <host>`],
  [SSH_KEYGEN_R_RE, (_m, ...rest) => `${rest[0]} ${rest[1]}<host>${rest[1]}`],
  [X509_RE, replaceX509 as Replacer],
  [RESOLVE_RE, replaceHostWord],
  [WINDOWS_PATH_RE, replacePath],
  [UNC_PATH_RE, replacePath],
  [DOMAIN_USER_RE, "<user>"],
  [ENV_PATH_RE, replacePath],
  [HOME_PATH_RE, replacePath],
  [UNIX_PATH_RE, replacePath],
  [RELATIVE_HOME_RE, replaceRelativeHome],
  [ID_OUTPUT_RE, replaceIdOutput],
  [USER_KV_RE, kvReplacer("<user>")],
  [HOST_KV_RE, kvReplacer("<host>")],
  [USER_PASSWORD_FLAG_RE, (_m, ...rest) => `${rest[0]}${rest[1]}<user>:<secret>${rest[1]}`],
  [USER_FLAG_RE, phraseReplacer("<user>", false)],
  [HOST_FLAG_RE, phraseReplacer("<host>", false)],
  [SUDO_RE, phraseReplacer("<user>", false)],
  [AS_USER_RE, phraseReplacer("<user>", true)],
  [FOR_USER_RE, phraseReplacer("<user>", true)],
  [ON_HOST_RE, phraseReplacer("<host>", true)],
  [SUBJECT_RE, replaceSubject as Replacer],
  [DOTTED_RE, replaceDotted],
  [DASHED_IP_HOST_RE, "<host>"],
  [DASHED_IPV4_CIDR_RE, replaceDashedCidr],
  [HEX_DOTTED_IPV4_RE, "<ip>"],
  [DASHED_IPV4_RE, replaceDashedIPv4],
  [DECIMAL_IPV4_PORT_RE, replaceDecimalIPv4],
  [DECIMAL_PRIVATE_IPV4_RE, replaceDecimalPrivateIPv4],
  [DECIMAL_IPV4_IN_NAME_RE, replaceDecimalIPv4],
  [HEX_IPV4_RE, replaceHexIPv4 as Replacer],
  [HOST_PORT_RE, replaceHostPort as Replacer],
  [MACHINE_SLOT_RE, replaceMachineSlot],
  [SSHD_USER_RE, (m, ...rest) => (nameOk(rest[1] as string) ? `${rest[0]}<user>` : m)],
  [JUMP_HOST_RE, replaceJumpHost as Replacer],
  [SYSLOG_HOST_RE, replaceLogName("<host>")],
  [SUDO_LOG_RE, replaceLogName("<user>")],
  [
    LS_OWNER_RE,
    (m, ...rest) => {
      const [lead, owner, gap, group] = rest as [string, string, string, string];
      const name = (v: string) => (nameOk(v) ? "<user>" : v);
      const out = `${lead}${name(owner)}${gap}${name(group)}`;
      return out === m ? m : out;
    },
  ],
  [
    RSYNC_HOST_RE,
    (m, ...rest) => (/\brsync\b/i.test(callbackTail(rest).input) ? replaceLogName("<host>")(m, ...rest) : m),
  ],
  [NODE_FIELD_RE, replaceLogName("<host>")],
  [CORRELATION_ID_RE, replaceCorrelationId as Replacer],
  [CONNECT_TO_RE, replaceJumpHost as Replacer],
  [ADDRESS_HOST_RE, replaceAddressHost as Replacer],
  [QUOTED_HOSTNAME_RE, replaceQuotedHostname],
  [WHOAMI_RE, (m, ...rest) => (nameOk(rest[2] as string) ? `${rest[0]}${rest[1]}<user>${rest[1]}` : m)],
  [PASSWORD_FLAG_RE, (_m, ...rest) => `${rest[0]}${rest[1]}<secret>${rest[1]}`],
  [
    NAMED_CLUSTER_RE,
    (m, ...rest) =>
      nameOk(rest[2] as string)
        ? `${rest[0]}${keepTrailing(`${rest[1]}${rest[2]}${rest[1]}`, `${rest[1]}<id>${rest[1]}`)}`
        : m,
  ],
  [REPO_SLUG_RE, replaceRepoSlug as Replacer],
  [REPO_REFERENCE_RE, replaceRepoSlug as Replacer],
  [NAMED_THING_RE, replaceNamedThing as Replacer],
  [PERSON_AFTER_VERB_RE, replacePersonAfterVerb as Replacer],
  [RECAP_HOST_RE, (m, ...rest) => (nameOk(rest[0] as string) && m !== "localhost" ? "<host>" : m)],
  [CLUSTER_NAME_RE, (m, ...rest) => (nameOk(rest[2] as string) ? `${rest[0]}${rest[1]}<id>${rest[1]}` : m)],
  [AUTH_AS_RE, replaceAuthAs as Replacer],
  [SUDOERS_RE, (m, ...rest) => (nameOk(rest[0] as string) ? `<user>${rest[1]}` : m)],
  [RESOURCE_GROUP_RE, replaceResourceGroup],
  [NUMERIC_CLOUD_ID_RE, (_m, ...rest) => `${rest[0] ?? rest[2]}<id>`],
  [NUMBERED_NAME_RE, replaceNumberedName],
  [COMPOSITE_NAME_RE, replaceCompositeName],
  [SSID_RE, (_m, ...rest) => `${rest[0]}${rest[1]}${rest[2]}<id>${rest[2]}`],
  [REACH_PAREN_RE, replaceReachParen as Replacer],
  [GCP_PROJECT_KV_RE, replaceProject as Replacer],
  [GCP_PROJECT_PATH_RE, replaceProject as Replacer],
  [BUCKET_RE, replaceBucket as Replacer],
  [HOSTED_PATH_RE, "<url>"],
  [SECRET_WORD_VALUE_RE, replaceSecretWordValue as Replacer],
  [ACCOUNT_RE, replaceAccount],
  [BASE64_RE, replaceBase64],
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

/** How much raw text is read at most: the rest could never survive the cap anyway. */
function rawLimit(max: number): number {
  return Math.max(4096, max * 8);
}

/** `text` cut before `limit` at a space, so no identifier is cut into an unrecognisable piece. */
function capRaw(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.lastIndexOf(" ", limit);
  return text.slice(0, cut > limit / 2 ? cut : limit);
}

/**
 * One round: the rules over the text, and over its normalised copy (normalise()) when that
 * differs; the copy's result wins when the rules found something in it.
 */
function round(text: string): string {
  const out = replaceAll(text);
  const copy = normalise(text);
  if (copy === text) return out;
  const fromCopy = replaceAll(clean(copy));
  return fromCopy !== clean(copy) ? fromCopy : out;
}

/**
 * Free text is cut at the last space before `max` (when one is in its second half), so no word
 * is cut into a fragment the free-text stage would take for an unknown token; else as cap().
 */
function capAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  // a text already cut here: its own "…" ends it (so a second pass changes nothing)
  const ownCut = max === text.length - 1 && text.endsWith(ELLIPSIS);
  if (ownCut || text[max] === " " || text[max - 1] === " ") return cap(text, max);
  const space = text.lastIndexOf(" ", max);
  return space > max / 2 ? `${text.slice(0, space).trimEnd()}${ELLIPSIS}` : cap(text, max);
}

/**
 * sanitize() without the plain-words shortcut; with `stage`, that stage runs after the rules in
 * every round (sanitizeText(): the free-text model) and the cap falls between words.
 */
export function sanitizeFully(
  text: string,
  options: SanitizeOptions = {},
  stage?: (text: string) => string,
): string {
  const requested = options.maxLength;
  const max =
    typeof requested === "number" && Number.isFinite(requested) && requested >= 1
      ? Math.floor(requested)
      : DEFAULT_MAX_LENGTH;
  const pass = stage ? (t: string) => stage(round(t)) : round;
  const capTo = stage ? capAtWord : cap;
  let out = pass(clean(capRaw(String(text ?? ""), rawLimit(max))));
  // replacement and cutting until nothing changes: a cut can end a token early (a 13-digit
  // number becomes a 12-digit one), so the cut text passes the rules once more
  for (let n = 0; n < 6; n++) {
    const next = capTo(pass(out), max);
    if (next === out) break;
    out = next;
  }
  return out;
}
