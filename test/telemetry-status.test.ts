// `telemetry status|enable|disable|reset` as an operator meets it: real subprocesses of every
// binary's source, `make telemetry-*`, and a real pty (script, 100 columns) for the rules that
// only count at a terminal (remembered, productive-k3s-cli, prompt pending). Each rule that can
// decide is shown in text and in --json (validated with the StatusSchema); the endpoint appears
// as its host alone; the outbox's queue and its oldest event's age are read. Every test has its
// own HOME and XDG_CONFIG_HOME: the real ~/.config is never touched.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as v from "valibot";
import { recordProblem } from "../lib/telemetry/delivery-state.ts";
import { DISCLOSURE_VERSION } from "../lib/telemetry/disclosure.ts";
import { Outbox } from "../lib/telemetry/outbox.ts";
import { type Status, StatusSchema } from "../lib/telemetry/status.ts";
import { makeEvent } from "./support/events.ts";
import { exitWithoutAnswering, killPtys, plain, pty } from "./support/pty.ts";
import { baseEnv, type Env, finish, REPO, run, type TestDirs } from "./support/run.ts";
import { useScope } from "./support/scope.ts";

const scope = useScope();
afterEach(() => killPtys());

const ENDPOINT = "https://op:pw-CANARY-77@telemetry.example.test:8443/ingest/v2?key=QUERY-CANARY-31";
const HOST = "telemetry.example.test:8443";

const decisionFile = (dirs: TestDirs) => join(dirs.config, "pk3s-infra-telemetry", "consent.json");

function remember(dirs: TestDirs, enabled: boolean, version = DISCLOSURE_VERSION): void {
  mkdirSync(dirname(decisionFile(dirs)), { recursive: true, mode: 0o700 });
  const record = { enabled, decided_at: "2026-11-30T10:00:00.000Z", disclosure_version: version };
  writeFileSync(decisionFile(dirs), JSON.stringify(record), { mode: 0o600 });
}

function cliAnswer(dirs: TestDirs, enabled: boolean): void {
  mkdirSync(join(dirs.config, "productive-k3s-cli"), { recursive: true });
  const config = { token: "tok-CANARY-cli-4410", telemetry: { enabled } };
  writeFileSync(join(dirs.config, "productive-k3s-cli", "config.json"), JSON.stringify(config), {
    mode: 0o600,
  });
}

function envFor(dirs: TestDirs, extra: Record<string, string | undefined> = {}): Env {
  return baseEnv(dirs, { TELEMETRY_ENDPOINT: ENDPOINT, ...extra });
}

/** `status` and `status --json` without a terminal. */
async function statusOf(dirs: TestDirs, extra: Record<string, string | undefined> = {}, args: string[] = []) {
  const env = envFor(dirs, extra);
  const text = await run("run-matrix", ["telemetry", "status", ...args], env);
  const json = await run("run-matrix", ["telemetry", "status", "--json", ...args], env);
  expect([text.code, json.code]).toEqual([0, 0]);
  return {
    text: text.stdout,
    stderr: text.stderr + json.stderr,
    json: v.parse(StatusSchema, JSON.parse(json.stdout)),
  };
}

/** A terminal session's environment, from scratch: nothing of the runner's (CI=true on CI!). */
function terminalEnv(dirs: TestDirs, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    TERM: "xterm",
    LANG: "C.UTF-8",
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    TELEMETRY_OUTBOX_DIR: dirs.outbox,
    ...extra,
  };
}

/** `status` and `status --json` under a pty: an interactive session, where remembered answers count. */
async function statusAtTerminal(dirs: TestDirs, extra: Record<string, string> = {}) {
  const env = terminalEnv(dirs, { TELEMETRY_ENDPOINT: ENDPOINT, ...extra });
  const argv = [process.execPath, "scripts/run-matrix.ts", "telemetry", "status"];
  const text = pty(argv, env);
  expect(await exitWithoutAnswering(text)).toBe(0);
  const json = pty([...argv, "--json"], env);
  expect(await exitWithoutAnswering(json)).toBe(0);
  const jsonText = plain(json.output()).replaceAll("\r", "");
  return {
    text: plain(text.output()).replaceAll("\r", ""),
    json: v.parse(StatusSchema, JSON.parse(jsonText.slice(jsonText.indexOf("{")))),
  };
}

