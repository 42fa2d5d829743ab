// Identifier forms: the other spellings of this machine's addresses and MACs the guard also
// looks for, and where an ordinary-word host or user name (lab, ops) identifies (guard.ts,
// docs/privacy-and-telemetry.md › This machine's own identifiers). Loaded by the guard only when
// it reads the interfaces or builds its patterns (patternFor: how each kind is matched), so pk3s-emit's start-up does not carry it.
import { expandIPv6, type Identifier } from "./guard.ts";

/**
 * Other spellings of an address: IPv4 with "-" and "_" (ip-10-0-1-70), as 8 hex digits and as
 * one decimal number; IPv6 fully expanded, and as 32 hex digits.
 */
export function addressForms(address: string): string[] {
  const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (quad) {
    const bytes = quad.slice(1).map(Number);
    const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
    return [bytes.join("-"), bytes.join("_"), hex, String(Number.parseInt(hex, 16))];
  }
  const expanded = address.includes(":") ? expandIPv6(address) : undefined;
  if (!expanded) return [];
  const full = expanded
    .split(":")
    .map((g) => g.padStart(4, "0"))
    .join("");
  return expanded === address ? [full] : [expanded, full];
}

/** A MAC as aa:bb:…, aa-bb-…, aabbccddeeff and aabb.ccdd.eeff. */
export function macForms(mac: string): string[] {
  const bare = mac.replace(/[^0-9A-Fa-f]/g, "").toLowerCase();
  if (bare.length !== 12) return [mac];
  const pairs = bare.match(/../g) ?? [];
  return [
    mac,
    pairs.join(":"),
    pairs.join("-"),
    bare,
    `${bare.slice(0, 4)}.${bare.slice(4, 8)}.${bare.slice(8)}`,
  ];
}

/**
 * Host and user names that are also ordinary words or common abbreviations. Such a
 * name of this machine is replaced only where it identifies (identifyingPlaces), so "ops team
 * must approve" on a machine whose user is ops stays readable.
 */
const ORDINARY_NAMES: ReadonlySet<string> = new Set(
  "lab labs ops dev devel test tests prod stage staging home office work build deploy backup backups data web mail db demo main edge gateway router box laptop desktop worker cloud media git sre qa kube local alpha beta gamma delta omega apollo atlas orion phoenix titan zeus mars venus jupiter pluto saturn mercury neptune earth moon sun star sky blue red green black white gray grey silver gold iron steel rock stone river lake sea ocean forest tree oak pine maple cedar fox wolf bear eagle hawk owl lion tiger panda koala dragon ghost shadow storm thunder lightning rain snow ice fire nova comet rocket pilot captain master monitor service services storage compute network proxy cache queue batch jobs runner agent client host app api bot cat dog net sys log tmp var etc usr bin lib src doc pkg run job ci cd aws gcp k8s pod vm vps nas hub key map max min new old one two top win mac pro air big fun gym hat ink jam kit man mix nut pad pen pet pin pot ray rig rod row tab tag tap tea tie tin toy tub van wax zip ant bee bug cow elk emu hen ram".split(
    " ",
  ),
);

/** One of ORDINARY_NAMES (any case). */
export function isOrdinaryName(name: string): boolean {
  return ORDINARY_NAMES.has(name.toLowerCase());
}

/** Words after which a name is a machine's or a person's ("connection to X", "held by X"). */
const LEADS_TO_A_NAME =
  "(?:to|from|at|on|via|by|for|of|as|into|reach|reaching|ping|contact|contacting|resolve|resolving|who|whoami|named|called)";
/** What follows a name in such a place: the end, punctuation, "(", or a verb of state. */
const FOLLOWS_A_NAME =
  "(?=\\s*$|[:;,.!?)\\]}]|\\s+\\(|\\s+(?:is|was|are|were|has|had|have|does|did|not|cannot|can't|could|closed|port|refused|failed|timed|denied|returned|rejected|reported|responded|unreachable|down|offline|unavailable|since|until|while|after|before|because|at|from|via|with|pts|tty\\d*)\\b)";

