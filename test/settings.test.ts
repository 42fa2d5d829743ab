import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { DEFAULT_USER_AGENT } from "../lib/cli/version.ts";
import {
  absolutePath,
  DEFAULT_ENDPOINT,
  DEFAULT_MARKER,
  defaultOutboxDir,
  parseSettings,
} from "../lib/telemetry/settings.ts";

const base = { HOME: "/home/canary-user-x9" };

describe("parseSettings: defaults in the README › Consent, correlation, delivery", () => {
  test("nothing set", () => {
    const { settings, warnings } = parseSettings(base, "/work");
    expect(warnings).toEqual([]);
    expect(settings).toMatchObject({
      endpoint: DEFAULT_ENDPOINT,
      marker: DEFAULT_MARKER,
      token: null,
      maxRetries: 3,
      connectTimeoutSeconds: 5,
      requestTimeoutSeconds: 10,
      userAgent: DEFAULT_USER_AGENT,
      sessionId: null,
      parentRunId: null,
      runId: null,
      debug: false,
      outboxDir: "/home/canary-user-x9/.local/state/pk3s-infra-telemetry/outbox",
    });
  });
  test("XDG_STATE_HOME wins when absolute, is ignored when relative", () => {
    expect(defaultOutboxDir({ ...base, XDG_STATE_HOME: "/state" })).toBe(
      "/state/pk3s-infra-telemetry/outbox",
    );
    expect(defaultOutboxDir({ ...base, XDG_STATE_HOME: "rel" })).toContain(
      "/home/canary-user-x9/.local/state",
    );
  });
  test("a relative TELEMETRY_OUTBOX_DIR becomes absolute against the working directory", () => {
    expect(parseSettings({ TELEMETRY_OUTBOX_DIR: "q/out" }, "/work/x").settings.outboxDir).toBe(
      "/work/x/q/out",
    );
  });
});

describe("parseSettings: invalid values warn once, name the variable and the default", () => {
  test.each([
    ["TELEMETRY_MAX_RETRIES", "abc", "maxRetries", 3],
    ["TELEMETRY_MAX_RETRIES", "-1", "maxRetries", 3],
    ["TELEMETRY_MAX_RETRIES", "0", "maxRetries", 3],
    ["TELEMETRY_MAX_RETRIES", "2.5", "maxRetries", 3],
    ["TELEMETRY_MAX_RETRIES", "99", "maxRetries", 3],
    ["TELEMETRY_REQUEST_TIMEOUT_SECONDS", "0", "requestTimeoutSeconds", 10],
    ["TELEMETRY_REQUEST_TIMEOUT_SECONDS", "-3", "requestTimeoutSeconds", 10],
    ["TELEMETRY_REQUEST_TIMEOUT_SECONDS", "ten", "requestTimeoutSeconds", 10],
    ["TELEMETRY_CONNECT_TIMEOUT_SECONDS", "0", "connectTimeoutSeconds", 5],
    ["TELEMETRY_CONNECT_TIMEOUT_SECONDS", "1e9", "connectTimeoutSeconds", 5],
  ] as const)("%s=%p", (name, raw, key, fallback) => {
    const { settings, warnings } = parseSettings({ ...base, [name]: raw });
    expect(settings[key]).toBe(fallback);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(name);
    expect(warnings[0]).toContain(`default ${fallback}`);
  });
  test.each([
    ["TELEMETRY_MAX_RETRIES", "5", "maxRetries", 5],
    ["TELEMETRY_MAX_RETRIES", " 1 ", "maxRetries", 1],
    ["TELEMETRY_REQUEST_TIMEOUT_SECONDS", "0.5", "requestTimeoutSeconds", 0.5],
    ["TELEMETRY_CONNECT_TIMEOUT_SECONDS", "2", "connectTimeoutSeconds", 2],
    ["TELEMETRY_MAX_RETRIES", "", "maxRetries", 3],
  ] as const)("valid %s=%p", (name, raw, key, want) => {
    const { settings, warnings } = parseSettings({ ...base, [name]: raw });
    expect(settings[key]).toBe(want);
    expect(warnings).toEqual([]);
  });
  test("the token value is never echoed in a warning", () => {
    const token = "tok-CANARY-settings-123";
    const { warnings } = parseSettings({
      ...base,
      TELEMETRY_BEARER_TOKEN: token,
      TELEMETRY_MARKER: "has space",
    });
    expect(warnings.join("\n")).not.toContain(token);
    expect(warnings.join("\n")).toContain("TELEMETRY_MARKER");
  });
});