function expectRule(
  status: { text: string; json: Status },
  rule: Status["decided_by"],
  state: "on" | "off" | "not decided",
) {
  expect(status.json.decided_by).toBe(rule);
  expect(status.json.enabled).toBe(state === "not decided" ? null : state === "on");
  expect(status.text).toContain(`telemetry: ${state}\n`);
  expect(status.text).toMatch(new RegExp(`decided by: +${rule} \\(`));
  // where events go: the host alone
  expect(status.json.endpoint_host).toBe(HOST);
  expect(status.text).toContain(HOST);
  for (const hidden of ["ingest", "QUERY-CANARY-31", "pw-CANARY-77", "op:"]) {
    expect(status.text).not.toContain(hidden);
    expect(JSON.stringify(status.json)).not.toContain(hidden);
  }
}

describe("telemetry status: each rule that can decide, in text and --json", () => {
  test("flag", async () => {
    const dirs = scope.dirs();
    remember(dirs, true);
    expectRule(await statusOf(dirs, {}, ["--telemetry", "disable"]), "flag", "off");
  });
  test("TELEMETRY_ENABLED", async () => {
    const dirs = scope.dirs();
    expectRule(await statusOf(dirs, { TELEMETRY_ENABLED: "yes" }), "env", "on");
  });
  test("an invalid TELEMETRY_ENABLED", async () => {
    const dirs = scope.dirs();
    const status = await statusOf(dirs, { TELEMETRY_ENABLED: "perhaps" });
    expectRule(status, "env-invalid", "off");
    expect(status.json.reason).toBe("TELEMETRY_ENABLED is not a yes/no value");
  });
  test("DO_NOT_TRACK", async () => {
    const dirs = scope.dirs();
    remember(dirs, true);
    expectRule(await statusOf(dirs, { DO_NOT_TRACK: "1" }), "do-not-track", "off");
  });
  test("the non-interactive default, even with a remembered yes (shown, but not counted)", async () => {
    const dirs = scope.dirs();
    remember(dirs, true);
    const status = await statusOf(dirs);
    expectRule(status, "non-interactive", "off");
    expect(status.json.remembered).toEqual({
      enabled: true,
      decided_at: "2026-11-30T10:00:00.000Z",
      disclosure_version: DISCLOSURE_VERSION,
      current: true,
    });
    expect(status.json.remembered_file).toBe(decisionFile(dirs));
    expect(status.text).toContain("remembered answers count only at a terminal");
  });
  test("remembered (at a terminal)", async () => {
    const dirs = scope.dirs();
    remember(dirs, false);
    const status = await statusAtTerminal(dirs);
    expectRule(status, "remembered", "off");
    expect(status.text).toContain(
      `remembered:         no, 2026-11-30T10:00:00.000Z in ${decisionFile(dirs)}`,
    );
  });
  test("productive-k3s-cli's answer (at a terminal), and nothing else of its file", async () => {
    const dirs = scope.dirs();
    cliAnswer(dirs, true);
    const status = await statusAtTerminal(dirs);
    expectRule(status, "productive-k3s-cli", "on");
    expect(status.json.productive_k3s_cli).toEqual({ enabled: true });
    expect(status.text).toContain("yes (counts as the remembered answer)");
    expect(status.text + JSON.stringify(status.json)).not.toContain("tok-CANARY-cli-4410");
  });
  test("Infra's own answer comes before productive-k3s-cli's", async () => {
    const dirs = scope.dirs();
    cliAnswer(dirs, true);
    remember(dirs, false);
    expectRule(await statusAtTerminal(dirs), "remembered", "off");
  });
  test("prompt pending (at a terminal, nothing remembered)", async () => {
    const dirs = scope.dirs();
    const status = await statusAtTerminal(dirs);
    expectRule(status, "prompt-pending", "not decided");
    expect(status.json.reason).toContain("asks once");
  });
  test("prompt pending after a change of disclosure", async () => {
    const dirs = scope.dirs();
    remember(dirs, true, DISCLOSURE_VERSION - 1);
    const status = await statusAtTerminal(dirs);
    expectRule(status, "prompt-pending", "not decided");
    expect(status.json.remembered?.current).toBe(false);
    expect(status.json.reason).toContain("earlier version");
  });
  test("a hostile decision file (world-writable) is ignored and said so", async () => {
    const dirs = scope.dirs();
    remember(dirs, true);
    const { chmodSync } = await import("node:fs");
    chmodSync(decisionFile(dirs), 0o666);
    const status = await statusAtTerminal(dirs);
    expectRule(status, "prompt-pending", "not decided");
    expect(status.json.remembered_problem).toBe("writable by others (mode 0666)");
  });
});

