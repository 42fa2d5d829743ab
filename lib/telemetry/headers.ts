// Headers: TELEMETRY_MARKER and TELEMETRY_USER_AGENT pass the same rules as any other outside
// value (docs/privacy-and-telemetry.md › The request) — the marker a short token, the user agent
// product/version tokens, neither naming a host, user, address or account; a user-agent comment
// is kept only when it passes the sanitiser and the guard unchanged. Otherwise one warning and
// the default. Loaded by settings.ts only for a value other than the default.
import { guardValue } from "../privacy/guard.ts";
import { identifiersFor } from "../privacy/names.ts";
import { sanitize } from "../privacy/sanitize.ts";

// The marker: a short token. The user agent: RFC 9110 product tokens ("name/version"), each
// optionally followed by a (comment); at most 200 printable ASCII characters in all.
const MARKER = /^[A-Za-z0-9._-]{1,64}$/;
const USER_AGENT = /^[\x20-\x7e]{1,200}$/;
const UA_PRODUCT = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\/[!#$%&'*+.^_`|~0-9A-Za-z-]+)?$/;
const UA_PART = /\([^()]*\)|[^\s()]+/g;

/** Does `value` pass the sanitiser unchanged and name nothing of this machine? */
function isClean(value: string): boolean {
  return sanitize(value) === value && guardValue(value, identifiersFor([value])).hits === 0;
}

/** TELEMETRY_MARKER: a short token that identifies nothing, else the default with a warning. */
export function checkMarker(value: string, fallback: string, warnings: string[]): string {
  if (MARKER.test(value) && isClean(value)) return value;
  warnings.push(
    `TELEMETRY_MARKER must be a short token (1-64 letters, digits or ._-) naming no host, user, address or account; using the default "${fallback}"`,
  );
  return fallback;
}

/**
 * TELEMETRY_USER_AGENT: product tokens ("name/version"), each of which must identify nothing;
 * a (comment) is kept only when it passes the sanitiser and the guard unchanged, else dropped.
 * Anything else: the default with a warning.
 */
export function checkUserAgent(value: string, fallback: string, warnings: string[]): string {
  const parts = USER_AGENT.test(value) ? (value.match(UA_PART) ?? []) : [];
  const kept: string[] = [];
  let products = 0;
  let valid = parts.length > 0 && value.replace(UA_PART, "").trim() === "";
  for (const part of valid ? parts : []) {
    if (part.startsWith("(")) {
      if (products > 0 && isClean(part)) kept.push(part);
    } else if (UA_PRODUCT.test(part) && isClean(part)) {
      products++;
      kept.push(part);
    } else valid = false;
  }
  if (valid && products > 0) return kept.join(" ");
  warnings.push(
    `TELEMETRY_USER_AGENT must be product/version tokens naming no host, user, address or account; using the default "${fallback}"`,
  );
  return fallback;
}
