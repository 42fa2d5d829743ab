import { describe, expect, test } from "bun:test";
import {
  type ConsentInput,
  doNotTrackSet,
  explicitlyDisabled,
  resolveConsent,
} from "../lib/telemetry/consent.ts";

type Row = [
  flag: ConsentInput["flag"],
  env: string | undefined,
  dnt: string | undefined,
  interactive: boolean,
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

/** The expected answer, written independently of the implementation from the consent rules in docs/privacy-and-telemetry.md. */
function expected([flag, env, dnt, interactive]: Row): Expect {
  if (flag) return flag === "enable";
  const parsed = ENV_VALUES.find(([raw]) => raw === env)?.[1];
  if (parsed === true || parsed === false) return parsed;
  if (parsed === "invalid") return false;
  if (DNT_VALUES.find(([raw]) => raw === dnt)?.[1]) return false;
  return interactive ? "ask" : false;
}

const rows: Row[] = [];
for (const flag of [undefined, "enable", "disable"] as const)
  for (const [env] of ENV_VALUES)
    for (const [dnt] of DNT_VALUES)
      for (const interactive of [true, false]) rows.push([flag, env, dnt, interactive]);

describe("resolveConsent: flag × TELEMETRY_ENABLED × DO_NOT_TRACK × interactive", () => {
  test.each(rows)("flag=%p env=%p dnt=%p interactive=%p", (flag, env, dnt, interactive) => {
    const decision = resolveConsent({ flag, telemetryEnabled: env, doNotTrack: dnt, interactive });
    const want = expected([flag, env, dnt, interactive]);
    if (want === "ask") {
      expect(decision.ask).toBe(true);
    } else {
      expect(decision.ask).toBe(false);
      if (!decision.ask) expect(decision.consent.enabled).toBe(want);
    }
  });
});

describe("resolveConsent: sources and warnings", () => {
  test("the flag wins over everything and says so", () => {
    const d = resolveConsent({
      flag: "enable",
      telemetryEnabled: "false",
      doNotTrack: "1",
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
    const d = resolveConsent({ doNotTrack: "1", interactive: true });
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
});

describe("doNotTrackSet / explicitlyDisabled", () => {
  test.each([
    [undefined, false],
    ["", false],
    [" 0 ", false],
    ["FALSE", false],
    ["1", true],
    ["true", true],
    ["anything", true],
  ])("DO_NOT_TRACK=%p → %p", (raw, want) => expect(doNotTrackSet(raw)).toBe(want));

  test("flush sends unless consent was explicitly withdrawn", () => {
    expect(explicitlyDisabled({})).toBeNull();
    expect(explicitlyDisabled({ telemetryEnabled: "true" })).toBeNull();
    expect(explicitlyDisabled({ telemetryEnabled: "0" })?.source).toBe("env");
    expect(explicitlyDisabled({ flag: "disable", telemetryEnabled: "true" })?.source).toBe("flag");
    expect(explicitlyDisabled({ doNotTrack: "1" })?.source).toBe("do-not-track");
    expect(explicitlyDisabled({ telemetryEnabled: "perhaps" })?.source).toBe("env-invalid");
  });
});