describe("telemetry status: the outbox", () => {
  test("how many are queued and the oldest one's age; nothing queued says nothing", async () => {
    const dirs = scope.dirs();
    expect((await statusOf(dirs)).text).toContain("queued:             nothing");
    // Two events: one queued ten minutes ago (its UUIDv7 name carries the time), one now.
    const pending = join(dirs.outbox, "pending");
    mkdirSync(pending, { recursive: true, mode: 0o700 });
    const tenMinutesAgo = (Date.now() - 600_000).toString(16).padStart(12, "0");
    const oldId = `${tenMinutesAgo.slice(0, 8)}-${tenMinutesAgo.slice(8)}-7000-8000-000000000001`;
    writeFileSync(join(pending, `${oldId}.json`), JSON.stringify(makeEvent()), { mode: 0o600 });
    const fresh = makeEvent();
    writeFileSync(join(pending, `${fresh.event_id}.json`), JSON.stringify(fresh), { mode: 0o600 });

    const status = await statusOf(dirs);
    expect(status.json.outbox.dir).toBe(dirs.outbox);
    expect(status.json.outbox.queued).toBe(2);
    expect(status.json.outbox.oldest_age_seconds).toBeGreaterThanOrEqual(600);
    expect(status.json.outbox.oldest_age_seconds).toBeLessThan(900);
    expect(status.text).toMatch(/queued: +2 events, oldest 1\d min old/);
    expect(status.text).toContain(`outbox:             ${dirs.outbox}`);
  });

  test("the last delivery problem and a remembered Retry-After", async () => {
    const dirs = scope.dirs();
    expect((await statusOf(dirs)).json.outbox).toMatchObject({ last_problem: null, retry_after_until: null });
    const until = new Date(Date.now() + 3_600_000);
    recordProblem(new Outbox(dirs.outbox), { kind: "wait", status: 429 }, until);
    const status = await statusOf(dirs);
    expect(status.json.outbox.last_problem).toMatchObject({ kind: "wait", status: 429 });
    expect(status.json.outbox.retry_after_until).toBe(until.toISOString());
    expect(status.text).toMatch(/last problem: +endpoint asked to wait \(Retry-After\) \(HTTP 429\) at 20/);
    expect(status.text).toContain(`retry after:        ${until.toISOString()}`);
  });
});

