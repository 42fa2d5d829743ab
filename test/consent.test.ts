import { describe, expect, test } from "bun:test";
import {
  type ConsentInput,
  explicitlyDisabled,
  type Remembered,
  resolveConsent,
} from "../lib/telemetry/consent.ts";
import { decideRemembered } from "../lib/telemetry/decision.ts";
import { DISCLOSURE_VERSION, WHAT_IS_SENT } from "../lib/telemetry/disclosure.ts";
import { parseSettings } from "../lib/telemetry/settings.ts";

type Row = [
  flag: ConsentInput["flag"],
  env: string | undefined,
  dnt: string | undefined,
  interactive: boolean,
  remembered: string,
];
type Expect = boolean | "ask";

const ENV_VALUES: Array<[string | undefined, boolean | null | "invalid"]> = [
  [undefined, null],
  ["", null],
  ["true", true],
  ["TRUE", true],
  ["1", true],
  ["yes", true],
  ["On", true],
  ["FALSE", false],
  ["false", false],
  ["0", false],
  ["no", false],
  ["off", false],
  ["maybe", "invalid"],
];
const DNT_VALUES: Array<[string | undefined, boolean]> = [
  [undefined, false],
  ["", false],
  ["0", false],
  ["false", false],
  ["1", true],
  ["yes", true],
];
/** Earlier answers: none, Infra's (this disclosure or an older one), productive-k3s-cli's. */
const REMEMBERED: Record<string, Remembered | null> = {
  none: null,
  "infra yes": { by: "infra", enabled: true, decidedAt: "2026-12-01T20:00:00.000Z", current: true },
  "infra no": { by: "infra", enabled: false, decidedAt: "2026-12-01T20:00:00.000Z", current: true },
  "infra yes, older disclosure": {
    by: "infra",
    enabled: true,
    decidedAt: "2026-01-01T00:00:00.000Z",
    current: false,
  },
  "cli yes": { by: "productive-k3s-cli", enabled: true },
  "cli no": { by: "productive-k3s-cli", enabled: false },
};

/** The expected answer, written independently of the implementation from docs/privacy-and-telemetry.md › Consent. */
function expected([flag, env, dnt, interactive, remembered]: Row): Expect {
  if (flag) return flag === "enable";
  const parsed = ENV_VALUES.find(([raw]) => raw === env)?.[1];
  if (parsed === true || parsed === false) return parsed;
  if (parsed === "invalid") return false;
  if (DNT_VALUES.find(([raw]) => raw === dnt)?.[1]) return false;
  if (!interactive) return false; // a remembered yes never turns a non-interactive run on
  if (remembered === "infra yes" || remembered === "cli yes") return true;
  if (remembered === "infra no" || remembered === "cli no") return false;
  return "ask"; // nothing remembered, or an answer to an older disclosure
}

const rows: Row[] = [];
for (const flag of [undefined, "enable", "disable"] as const)
  for (const [env] of ENV_VALUES)
    for (const [dnt] of DNT_VALUES)
      for (const interactive of [true, false])
        for (const remembered of Object.keys(REMEMBERED))
          rows.push([flag, env, dnt, interactive, remembered]);

describe("resolveConsent: flag × TELEMETRY_ENABLED × DO_NOT_TRACK × interactive × remembered", () => {
  test.each(rows)(
    "flag=%p env=%p dnt=%p interactive=%p remembered=%p",
    (flag, env, dnt, interactive, key) => {
      // DO_NOT_TRACK goes through the one reader of the environment, as in the programs.
      const doNotTrack = parseSettings(dnt === undefined ? {} : { DO_NOT_TRACK: dnt }).settings.doNotTrack;
      let recalled = 0;
      const decision = resolveConsent({
        flag,
        telemetryEnabled: env,
        doNotTrack,
        interactive,
        recall: () => {
          recalled++;
          return decideRemembered(REMEMBERED[key] ?? null);
        },
      });
      const want = expected([flag, env, dnt, interactive, key]);
      if (want === "ask") {
        expect(decision.ask).toBe(true);
      } else {
        expect(decision.ask).toBe(false);
        if (!decision.ask) expect(decision.consent.enabled).toBe(want);
      }
      // The remembered answer is read only when it can decide: interactive and nothing else decided.
      if (!interactive) expect(recalled).toBe(0);
      if (flag || (env !== undefined && env !== "")) expect(recalled).toBe(0);
    },
  );
});

