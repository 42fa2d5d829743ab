// The technical vocabulary of the privacy sanitiser's free-text model (lib/privacy/vocabulary.txt,
// docs/privacy-and-telemetry.md › Free text: what is kept) is well-formed: a header, then groups of terms under
// `#` headers, each term lower-case [a-z0-9] (a '-' only inside), sorted within its group, nowhere
// twice, none already an English word or a short word the model keeps anyway, and none of them a
// name of a person, a company or a machine that the free-text model must go on replacing.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isDictionaryWord } from "../lib/privacy/words.ts";

const FILE = join(import.meta.dir, "..", "lib", "privacy", "vocabulary.txt");
const LINES = readFileSync(FILE, "utf8").split("\n");

interface Group {
  header: string;
  terms: string[];
}

/** Groups as the file lays them out: a run of `#` lines opens a group, the terms below belong to it. */
function groupsOf(lines: string[]): Group[] {
  const groups: Group[] = [];
  let inHeader = false;
  for (const line of lines) {
    if (line.startsWith("#")) {
      if (!inHeader) groups.push({ header: line, terms: [] });
      else (groups.at(-1) as Group).header = line;
      inHeader = true;
    } else {
      inHeader = false;
      if (groups.length > 0) (groups.at(-1) as Group).terms.push(line);
    }
  }
  return groups;
}

const BODY = LINES.at(-1) === "" ? LINES.slice(0, -1) : LINES;
const GROUPS = groupsOf(BODY);
const TERMS = GROUPS.flatMap((g) => g.terms);

// Names the free-text model must keep replacing: test identities, placeholder companies, and the
// short host and user names of the fake identity the corpus test runs under.
const CANARIES = ["alice", "jsmith", "mkowalski", "acme", "globex", "contoso", "lab", "ops"];

describe("lib/privacy/vocabulary.txt", () => {
  test("starts with a comment, ends with one newline, and has no blank lines", () => {
    expect(LINES[0]?.startsWith("# ")).toBe(true);
    expect(LINES.at(-1)).toBe("");
    expect(BODY.filter((line) => line.trim() === "")).toEqual([]);
  });

  test("every term is lower-case letters and digits, with '-' only between pieces", () => {
    const malformed = TERMS.filter((term) => !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(term));
    expect(malformed).toEqual([]);
  });

  test("no term is a bare number (numbers are the shape rules' business)", () => {
    expect(TERMS.filter((term) => /^[0-9-]+$/.test(term))).toEqual([]);
  });

  test("every group has terms, and they are sorted within the group", () => {
    expect(GROUPS.length).toBeGreaterThan(10);
    for (const group of GROUPS) {
      expect({ group: group.header, empty: group.terms.length === 0 }).toEqual({
        group: group.header,
        empty: false,
      });
      expect({ group: group.header, terms: group.terms }).toEqual({
        group: group.header,
        terms: [...group.terms].sort(),
      });
    }
  });

  test("no term appears twice, in one group or across groups", () => {
    const twice = TERMS.filter((term, index) => TERMS.indexOf(term) !== index);
    expect(twice).toEqual([]);
  });

  test("no term is already a word of the English dictionary (the model knows those)", () => {
    expect(TERMS.filter((term) => isDictionaryWord(term))).toEqual([]);
  });

  test("no term is a canary name", () => {
    expect(TERMS.filter((term) => CANARIES.includes(term))).toEqual([]);
    // nor does a hyphenated term carry one as a piece
    expect(TERMS.filter((term) => term.split("-").some((piece) => CANARIES.includes(piece)))).toEqual([]);
  });

  test("no term is a word of three letters or fewer (kept anyway; here it would join names: will+iam)", () => {
    expect(TERMS.filter((term) => /^[a-z]{1,3}$/.test(term))).toEqual([]);
  });

  test("no term is a host-name word with a number (node1, server-02, vm3, k3s2 …)", () => {
    const hostish =
      /^(host|node|server|srv|vm|worker|master|agent|web|db|box|pc|desktop|laptop|ip|k3s)-?[0-9]+$/;
    expect(TERMS.filter((term) => hostish.test(term))).toEqual([]);
  });

  test("the file is a real vocabulary, not a stub", () => {
    expect(TERMS.length).toBeGreaterThanOrEqual(2500);
    for (const term of [
      "crashloopbackoff",
      "kubectl",
      "multipass",
      "timeout",
      "webhook",
      "traefik",
      "pk3s",
    ]) {
      expect(TERMS).toContain(term);
    }
  });
});
