// Normalisation: the form in which the sanitiser (rules.ts) and the guard (guard.ts) also read a
// text, so a disguised identifier is found: Unicode NFKC (fullwidth letters and digits become
// ASCII), look-alike Cyrillic and Greek letters folded to Latin, percent-escapes of printable
// ASCII decoded, "[at]" / "[dot]" (and "x at y dot z") spelt "@" / ".", a dotted quad written
// with spaces or with the letters O, l, I for digits closed up, and (fold(), for the guard) ANSI
// escapes and invisible characters removed. Ordinary ASCII text is its own normal form. Pure, no I/O.

/** Letters from other scripts that look like Latin ones (Cyrillic, Greek), folded for detection. */
const CONFUSABLES: Readonly<Record<string, string>> = {
  а: "a",
  в: "b",
  е: "e",
  ё: "e",
  к: "k",
  м: "m",
  н: "h",
  о: "o",
  р: "p",
  с: "c",
  т: "t",
  у: "y",
  х: "x",
  ѕ: "s",
  "。": ".",
  "．": ".",
  "｡": ".",
  і: "i",
  ї: "i",
  ј: "j",
  ԁ: "d",
  һ: "h",
  ԛ: "q",
  ԝ: "w",
  ӏ: "l",
  А: "A",
  В: "B",
  Е: "E",
  К: "K",
  М: "M",
  Н: "H",
  О: "O",
  Р: "P",
  С: "C",
  Т: "T",
  Х: "X",
  Ѕ: "S",
  І: "I",
  Ј: "J",
  У: "Y",
  α: "a",
  ε: "e",
  ι: "i",
  κ: "k",
  ν: "v",
  ο: "o",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  Α: "A",
  Β: "B",
  Ε: "E",
  Ζ: "Z",
  Η: "H",
  Ι: "I",
  Κ: "K",
  Μ: "M",
  Ν: "N",
  Ο: "O",
  Ρ: "P",
  Τ: "T",
  Υ: "Y",
  Χ: "X",
};
let confusableRe: RegExp | undefined;
function confusables(): RegExp {
  confusableRe ??= new RegExp(`[${Object.keys(CONFUSABLES).join("")}]`, "g");
  return confusableRe;
}
const PERCENT_RE = /%([2-7][0-9A-Fa-f])/g;
const AT_DOT_RE = /\s*[[({<]\s*(at|dot|@|\.)\s*[\])}>]\s*/gi;
/** "j.smith at contoso dot io": an address spelt out in words. */
const SPELT_ADDRESS_RE = /[\w.+-]+\s+at\s+[\w-]+(?:\s+dot\s+[\w-]+)+/gi;
/** A dotted quad written with spaces around its dots (and port): "10 . 0 . 7 . 21 : 6443". */
const SPACED_QUAD_RE = /(?<![\d.])\d{1,3}(?:\s*\.\s*\d{1,3}){3}(?:\s*:\s*\d{1,5})?(?![\d.])/g;
/** A dotted quad with the letter O for 0 or l/I for 1 ("1O.0.0.22"). */
const LETTERED_QUAD_RE = /(?<![\w.])[\dOoIl]{1,3}(?:\.[\dOoIl]{1,3}){3}(?![\w.])/g;

/**
 * The text as the rules should read it: Unicode NFKC (fullwidth letters and digits become
 * ASCII), look-alike letters folded to Latin, percent-escapes of printable ASCII decoded, and
 * "[at]" / "[dot]" spelt as "@" / ".". Equal to `text` for ordinary ASCII text.
 */
export function normalise(text: string): string {
  let out = text;
  if (/[^\x00-\x7f]/.test(out))
    out = out.normalize("NFKC").replace(confusables(), (ch) => CONFUSABLES[ch] ?? ch);
  if (out.includes("%"))
    out = out.replace(PERCENT_RE, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  if (/[[({<]\s*(?:at|dot|@|\.)\s*[\])}>]/i.test(out)) {
    out = out.replace(AT_DOT_RE, (_m, word: string) =>
      word.toLowerCase() === "at" || word === "@" ? "@" : ".",
    );
  }
  if (/\sdot\s/i.test(out))
    out = out.replace(SPELT_ADDRESS_RE, (m) => m.replace(/\s+at\s+/i, "@").replace(/\s+dot\s+/gi, "."));
  if (/\d\s+[.:]\s*\d|\d\s*[.:]\s+\d/.test(out))
    out = out.replace(SPACED_QUAD_RE, (m) => m.replace(/\s+/g, ""));
  if (/[OoIl]/.test(out))
    out = out.replace(LETTERED_QUAD_RE, (m) =>
      /(?:\d[^\d]*){4}/.test(m) ? m.replace(/[Oo]/g, "0").replace(/[Il]/g, "1") : m,
    );
  return out;
}

const INVISIBLE_RE =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** normalise(), with ANSI escapes and invisible characters removed first: the guard's view. */
export function fold(text: string): string {
  return normalise(text.replace(INVISIBLE_RE, ""));
}
