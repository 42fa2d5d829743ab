// Bool: the one reading of yes/no words — TELEMETRY_ENABLED (parseBool), and the on-when-set
// switches DO_NOT_TRACK and TELEMETRY_DEBUG (switchedOn).

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

/** true / false for a recognised word, null for empty/unset, "invalid" for anything else. */
export function parseBool(raw: string | undefined): boolean | null | "invalid" {
  if (raw === undefined) return null;
  const word = raw.trim().toLowerCase();
  if (word === "") return null;
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return "invalid";
}

/** A switch that is on when set to anything but empty or a "no" word (0, false, no, off). */
export function switchedOn(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const word = raw.trim().toLowerCase();
  return word !== "" && !FALSE_WORDS.has(word);
}
