import { describe, expect, test } from "bun:test";
import { childEnv, formatPropagated, propagatedSet, shellQuote } from "../lib/telemetry/propagation.ts";
import { PROPAGATED_VARIABLES, parseSettings } from "../lib/telemetry/settings.ts";

const token = "tok-CANARY-prop-42";
const settings = parseSettings(
  { TELEMETRY_BEARER_TOKEN: token, TELEMETRY_OUTBOX_DIR: "ob" },
  "/abs",
).settings;
const correlation = { sessionId: "sess-1", runId: "run-me", parentRunId: "run-parent" };

describe("propagatedSet: the child environment in the README › Consent, correlation, delivery", () => {
  test("all thirteen, in the seed's order", () => {
    expect(Object.keys(propagatedSet(settings, { enabled: true }, correlation))).toEqual([
      ...PROPAGATED_VARIABLES,
    ]);
  });
  test.each([true, false])("enabled=%p", (enabled) => {
    const set = propagatedSet(settings, { enabled }, correlation);
    expect(set.TELEMETRY_ENABLED).toBe(String(enabled));
    expect(set.TELEMETRY_BEARER_TOKEN).toBe(enabled ? token : "");
    expect(set.TELEMETRY_SESSION_ID).toBe("sess-1");
    expect(set.TELEMETRY_RUN_ID).toBe("");
    expect(set.TELEMETRY_PARENT_RUN_ID).toBe("run-me");
    expect(set.TELEMETRY_COMPONENT).toBe("infra");
    expect(set.TELEMETRY_OUTBOX_DIR).toBe("/abs/ob");
  });
  test("no usable endpoint propagates as set-but-empty", () => {
    const s = parseSettings({ TELEMETRY_ENDPOINT: "ftp://x" }).settings;
    expect(propagatedSet(s, { enabled: true }, correlation).TELEMETRY_ENDPOINT).toBe("");
  });
  test("childEnv overrides the caller's values and keeps the rest", () => {
    const env = childEnv(
      { PATH: "/bin", TELEMETRY_RUN_ID: "stale", UNSET: undefined },
      propagatedSet(settings, { enabled: false }, correlation),
    );
    expect(env.PATH).toBe("/bin");
    expect(env.TELEMETRY_RUN_ID).toBe("");
    expect("UNSET" in env).toBe(false);
  });
});

describe("formatPropagated", () => {
  const set = propagatedSet(
    { ...settings, userAgent: "it's a ua $HOME `x`" },
    { enabled: true },
    correlation,
  );
  test.each(["shell", "dotenv", "json"] as const)("%s leaves the token out unless asked", (format) => {
    expect(formatPropagated(set, format, false)).not.toContain(token);
    expect(formatPropagated(set, format, true)).toContain(token);
  });
  test("shell quoting survives a real shell", () => {
    const text = formatPropagated(set, "shell", false);
    const out = Bun.spawnSync(["sh", "-c", `${text}\nprintf '%s' "$TELEMETRY_USER_AGENT"`], { env: {} });
    expect(out.stdout.toString()).toBe("it's a ua $HOME `x`");
  });
  test("shellQuote", () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});
