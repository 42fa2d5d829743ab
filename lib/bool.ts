// Bool: the one reading of yes/no words used by consent and DO_NOT_TRACK.

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
