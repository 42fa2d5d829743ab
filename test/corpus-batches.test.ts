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
import { addressForms, macForms } from "../lib/privacy/identifier-forms.ts";
import { sanitizeText } from "../lib/privacy/sanitize.ts";

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
const [ipDashed = IP, , ipHex = IP, ipDecimal = IP] = addressForms(IP);
const [, , macDashed = MAC, macBare = MAC] = macForms(MAC);
const FORMS: Record<string, string> = {
  HOST: "lab",
  HOST_UPPER: "LAB",
  HOST_UNDERSCORE: "lab",
  HOST_FULLWIDTH: "\uff4c\uff41\uff42",
  HOST_HOMOGLYPH: "l\u0430b",
  USER: "ops",
  HOME: "/home/ops",
  HOME_PCT: "%2Fhome%2Fops",
  IP,
  IP_DASHED: ipDashed,
  IP_HEX: ipHex,
  IP_DECIMAL: ipDecimal,
  MAC,
  MAC_BARE: macBare,
  MAC_UPPER_DASHED: macDashed.toUpperCase(),
};
const fill = (text: string) => text.replace(/\{([A-Z_]+)\}/g, (m, key: string) => FORMS[key] ?? m);
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
      .map((leak) => ({ text: fill(leak.text), gone: leak.gone.map(fill) }))
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