describe("telemetry enable|disable|reset from every binary and from make", () => {
  test.each(["run-matrix", "run-scenario", "flush"])("pk3s-%s telemetry …", async (script) => {
    const dirs = scope.dirs();
    const env = envFor(dirs);
    const enabled = await run(script, ["telemetry", "enable"], env);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toContain(decisionFile(dirs));
    expect(JSON.parse(readFileSync(decisionFile(dirs), "utf8")).enabled).toBe(true);
    expect(statSync(decisionFile(dirs)).mode & 0o777).toBe(0o600);
    expect((await run(script, ["telemetry", "disable"], env)).code).toBe(0);
    expect(JSON.parse(readFileSync(decisionFile(dirs), "utf8")).enabled).toBe(false);
    const status = await run(script, ["telemetry", "status", "--json"], env);
    expect(v.parse(StatusSchema, JSON.parse(status.stdout)).remembered?.enabled).toBe(false);
    expect((await run(script, ["telemetry", "reset"], env)).code).toBe(0);
    expect(existsSync(decisionFile(dirs))).toBe(false);
  });

  test("usage errors exit 2 and name what was wrong", async () => {
    const dirs = scope.dirs();
    const env = envFor(dirs);
    for (const [args, message] of [
      [["telemetry"], "missing action"],
      [["telemetry", "off"], 'unknown telemetry action "off"'],
      [["telemetry", "enable", "now"], 'unexpected argument "now"'],
      [["telemetry", "reset", "--json"], 'option "--json" is for telemetry status'],
    ] as const) {
      const result = await run("run-matrix", [...args], env);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect(existsSync(dirs.config)).toBe(false);
  });

  test("enable with DO_NOT_TRACK set says that DO_NOT_TRACK still wins", async () => {
    const dirs = scope.dirs();
    const result = await run("run-matrix", ["telemetry", "enable"], envFor(dirs, { DO_NOT_TRACK: "1" }));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("DO_NOT_TRACK is set, which comes first");
  });

  test("a config directory that is not the user's own is refused, never chmodded", async () => {
    const dirs = scope.dirs();
    mkdirSync(join(dirs.config, "pk3s-infra-telemetry"), { recursive: true, mode: 0o777 });
    const { chmodSync } = await import("node:fs");
    chmodSync(join(dirs.config, "pk3s-infra-telemetry"), 0o777);
    const result = await run("run-matrix", ["telemetry", "enable"], envFor(dirs));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is writable by group or others (mode 0777)");
    expect(statSync(join(dirs.config, "pk3s-infra-telemetry")).mode & 0o777).toBe(0o777);
    expect(existsSync(decisionFile(dirs))).toBe(false);
  });

  test("make telemetry-enable, telemetry-status JSON=1, telemetry-reset", async () => {
    const dirs = scope.dirs();
    const env = envFor(dirs);
    const make = async (...args: string[]) => {
      const proc = Bun.spawn(["make", "-s", "-C", REPO, ...args], {
        env,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      return finish(proc);
    };
    expect((await make("telemetry-enable")).code).toBe(0);
    const status = await make("telemetry-status", "JSON=1");
    expect(status.code).toBe(0);
    expect(v.parse(StatusSchema, JSON.parse(status.stdout)).remembered?.enabled).toBe(true);
    expect((await make("telemetry-status")).stdout).toContain("telemetry: off");
    expect((await make("telemetry-reset")).code).toBe(0);
    expect(existsSync(decisionFile(dirs))).toBe(false);
  });
});

describe("pk3s-emit env at a terminal", () => {
  test.each([
    ["nothing remembered", undefined, "would ask first (default Yes)"],
    ["a remembered yes", true, "would run with telemetry on (your remembered answer (yes"],
  ] as const)("%s: says what the next run would do, not a bare false", async (_label, remembered, says) => {
    const dirs = scope.dirs();
    if (remembered !== undefined) remember(dirs, remembered);
    const session = pty([process.execPath, "scripts/emit.ts", "env"], terminalEnv(dirs));
    expect(await exitWithoutAnswering(session)).toBe(0);
    const out = plain(session.output()).replaceAll(/\r?\n/g, " ");
    expect(out).toContain("export TELEMETRY_ENABLED='false'");
    expect(out).toContain("TELEMETRY_ENABLED is false here because pk3s-emit never asks");
    expect(out).toContain(says);
  });

  test("without a terminal, env prints the variables and nothing else", async () => {
    const dirs = scope.dirs();
    remember(dirs, true);
    const result = await run("emit", ["env"], baseEnv(dirs));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim().split("\n")).toHaveLength(12);
  });
});