describe("absolutePath: the outbox dir, as node:path would resolve it", () => {
  // Normal absolute paths are taken as they are (no node:path at start-up); anything else
  // goes through path.resolve. Either way the answer is resolve()'s.
  const rows = [
    "/",
    "/a",
    "/a/b",
    "/a/b/",
    "/a//b",
    "//x",
    "/a/./b",
    "/a/../b",
    "/a/..",
    "/a/.",
    "/.hidden/x",
    "/a/..b",
    "/a/b.",
    "/a/b c",
    "rel",
    "./rel",
    "../x",
    "",
    "a/../../b",
  ];
  test.each(rows)("%p", (raw) => {
    expect(absolutePath("/cwd/here", raw)).toBe(resolve("/cwd/here", raw));
  });
});

describe("parseSettings: endpoint", () => {
  test.each([
    [undefined, DEFAULT_ENDPOINT, 0],
    ["", null, 0],
    ["   ", null, 0],
    ["https://t.example/x", "https://t.example/x", 0],
    ["http://127.0.0.1:9/x", "http://127.0.0.1:9/x", 0],
    ["ftp://t.example/x", null, 1],
    ["not a url", null, 1],
    ["telemetry.productive-k3s.io", null, 1],
  ])("TELEMETRY_ENDPOINT=%p → %p", (raw, want, nWarnings) => {
    const env: Record<string, string | undefined> = { ...base };
    if (raw !== undefined) env.TELEMETRY_ENDPOINT = raw;
    const { settings, warnings } = parseSettings(env);
    expect(settings.endpoint).toBe(want);
    expect(warnings).toHaveLength(nWarnings);
    if (nWarnings) expect(warnings[0]).toContain("TELEMETRY_ENDPOINT");
  });
});

