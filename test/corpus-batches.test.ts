// The larger privacy corpus (test/testdata/batches.json, docs/privacy-and-telemetry.md › What is
// replaced, › What is kept): five batches written independently of the rules, each leak attempt
// asserted gone after sanitizeText() and the guard, this machine's identity (host "lab", user
// "ops", home /home/ops, an address and a MAC) in every spelling asserted gone, and every ordinary
// reason asserted verbatim. The end-to-end corpus (corpus.test.ts) runs the smaller one through
// every channel; this one is the breadth, at the speed of a function call.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { guardValue, machineIdentifiers, type SystemInfo } from "../lib/privacy/guard.ts";
import { sanitizeText } from "../lib/privacy/sanitize.ts";
import { fill, identityForms } from "./support/identity.ts";

interface Leak {
  kind: string;
  text: string;
  gone: string[];
}
const batches = JSON.parse(readFileSync(join(import.meta.dir, "testdata", "batches.json"), "utf8")) as {
  leaks: Leak[];
  own: Leak[];
  benign: string[];
};

const IP = "10.0.1.70";
const MAC = "02:42:ac:11:00:02";
const system: SystemInfo = {
  hostname: () => "lab",
  username: () => "ops",
  homedir: () => "/home/ops",
  networkInterfaces: () => ({
    eth0: [{ address: IP, family: "IPv4", internal: false, mac: MAC }],
  }),
};
const ids = machineIdentifiers({}, system);
const FORMS = identityForms({ host: "lab", user: "ops", home: "/home/ops", ip: IP, mac: MAC });
const recorded = (text: string) => guardValue(sanitizeText(text), ids).value;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("the batches", () => {
  test("hold every kind of the issue, 1,000+ leak attempts, 150+ identity templates and 800+ ordinary reasons", () => {
    const kinds = new Set(batches.leaks.map((l) => l.kind));
    for (const kind of [
      "ids",
      "headers",
      "embedded-address",
      "disguised",
      "dotless-host",
      "cloud",
      "fields",
      "user",
      "path",
      "ip",
      "fqdn",
      "secret",
    ])
      expect(kinds.has(kind)).toBe(true);
    expect(batches.leaks.length).toBeGreaterThanOrEqual(1000);
    expect(batches.own.length).toBeGreaterThanOrEqual(150);
    expect(batches.benign.length).toBeGreaterThanOrEqual(800);
  });

  test("no leak attempt survives sanitizeText() and the guard", () => {
    const survived = batches.leaks
      .map((leak) => ({ leak, out: recorded(leak.text) }))
      .filter(({ leak, out }) => leak.gone.some((piece) => out.includes(piece)))
      .map(({ leak, out }) => `${leak.text} -> ${out}`);
    expect(survived).toEqual([]);
  });

  test("this machine's identity never survives, in any spelling or place of the templates", () => {
    const survived = batches.own
      .map((leak) => ({ text: fill(leak.text, FORMS), gone: leak.gone.map((piece) => fill(piece, FORMS)) }))
      .map(({ text, gone }) => ({ text, gone, out: recorded(text) }))
      // a whole-word check: "lab" is inside "label", "ops" inside "stops"
      .filter(({ gone, out }) =>
        gone.some((piece) => new RegExp(`(?<![A-Za-z0-9])${escapeRe(piece)}(?![A-Za-z0-9])`, "i").test(out)),
      )
      .map(({ text, out }) => `${text} -> ${out}`);
    expect(survived).toEqual([]);
  });

  test("every ordinary reason is recorded verbatim", () => {
    const changed = batches.benign.filter((reason) => recorded(reason) !== reason);
    expect(changed).toEqual([]);
  });
});