/**
 * Where an ordinary-word name identifies: user@name and name@, a path segment (/x/name/, ~name),
 * name:22 and name:/path, (name), [name], "name", the whole text, after a user/host key, "=" or
 * an ssh command, before a private suffix (name.local), an owner pair (name:name), a piece of a
 * name joined by "_" or of a "-"/"."-joined name with a digit (k3s_lab_dev, lab-node-2), and
 * after a word that leads to a machine or a person ("connection to", "held by", "password
 * for", "ping:", "who:") when a verb, a linking word, punctuation or the end follows ("to lab
 * closed", "by ops (pid", "for ops:", "held by ops since") — "the ops team" and "waiting for ops
 * approval" stay; at the start before ": " (sshd's "ops: Permission denied"), before a
 * terminal (who's "ops pts/0", su's "ops on pts/1"), as an item of a parenthesised ";" list (a
 * user agent's "(lab; ops)"), and as a piece of a value after "=" (JOB_NAME=matrix/ops-x).
 */
export function identifyingPlaces(c: string): string {
  const end = "(?![A-Za-z0-9])";
  return [
    `(?<=@)${c}${end}`,
    `(?<![A-Za-z0-9.])${c}(?=@)`,
    `(?<=[/\\\\~])${c}(?=[/\\\\])`,
    `(?<=(?:^|\\s)~)${c}${end}`,
    `(?<![A-Za-z0-9])${c}(?=:(?:\\d|/))`,
    `(?<=\\()${c}(?=\\))`,
    `^${c}$`,
    `(?<=\\b(?:user|username|login|owner|host|hostname|nodename|node|server|machine)(?:["']?\\s*[=:]\\s*["']?|\\s+))${c}${end}`,
    `(?<=\\bssh\\s+(?:-\\S+\\s+)*)${c}${end}`,
    `(?<![A-Za-z0-9])${c}(?=\\.(?:local|lan|home|internal|corp|localdomain)\\b)`,
    `(?<=\\[)${c}(?=\\])`,
    `(?<=(?:^|[\\s(=:])["'])${c}(?=["'])`,
    `(?<==\\s*["']?)${c}${end}`,
    `(?<=[A-Za-z0-9>]:)${c}${end}`,
    `(?<![A-Za-z0-9])${c}(?=:[A-Za-z_])`,
    `(?<=[A-Za-z0-9]_)${c}${end}`,
    `(?<![A-Za-z0-9])${c}(?=_[A-Za-z0-9])`,
    `(?<=[^\\s]*\\d[^\\s]*[-.])${c}${end}`,
    `(?<![A-Za-z0-9])${c}(?=[-.][^\\s]*\\d)`,
    `(?<=\\b${LEADS_TO_A_NAME}:?\\s+["']?)${c}(?=["']?${FOLLOWS_A_NAME})`,
    `^${c}(?=:\\s)`,
    `(?<![A-Za-z0-9])${c}(?=\\s+(?:on\\s+)?(?:pts|tty)\\/?\\d)`,
    `(?<=\\((?:[^()]*;\\s*)?)${c}(?=\\s*[;)])`,
    `(?<==[^\\s=]*[^A-Za-z0-9\\s])${c}${end}`,
  ].join("|");
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

export function caseless(s: string): string {
  let out = "";
  for (const ch of s) {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    out += lower !== upper && lower.length === 1 && upper.length === 1 ? `[${lower}${upper}]` : escapeRe(ch);
  }
  return out;
}

export function patternFor(id: Identifier, variant: string): string {
  switch (id.kind) {
    case "secret":
      return escapeRe(variant);
    case "home":
      return caseless(variant);
    case "ip":
      if (variant.includes(":")) return `(?<![0-9A-Fa-f:])${caseless(variant)}(?![0-9A-Fa-f]|:[0-9A-Fa-f])`;
      if (/^[0-9A-Fa-f]+$/.test(variant)) return `(?<![0-9A-Fa-f])${caseless(variant)}(?![0-9A-Fa-f])`;
      if (/[-_]/.test(variant)) return `(?<![0-9])${escapeRe(variant)}(?![0-9])`;
      return `(?<![0-9.])${escapeRe(variant)}(?![0-9]|\\.[0-9])`;
    case "mac":
      return `(?<![0-9A-Fa-f])${caseless(variant)}(?![0-9A-Fa-f])`;
    default:
      return isOrdinaryName(variant)
        ? identifyingPlaces(caseless(variant))
        : `(?<![A-Za-z0-9])${caseless(variant)}(?![A-Za-z0-9])`;
  }
}
