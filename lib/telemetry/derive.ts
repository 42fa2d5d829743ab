// Inherited correlation ids other than a random UUID (docs/privacy-and-telemetry.md ›
// Correlation ids): whether they are opaque (the shapes in the header of correlation.ts, and
// none of this machine's identifiers inside), and the derived id that replaces one that is not:
// HMAC-SHA-256 keyed with this machine's random machine id, cut to a UUIDv8. Loaded by
// correlation.ts only for such an id.
import { guardValue } from "../privacy/guard.ts";
import { identifiersFor } from "../privacy/names.ts";
import { readOwnFile } from "../util/fs.ts";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const HEX_RE = /^[0-9a-f]{16,128}$/i;
const DIGIT_GROUPS_RE = /^\d{1,20}(?:[-_]\d{1,20}){1,7}$/;
const RANDOM_UUID_VERSIONS = new Set(["4", "7", "8"]);

/** The opaque shapes of the header comment (shape only; see isOpaqueId for the machine check). */
export function hasOpaqueShape(value: string): boolean {
  const uuid = UUID_RE.exec(value);
  if (uuid) return RANDOM_UUID_VERSIONS.has(uuid[1] ?? "");
  if (HEX_RE.test(value)) return true;
  if (!DIGIT_GROUPS_RE.test(value)) return false;
  const groups = value.split(/[-_]/);
  if (groups.some((g) => g.length === 12)) return false; // an account id
  const dashedAddress = groups.length === 4 && groups.every((g) => g.length <= 3 && Number(g) <= 255);
  return !dashedAddress;
}

/** Opaque: the shape, and (hex and digit ids) none of this machine's identifiers inside. */
export function isOpaqueId(value: string): boolean {
  if (!hasOpaqueShape(value)) return false;
  if (UUID_RE.test(value)) return true;
  return guardValue(value, identifiersFor([value])).hits === 0;
}

/** An opaque value as given; anything else derived, with one warning naming `source`. */
export function inheritId(value: string, source: string, warn: (message: string) => void): string {
  if (isOpaqueId(value)) return value;
  warn(derivedIdWarning(source));
  return deriveId(value);
}

/** The one warning for an inherited id that is not opaque; the value itself is never shown. */
export function derivedIdWarning(source: string): string {
  return `${source} is not an opaque id (a UUID, 16+ hex digits, or digits joined by - or _); an opaque id derived from it is used instead, and children receive that`;
}

let key: string | undefined;

/** The derivation key (see the header comment): this machine's machine id, read once. */
function derivationKey(): string {
  key ??= readMachineId() ?? `process:${crypto.randomUUID()}`;
  return key;
}

const MACHINE_ID_FILES = ["/etc/machine-id", "/proc/sys/kernel/random/boot_id"];
const MACHINE_ID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/;

/** A root-owned regular file's short content, read without following a symlink; else null. */
function readMachineId(): string | null {
  for (const file of MACHINE_ID_FILES) {
    const read = readOwnFile(file, 64, 0);
    const text = read.ok ? read.text.trim() : "";
    if (MACHINE_ID_RE.test(text)) return `machine:${text}`;
  }
  return null;
}

/** A UUIDv8 from HMAC-SHA-256(machine key, value): stable on this machine, opaque elsewhere. */
export function deriveId(value: string): string {
  const hmac = new Bun.CryptoHasher("sha256", derivationKey());
  hmac.update(`pk3s-infra-telemetry correlation id\u0000${value}`);
  const bytes = hmac.digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80; // version 8
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