describe("resolveConsent: sources and warnings", () => {
  test("the flag wins over everything and says so", () => {
    const d = resolveConsent({
      flag: "enable",
      telemetryEnabled: "false",
      doNotTrack: true,
      interactive: true,
    });
    expect(d).toEqual({
      ask: false,
      consent: { enabled: true, source: "flag", reason: "--telemetry enable" },
    });
  });
  test("an unrecognised TELEMETRY_ENABLED warns once, turns telemetry off and never asks", () => {
    const d = resolveConsent({ telemetryEnabled: "maybe", interactive: true });
    expect(d.ask).toBe(false);
    expect(d.warning).toContain("TELEMETRY_ENABLED");
    if (!d.ask) expect(d.consent).toMatchObject({ enabled: false, source: "env-invalid" });
  });
  test("valid values carry no warning", () => {
    expect(resolveConsent({ telemetryEnabled: "true", interactive: false }).warning).toBeUndefined();
  });
  test("DO_NOT_TRACK is the source when it decides", () => {
    const d = resolveConsent({ doNotTrack: true, interactive: true });
    expect(!d.ask && d.consent.source).toBe("do-not-track");
  });
  test("non-interactive with nothing set is off, source non-interactive", () => {
    const d = resolveConsent({ interactive: false });
    expect(!d.ask && d.consent).toEqual({
      enabled: false,
      source: "non-interactive",
      reason: "not interactive and TELEMETRY_ENABLED is unset",
    });
  });
  test("a remembered answer names itself and when it was given", () => {
    const d = resolveConsent({
      interactive: true,
      recall: () => decideRemembered(REMEMBERED["infra no"] ?? null),
    });
    expect(!d.ask && d.consent).toEqual({
      enabled: false,
      source: "remembered",
      reason: "your remembered answer (no, 2026-12-01T20:00:00.000Z)",
    });
  });
  test("productive-k3s-cli's answer counts when Infra has none, and says so", () => {
    const d = resolveConsent({
      interactive: true,
      recall: () => decideRemembered(REMEMBERED["cli yes"] ?? null),
    });
    expect(!d.ask && d.consent.source).toBe("productive-k3s-cli");
  });
  test("why a question is pending: nothing remembered, or a changed disclosure", () => {
    expect(resolveConsent({ interactive: true })).toEqual({ ask: true, why: "no-decision" });
    const stale = REMEMBERED["infra yes, older disclosure"] ?? null;
    expect(resolveConsent({ interactive: true, recall: () => decideRemembered(stale) })).toEqual({
      ask: true,
      why: "disclosure-changed",
    });
  });
});

describe("the disclosure", () => {
  // A tripwire: what the question says is sent is part of every remembered answer. Changing it
  // must bump DISCLOSURE_VERSION (so everyone is asked again), and then this pair is updated.
  test("what is sent is the text DISCLOSURE_VERSION was given for", () => {
    expect({ version: DISCLOSURE_VERSION, text: WHAT_IS_SENT }).toEqual({
      version: 1,
      text: WHAT_IS_SENT_V1,
    });
  });
});
const WHAT_IS_SENT_V1 =
  "infra.command.* events: command, scenario, level, result, duration, and random run and session ids; never hosts, users, paths or IP addresses";

describe("explicitlyDisabled", () => {
  test("flush sends unless consent was explicitly withdrawn", () => {
    expect(explicitlyDisabled({})).toBeNull();
    expect(explicitlyDisabled({ telemetryEnabled: "true" })).toBeNull();
    expect(explicitlyDisabled({ telemetryEnabled: "0" })?.source).toBe("env");
    expect(explicitlyDisabled({ flag: "disable", telemetryEnabled: "true" })?.source).toBe("flag");
    expect(explicitlyDisabled({ doNotTrack: true })?.source).toBe("do-not-track");
    expect(explicitlyDisabled({ telemetryEnabled: "perhaps" })?.source).toBe("env-invalid");
  });
});