describe("parseSettings: ids and typos", () => {
  test("session and parent ids are inherited when opaque", () => {
    const { settings, warnings } = parseSettings({
      TELEMETRY_SESSION_ID: "9f3a61c0d2e4b875",
      TELEMETRY_PARENT_RUN_ID: "20261201-202837-4242-17731",
    });
    expect(settings.sessionId).toBe("9f3a61c0d2e4b875");
    expect(settings.parentRunId).toBe("20261201-202837-4242-17731");
    expect(warnings).toEqual([]);
  });
  test("malformed ids are replaced by derived ones, with one warning each", () => {
    const { settings, warnings } = parseSettings({
      TELEMETRY_SESSION_ID: "a b;rm -rf",
      TELEMETRY_PARENT_RUN_ID: "../x",
    });
    expect(settings.sessionId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(settings.parentRunId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8/);
    expect(warnings).toHaveLength(2);
  });
  test("a misspelt variable gets a did-you-mean", () => {
    const { warnings } = parseSettings({ TELEMETRY_ENDPIONT: "x", TELEMETRY_ENABLE: "true" });
    expect(warnings).toContain(
      "TELEMETRY_ENDPIONT is not a pk3s telemetry variable and is ignored; did you mean TELEMETRY_ENDPOINT?",
    );
    expect(warnings.some((w) => w.includes("TELEMETRY_ENABLE ") && w.includes("TELEMETRY_ENABLED?"))).toBe(
      true,
    );
  });
  test("TELEMETRY_DEBUG", () => {
    expect(parseSettings({ TELEMETRY_DEBUG: "1" }).settings.debug).toBe(true);
    expect(parseSettings({ TELEMETRY_DEBUG: "0" }).settings.debug).toBe(false);
    expect(parseSettings({ TELEMETRY_DEBUG: "" }).settings.debug).toBe(false);
    expect(parseSettings({ TELEMETRY_DEBUG: "On" }).settings.debug).toBe(true);
  });
  test.each(["maybe", "2", "debug"])(
    "TELEMETRY_DEBUG=%p: the same warning as any invalid variable, debug off",
    (raw) => {
      const { settings, warnings } = parseSettings({ TELEMETRY_DEBUG: raw });
      expect(settings.debug).toBe(false);
      expect(warnings).toEqual([
        `TELEMETRY_DEBUG must be true/false, 1/0, yes/no or on/off (got "${raw}"); using the default false`,
      ]);
    },
  );
});

describe("parseSettings: inherited ids must be opaque", () => {
  test.each(["node-a.corp.example.com", "10.20.30.40", "123456789012"])("%p is replaced", (raw) => {
    const { settings, warnings } = parseSettings({ TELEMETRY_SESSION_ID: raw });
    expect(settings.sessionId).not.toBe(raw);
    expect(settings.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(warnings[0]).toContain("TELEMETRY_SESSION_ID");
    expect(warnings[0]).not.toContain(raw);
  });
  test("a UUID is an opaque id and kept", () => {
    const id = "01a21555-5cb1-75a1-96f7-7f23e522533a";
    expect(parseSettings({ TELEMETRY_PARENT_RUN_ID: id }).settings.parentRunId).toBe(id);
  });
});

describe("inherited ids naming this machine are refused (a real process, canaries in its env)", () => {
  test("a session id made of the host name, a parent id made of the user name", () => {
    const out = Bun.spawnSync([process.execPath, "scripts/emit.ts", "env", "--format", "json"], {
      cwd: `${import.meta.dir}/..`,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: "/tmp",
        HOSTNAME: "canaryboxzq9",
        USER: "zorkuserzq9",
        TELEMETRY_OUTBOX_DIR: "/tmp/pk3s-settings-test-outbox",
        TELEMETRY_SESSION_ID: "canaryboxzq9-4242",
        TELEMETRY_PARENT_RUN_ID: "zorkuserzq9-run",
      },
    });
    const set = JSON.parse(out.stdout.toString()) as Record<string, string>;
    expect(set.TELEMETRY_SESSION_ID).not.toContain("canaryboxzq9");
    expect(set.TELEMETRY_PARENT_RUN_ID).not.toContain("zorkuserzq9");
    const stderr = out.stderr.toString();
    expect(stderr).toContain("TELEMETRY_SESSION_ID");
    expect(stderr).toContain("TELEMETRY_PARENT_RUN_ID");
    expect(stderr).not.toContain("canaryboxzq9");
  });
});

describe("parseSettings: the one reader of DO_NOT_TRACK, TELEMETRY_RUN_ID and the config directory", () => {
  test.each([
    [undefined, false],
    ["", false],
    [" 0 ", false],
    ["FALSE", false],
    ["no", false],
    ["1", true],
    ["true", true],
    ["anything", true],
  ])("DO_NOT_TRACK=%p → doNotTrack %p", (raw, want) => {
    const env = raw === undefined ? base : { ...base, DO_NOT_TRACK: raw };
    expect(parseSettings(env).settings.doNotTrack).toBe(want);
  });

  test("TELEMETRY_RUN_ID: an opaque id is kept; anything else warns once, naming it, and is replaced", () => {
    expect(parseSettings({ ...base, TELEMETRY_RUN_ID: "0123456789abcdef" }).settings.runId).toBe(
      "0123456789abcdef",
    );
    expect(parseSettings({ ...base, TELEMETRY_RUN_ID: "" }).settings.runId).toBeNull();
    const { settings, warnings } = parseSettings({ ...base, TELEMETRY_RUN_ID: "node-a.corp.example.com" });
    expect(settings.runId).not.toContain("corp");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("TELEMETRY_RUN_ID");
    expect(warnings[0]).not.toContain("corp.example.com");
  });

  test.each([
    [{ XDG_CONFIG_HOME: "/cfg" }, "/cfg"],
    [{ XDG_CONFIG_HOME: "relative/cfg" }, "/home/canary-user-x9/.config"],
    [{ XDG_CONFIG_HOME: "" }, "/home/canary-user-x9/.config"],
    [{}, "/home/canary-user-x9/.config"],
    [{ HOME: "/home/canary-user-x9/" }, "/home/canary-user-x9/.config"],
  ] as const)("config directory for %j is %p", (extra, want) => {
    expect(parseSettings({ ...base, ...extra }).settings.configHome).toBe(want);
  });
});
