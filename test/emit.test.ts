// pk3s-emit (the README › Consent, correlation, delivery, and docs/privacy-and-telemetry.md): the event it sends, doing nothing at all when disabled, never
// waiting on a dead endpoint, previews, the propagated environment, and usage errors.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as v from "valibot";
import { waiterPid } from "../lib/telemetry/background.ts";
import { EventSchema, type TelemetryEvent } from "../lib/telemetry/event.ts";
import { backgroundFlushers, connectionsSoFar, flushersDone } from "./support/hostile.ts";
import {
  baseEnv,
  counts,
  finish,
  lockPid,
  REPO,
  run,
  running,
  scriptArgv,
  start,
  type TestDirs,
  waitFor,
} from "./support/run.ts";
import { useScope } from "./support/scope.ts";

const scope = useScope();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TOKEN = "tok-emit-test-77aa88";

const STARTED = ["infra.command.started", "--command", "run-scenario", "--result", "started"];
const COMPLETED = [
  "infra.command.completed",
  "--command",
  "run-scenario",
  "--result",
  "success",
  "--scenario",
  "onprem-basic",
  "--level",
  "contract",
  "--duration-ms",
  "1500",
];

/** An http URL on a loopback port nothing listens on (connection refused at once). */
function deadEndpoint(): string {
  const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const url = `http://127.0.0.1:${closed.port}/telemetry`;
  closed.stop(true);
  return url;
}

function parseEvent(body: string): TelemetryEvent {
  const parsed = v.safeParse(EventSchema, JSON.parse(body));
  if (!parsed.success) throw new Error(`not a valid event: ${body}`);
  return parsed.output;
}

/** Nothing pending or claimed, and no background flusher of this outbox still running. */
async function settled(dirs: TestDirs, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    () => {
      const pid = lockPid(dirs.outbox);
      return (
        dirs.list("pending").length === 0 &&
        dirs.list("claimed").length === 0 &&
        (pid === null || !running(pid))
      );
    },
    timeoutMs,
    "the outbox to drain",
  );
}

/** The queued text of the event `id`, wherever it is (pending, or claimed by a flusher). */
async function queuedFile(dirs: TestDirs, id: string): Promise<string> {
  let text = "";
  await waitFor(
    () => {
      for (const area of ["pending", "claimed"]) {
        for (const name of dirs.list(area)) {
          if (!name.startsWith(`${id}.json`)) continue;
          try {
            text = readFileSync(join(dirs.outbox, area, name), "utf8").trimEnd();
            return true;
          } catch {
            // moved between listing and reading: look again
          }
        }
      }
      return false;
    },
    5_000,
    `event ${id} in the outbox`,
  );
  return text;
}

describe("enabled, answering endpoint", () => {
  test("each emit sends one event in docs/privacy-and-telemetry.md › Usage events with the chain's correlation, and the outbox ends empty", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const env = baseEnv(dirs, {
      TELEMETRY_ENABLED: "true",
      TELEMETRY_ENDPOINT: receiver.url,
      TELEMETRY_SESSION_ID: "5e550000000a0001",
      TELEMETRY_PARENT_RUN_ID: "c11a000000000042",
    });
    const first = await run("emit", STARTED, { ...env, TELEMETRY_RUN_ID: "e0e0000000000001" });
    const second = await run("emit", [...COMPLETED, "--run-id", "f1a9000000000001"], {
      ...env,
      TELEMETRY_RUN_ID: "e0e0000000000001",
    });
    const third = await run("emit", STARTED, env);
    for (const result of [first, second, third]) {
      expect(result.code).toBe(0);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe("");
    }
    await waitFor(() => receiver.requests.length >= 3, 15_000, "three requests");
    await settled(dirs);
    expect(receiver.requests).toHaveLength(3);
    const events = receiver.requests.map((r) => parseEvent(r.body));
    const byRun = new Map(events.map((e) => [e.run_id, e]));

    const started = byRun.get("e0e0000000000001");
    expect(started).toMatchObject({
      schema_version: "1",
      event_family: "usage",
      event_name: "infra.command.started",
      session_id: "5e550000000a0001",
      parent_run_id: "c11a000000000042",
      component: "infra",
      command: { name: "run-scenario", scenario: "", level: null, result: "started" },
      client: { repository: "productive-k3s-infra", script: "pk3s-emit", telemetry_enabled: "true" },
      telemetry_meta: { delivery_mode: "best-effort", anonymous_by_contract: true },
    });
    expect(started?.command.duration_ms).toBeUndefined();
    expect(started?.sent_at).toMatch(/Z$/);

    const completed = byRun.get("f1a9000000000001");
    expect(completed).toMatchObject({
      event_name: "infra.command.completed",
      session_id: "5e550000000a0001",
      parent_run_id: "c11a000000000042",
      command: {
        name: "run-scenario",
        scenario: "onprem-basic",
        level: "contract",
        result: "success",
        duration_ms: 1500,
      },
    });

    const fresh = events.find((e) => e !== started && e !== completed);
    expect(fresh?.run_id).toMatch(UUID);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(3);
    for (const e of events) expect(e.event_id).toMatch(UUID);
  });

  test("without TELEMETRY_SESSION_ID / PARENT_RUN_ID: a fresh session and a null parent", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const env = baseEnv(dirs, { TELEMETRY_ENABLED: "1", TELEMETRY_ENDPOINT: receiver.url });
    expect((await run("emit", STARTED, env)).code).toBe(0);
    expect((await run("emit", STARTED, env)).code).toBe(0);
    await waitFor(() => receiver.requests.length >= 2, 15_000, "two requests");
    await settled(dirs);
    const [a, b] = receiver.requests.map((r) => parseEvent(r.body));
    expect(a?.parent_run_id).toBe("");
    expect(a?.session_id).toMatch(UUID);
    expect(a?.session_id).not.toBe(b?.session_id as string);
  });

  test("several emits at once into a fresh outbox: no crash, every event delivered", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const env = baseEnv(dirs, { TELEMETRY_ENABLED: "true", TELEMETRY_ENDPOINT: receiver.url });
    const results = await Promise.all(Array.from({ length: 6 }, () => finish(start("emit", STARTED, env))));
    for (const result of results) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    }
    await waitFor(() => new Set(receiver.eventIds()).size >= 6, 15_000, "six events");
    await settled(dirs);
    expect(new Set(receiver.eventIds()).size).toBe(6);
  });
});

describe("--telemetry enable wins for the whole chain", () => {
  test("over TELEMETRY_ENABLED=false: the background flusher delivers what the inline attempt could not", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ statuses: [503, 202] });
    const env = baseEnv(dirs, { TELEMETRY_ENABLED: "false", TELEMETRY_ENDPOINT: receiver.url });
    const result = await run("emit", [...COMPLETED, "--telemetry", "enable"], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    await waitFor(() => receiver.requests.length >= 1, 5_000, "the inline attempt");
    await settled(dirs);
    expect(receiver.requests.map((r) => r.body)).toHaveLength(2);
    expect(receiver.requests[1]?.body).toBe(receiver.requests[0]?.body as string);
  });
});

describe("an unusable outbox", () => {
  test("TELEMETRY_OUTBOX_DIR under a regular file: one warning, exit 0, nothing sent", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    mkdirSync(dirs.root, { recursive: true });
    writeFileSync(join(dirs.root, "not-a-dir"), "");
    const env = baseEnv(dirs, {
      TELEMETRY_ENABLED: "true",
      TELEMETRY_ENDPOINT: receiver.url,
      TELEMETRY_OUTBOX_DIR: join(dirs.root, "not-a-dir", "outbox"),
    });
    const result = await run("emit", COMPLETED, env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("warning");
    expect(lines[0]).toContain("TELEMETRY_OUTBOX_DIR");
    // Nothing queued, so no background flusher was started: no request can come later.
    expect(backgroundFlushers(env.TELEMETRY_OUTBOX_DIR as string)).toEqual([]);
    expect(receiver.requests).toHaveLength(0);
  });
});

describe("disabled", () => {
  const rows: Array<[string, Record<string, string>, string[]]> = [
    ["TELEMETRY_ENABLED=false", { TELEMETRY_ENABLED: "false" }, []],
    ["unset, non-interactive", {}, []],
    ["DO_NOT_TRACK=1", { DO_NOT_TRACK: "1" }, []],
    [
      "--telemetry disable over TELEMETRY_ENABLED=true",
      { TELEMETRY_ENABLED: "true" },
      ["--telemetry", "disable"],
    ],
  ];
  test.each(rows)("%s: exit 0, silent, no outbox, no request", async (_label, extra, args) => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url, ...extra });
    const result = await run("emit", [...COMPLETED, ...args], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("");
    expect(existsSync(dirs.outbox)).toBe(false);
    expect(existsSync(dirs.state)).toBe(false);
    expect(backgroundFlushers(dirs.outbox)).toEqual([]);
    expect(receiver.requests).toHaveLength(0);
  });
});

describe("an endpoint that never answers", () => {
  test("emit returns at once, the background flusher's request is held, the event is durable and delivered later", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ hang: true });
    // Default timeouts: one attempt alone may take 10 s, three of them 30 s.
    const env = baseEnv(dirs, { TELEMETRY_ENABLED: "true", TELEMETRY_ENDPOINT: receiver.url });
    const result = await run("emit", COMPLETED, env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    // pk3s-emit only queues; the background flusher it started makes the request.
    await waitFor(() => receiver.requests.length >= 1, 5_000, "the background attempt");
    expect(receiver.holding).toBe(receiver.requests.length); // not a single answer yet
    const id = parseEvent(receiver.requests[0]?.body ?? "").event_id;
    const queued = await queuedFile(dirs, id);
    expect(parseEvent(queued).event_id).toBe(id);

    // The background flusher is stuck on the endpoint: kill it (no waiting 30 s), which leaves
    // its claim behind, then make the endpoint answer and flush.
    await waitFor(() => lockPid(dirs.outbox) !== null, 5_000, "a background flusher");
    const flusher = lockPid(dirs.outbox) as number;
    process.kill(flusher, "SIGKILL");
    await waitFor(() => !running(flusher), 5_000, "the background flusher to die");
    receiver.behave({ statuses: [202] });
    receiver.release();
    const before = receiver.requests.length;

    const flush = await run("flush", [], env);
    expect(flush.code).toBe(0);
    expect(counts(flush.stdout)).toMatchObject({ delivered: 1 });
    expect(receiver.requests).toHaveLength(before + 1);
    expect(receiver.requests.at(-1)?.body).toBe(queued);
    expect(dirs.list("pending")).toEqual([]);
    expect(dirs.list("claimed")).toEqual([]);
  });
});

describe("delivery without duplicates, and no event left behind", () => {
  test("an endpoint slower than the settle budget gets each event exactly once", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ delayMs: 150 });
    const env = baseEnv(dirs, { TELEMETRY_ENABLED: "true", TELEMETRY_ENDPOINT: receiver.url });
    for (let i = 0; i < 3; i++) expect((await run("emit", STARTED, env)).code).toBe(0);
    await settled(dirs);
    await flushersDone(dirs.outbox); // no flusher left that could still send something
    const ids = receiver.requests.map((r) => parseEvent(r.body).event_id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });

  test("events an earlier run left queued go out with the next emit", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const dead = baseEnv(dirs, {
      TELEMETRY_ENABLED: "true",
      TELEMETRY_ENDPOINT: deadEndpoint(),
      TELEMETRY_CONNECT_TIMEOUT_SECONDS: "0.2",
    });
    for (let i = 0; i < 2; i++) expect((await run("emit", STARTED, dead)).code).toBe(0);
    // Not waiting for the dead-endpoint flushers to finish: whichever of them still drains or
    // waits when the next emit hands off must not keep its events from the live endpoint.

    const live = baseEnv(dirs, { TELEMETRY_ENABLED: "true", TELEMETRY_ENDPOINT: receiver.url });
    expect((await run("emit", COMPLETED, live)).code).toBe(0);
    await settled(dirs);
    expect(receiver.requests).toHaveLength(3);
  });

  test("while a flusher drains, a newer hand-off supersedes the older waiter and its settings win", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    // A live process holds the lock, as a flusher stuck on a slow endpoint would.
    mkdirSync(dirs.outbox, { recursive: true, mode: 0o700 });
    const holder = Bun.spawn(["sleep", "30"]);
    writeFileSync(join(dirs.outbox, "flusher.lock"), String(holder.pid));
    try {
      const dead = baseEnv(dirs, { TELEMETRY_ENABLED: "true", TELEMETRY_ENDPOINT: deadEndpoint() });
      expect((await run("emit", STARTED, dead)).code).toBe(0);
      await waitFor(() => waiterPid(dirs.outbox) !== null, 5_000, "a waiting flusher");
      const older = waiterPid(dirs.outbox) as number;

      const live = baseEnv(dirs, { TELEMETRY_ENABLED: "true", TELEMETRY_ENDPOINT: receiver.url });
      expect((await run("emit", COMPLETED, live)).code).toBe(0);
      await waitFor(() => !running(older), 5_000, "the superseded waiter to exit");
      const newer = waiterPid(dirs.outbox) as number;
      expect(newer).not.toBe(older);
      expect(running(newer)).toBe(true);
      expect(receiver.requests).toHaveLength(0); // the lock is still held
      expect(dirs.list("pending")).toHaveLength(2);
    } finally {
      holder.kill("SIGKILL");
      await holder.exited;
    }
    await settled(dirs);
    expect(receiver.requests).toHaveLength(2);
    expect(existsSync(join(dirs.outbox, "flusher.next"))).toBe(false);
  });
});

describe("a background flusher that died", () => {
  test("killed while holding the lock (left unreaped), it does not block the next hand-off", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ hang: true });
    const env = baseEnv(dirs, { TELEMETRY_ENABLED: "true", TELEMETRY_ENDPOINT: receiver.url });
    expect((await run("emit", STARTED, env)).code).toBe(0);
    await waitFor(() => receiver.requests.length >= 1, 5_000, "the background attempt");
    const firstId = parseEvent(receiver.requests[0]?.body ?? "").event_id;
    await waitFor(() => lockPid(dirs.outbox) !== null, 5_000, "a background flusher");
    const dead = lockPid(dirs.outbox) as number;
    process.kill(dead, "SIGKILL");
    await waitFor(() => !running(dead), 5_000, "the background flusher to die");
    expect(lockPid(dirs.outbox)).toBe(dead); // its lock and its claim are left behind
    expect(dirs.list("claimed")).toHaveLength(1);

    // The next emit hands off again: a new flusher must start (the dead one's lock does not
    // stop it) and deliver both its own event and the dead flusher's claim.
    receiver.release();
    const seen = receiver.requests.length;
    receiver.behave({ statuses: [202] });
    expect((await run("emit", COMPLETED, env)).code).toBe(0);
    await settled(dirs);
    const delivered = receiver.requests.slice(seen).map((r) => parseEvent(r.body));
    expect(delivered.map((e) => e.event_id)).toContain(firstId);
    expect(delivered.map((e) => e.event_name)).toContain("infra.command.completed");
  });
});

describe("previews", () => {
  test.each([
    ["--dry-run", ["--dry-run"], {}],
    ["TELEMETRY_DEBUG=1", [], { TELEMETRY_DEBUG: "1" }],
  ] as const)(
    "%s prints the request with the token masked; nothing sent or queued",
    async (_l, args, extra) => {
      const dirs = scope.dirs();
      const receiver = scope.receiver();
      const env = baseEnv(dirs, {
        TELEMETRY_ENABLED: "true",
        TELEMETRY_ENDPOINT: receiver.url,
        TELEMETRY_BEARER_TOKEN: TOKEN,
        ...extra,
      });
      const result = await run("emit", [...COMPLETED, ...args], env);
      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split("\n");
      expect(lines[0]).toBe(`POST ${receiver.url}`);
      expect(lines).toContain("Content-Type: application/json");
      expect(lines).toContain("X-Productive-K3S-Telemetry: pk3s-public-v1");
      expect(lines).toContain("Authorization: Bearer ***");
      const event = parseEvent(lines.at(-1) ?? "");
      expect(event.command).toMatchObject({ result: "success", duration_ms: 1500 });
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
      expect(existsSync(dirs.outbox)).toBe(false);
      expect(backgroundFlushers(dirs.outbox)).toEqual([]);
      expect(receiver.requests).toHaveLength(0);
    },
  );
});

describe("no connection without a delivery", () => {
  // The inline delivery's connection is opened early (delivery.ts warmUp): only when an event
  // is really going to be sent.
  test.each([
    ["disabled", { TELEMETRY_ENABLED: "false" }, []],
    ["--dry-run", { TELEMETRY_ENABLED: "true" }, ["--dry-run"]],
    ["TELEMETRY_DEBUG=1", { TELEMETRY_ENABLED: "true", TELEMETRY_DEBUG: "1" }, []],
  ] as const)("%s: the endpoint sees no connection at all", async (_l, extra, args) => {
    const dirs = scope.dirs();
    const silent = scope.silent();
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: silent.url, ...extra });
    const result = await run("emit", [...COMPLETED, ...args], env);
    expect(result.code).toBe(0);
    expect(backgroundFlushers(dirs.outbox)).toEqual([]);
    expect(await connectionsSoFar(silent)).toBe(0);
  });
});

describe("run ids that look like hosts or addresses", () => {
  test("a TELEMETRY_RUN_ID naming a host warns once and a stable derived id is used", async () => {
    const dirs = scope.dirs();
    const env = baseEnv(dirs, { TELEMETRY_ENABLED: "true", TELEMETRY_RUN_ID: "node-a.corp.example.com" });
    const runIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      const result = await run("emit", [...STARTED, "--dry-run"], env);
      expect(result.code).toBe(0);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain("TELEMETRY_RUN_ID");
      expect(result.stderr).not.toContain("corp");
      const event = parseEvent(result.stdout.trimEnd().split("\n").at(-1) ?? "");
      expect(result.stdout).not.toContain("node-a.corp.example.com");
      runIds.push(event.run_id);
    }
    expect(runIds[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8/);
    expect(runIds[1]).toBe(runIds[0] as string);
  });
  test("a --run-id that is an address is replaced by the same derived id, with a warning", async () => {
    const dirs = scope.dirs();
    const env = baseEnv(dirs, { TELEMETRY_ENABLED: "true" });
    const flagged = await run("emit", [...STARTED, "--dry-run", "--run-id", "10.20.30.40"], env);
    const inherited = await run("emit", [...STARTED, "--dry-run"], {
      ...env,
      TELEMETRY_RUN_ID: "10.20.30.40",
    });
    expect(flagged.code).toBe(0);
    expect(flagged.stderr).toContain("--run-id");
    expect(flagged.stdout + flagged.stderr).not.toContain("10.20.30.40");
    const last = (r: { stdout: string }) => parseEvent(r.stdout.trimEnd().split("\n").at(-1) ?? "").run_id;
    expect(last(flagged)).toBe(last(inherited));
  });
});

describe("pk3s-emit env", () => {
  const UA = "it's ops' agent/1.0 (nightly run)";
  function envFor(dirs: TestDirs) {
    return baseEnv(dirs, {
      TELEMETRY_ENABLED: "yes",
      TELEMETRY_ENDPOINT: "https://telemetry.example.test/in?x=$HOME",
      TELEMETRY_BEARER_TOKEN: TOKEN,
      TELEMETRY_USER_AGENT: UA,
      TELEMETRY_MAX_RETRIES: "4",
      TELEMETRY_SESSION_ID: "5e55e00000000009",
      TELEMETRY_RUN_ID: "20261201-202837-4242-1",
      TELEMETRY_PARENT_RUN_ID: "c11a9a2e00000001",
      TELEMETRY_OUTBOX_DIR: "test-artifacts/../nonexistent-relative-outbox",
    });
  }
  function expected(): Record<string, string> {
    return {
      TELEMETRY_ENABLED: "true",
      TELEMETRY_ENDPOINT: "https://telemetry.example.test/in?x=$HOME",
      TELEMETRY_MARKER: "pk3s-public-v1",
      TELEMETRY_MAX_RETRIES: "4",
      TELEMETRY_CONNECT_TIMEOUT_SECONDS: "5",
      TELEMETRY_REQUEST_TIMEOUT_SECONDS: "10",
      TELEMETRY_OUTBOX_DIR: resolve(REPO, "nonexistent-relative-outbox"),
      TELEMETRY_USER_AGENT: UA,
      TELEMETRY_SESSION_ID: "5e55e00000000009",
      TELEMETRY_RUN_ID: "",
      TELEMETRY_COMPONENT: "infra",
    };
  }
  const NAMES = 12; // the thirteen minus the token

  function checkSet(set: Record<string, string>, withToken: boolean) {
    // The remote Core's parent is the run that forwards the context: TELEMETRY_RUN_ID here.
    const parent = set.TELEMETRY_PARENT_RUN_ID ?? "";
    expect(parent).toBe("20261201-202837-4242-1");
    const { TELEMETRY_PARENT_RUN_ID: _p, TELEMETRY_BEARER_TOKEN: token, ...rest } = set;
    expect(rest).toEqual(expected());
    if (withToken) expect(token).toBe(TOKEN);
    else expect(token).toBeUndefined();
    expect(Object.keys(set)).toHaveLength(withToken ? NAMES + 1 : NAMES);
    return parent;
  }

  test("--format json: the twelve variables, the caller's run as parent, no token", async () => {
    const dirs = scope.dirs();
    const first = await run("emit", ["env", "--format", "json"], envFor(dirs));
    expect(first.code).toBe(0);
    expect(first.stderr).toBe("");
    expect(first.stdout).not.toContain(TOKEN);
    checkSet(JSON.parse(first.stdout), false);
    expect(existsSync(resolve(REPO, "nonexistent-relative-outbox"))).toBe(false);
  });

  test("without a run id of its own, the parent it received is passed on (a scenario's make)", async () => {
    const dirs = scope.dirs();
    const env = { ...envFor(dirs), TELEMETRY_RUN_ID: "" };
    const set = JSON.parse((await run("emit", ["env", "--format", "json"], env)).stdout);
    expect(set.TELEMETRY_PARENT_RUN_ID).toBe("c11a9a2e00000001");
    const flagged = JSON.parse(
      (await run("emit", ["env", "--format", "json", "--run-id", "7777777777777777"], env)).stdout,
    );
    expect(flagged.TELEMETRY_PARENT_RUN_ID).toBe("7777777777777777");
  });

  test("--format json --include-token adds the token (and only then)", async () => {
    const dirs = scope.dirs();
    const result = await run("emit", ["env", "--format", "json", "--include-token"], envFor(dirs));
    expect(result.code).toBe(0);
    checkSet(JSON.parse(result.stdout), true);
  });

  test('--format dotenv: KEY="value" lines with the same values', async () => {
    const dirs = scope.dirs();
    const result = await run("emit", ["env", "--format", "dotenv"], envFor(dirs));
    expect(result.code).toBe(0);
    const set: Record<string, string> = {};
    for (const line of result.stdout.trimEnd().split("\n")) {
      const match = /^([A-Z_]+)="((?:[^"\\]|\\.)*)"$/.exec(line);
      if (!match) throw new Error(`not a dotenv line: ${line}`);
      set[match[1] as string] = (match[2] as string).replace(/\\(.)/g, (_m, c: string) =>
        c === "n" ? "\n" : c,
      );
    }
    checkSet(set, false);
  });

  test.each([false, true])(
    "--format shell (include token: %p), sourced by a real sh, reproduces every value",
    async (withToken) => {
      const dirs = scope.dirs();
      const args = ["env", "--format", "shell", ...(withToken ? ["--include-token"] : [])];
      const result = await run("emit", args, envFor(dirs));
      expect(result.code).toBe(0);
      if (!withToken) expect(result.stdout).not.toContain(TOKEN);
      const file = join(dirs.root, "telemetry.env");
      writeFileSync(file, result.stdout);
      const sh = Bun.spawnSync(["sh", "-c", '. "$1"; env', "sh", file], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      });
      expect(sh.exitCode).toBe(0);
      const set: Record<string, string> = {};
      for (const line of sh.stdout.toString().split("\n")) {
        const eq = line.indexOf("=");
        if (line.startsWith("TELEMETRY_") && eq > 0) set[line.slice(0, eq)] = line.slice(eq + 1);
      }
      checkSet(set, withToken);
    },
  );

  test("the session is generated when not inherited, and TELEMETRY_ENABLED is normalised", async () => {
    const dirs = scope.dirs();
    const result = await run(
      "emit",
      ["env", "--format", "json"],
      baseEnv(dirs, { TELEMETRY_ENABLED: "OFF" }),
    );
    const set = JSON.parse(result.stdout);
    expect(set.TELEMETRY_ENABLED).toBe("false");
    expect(set.TELEMETRY_SESSION_ID).toMatch(UUID);
    expect(set.TELEMETRY_ENDPOINT).toBe("https://telemetry.productive-k3s.io/telemetry");
    expect(set.TELEMETRY_OUTBOX_DIR).toBe(dirs.outbox);
  });
});

describe("usage errors: exit 2 naming the bad option", () => {
  test.each([
    ["missing --command", ["infra.command.started", "--result", "started"], "--command"],
    ["--result maybe", ["infra.command.started", "--command", "x", "--result", "maybe"], "--result"],
    ["--level prod", [...STARTED, "--level", "prod"], "--level"],
    ["--duration-ms=-5", [...STARTED, "--duration-ms=-5"], "--duration-ms"],
    ["--duration-ms -5", [...STARTED, "--duration-ms", "-5"], "--duration-ms"],
    ["--duration-ms 1.5", [...STARTED, "--duration-ms", "1.5"], "--duration-ms"],
    ["--telemetry perhaps", [...STARTED, "--telemetry", "perhaps"], "--telemetry"],
    ["an unknown option", [...STARTED, "--frobnicate"], "--frobnicate"],
    ["env --format yaml", ["env", "--format", "yaml"], "--format"],
    ["--run-id with a space", [...STARTED, "--run-id", "run 1"], "--run-id"],
    ["a bad event name", ["deploy.started", "--command", "x", "--result", "started"], "<event-name>"],
  ] as const)("%s", async (_label, args, option) => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const env = baseEnv(dirs, { TELEMETRY_ENABLED: "true", TELEMETRY_ENDPOINT: receiver.url });
    const result = await run("emit", [...args], env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const errorLine = result.stderr.split("\n").find((line) => line.includes("error"));
    expect(errorLine).toContain(option);
    expect(existsSync(join(dirs.outbox, "pending"))).toBe(false);
    expect(receiver.requests).toHaveLength(0);
  });
});

describe("nothing could send it: said once, no background flusher", () => {
  test.each([
    ["no endpoint", { TELEMETRY_ENDPOINT: "" }, "no endpoint configured"],
    [
      "a token over plain http to another host",
      { TELEMETRY_ENDPOINT: "http://192.0.2.1:9/telemetry", TELEMETRY_BEARER_TOKEN: "tok-CANARY-blocked-1" },
      "refusing to send the bearer token",
    ],
  ])("%s", async (_label, extra, message) => {
    const dirs = scope.dirs();
    const env = baseEnv(dirs, { TELEMETRY_ENABLED: "true", ...extra });
    const result = await run("emit", STARTED, env);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).not.toContain("tok-CANARY-blocked-1");
    expect(backgroundFlushers(dirs.outbox)).toEqual([]); // no flusher was started for it
    expect(lockPid(dirs.outbox)).toBeNull();
    expect(dirs.list("pending")).toHaveLength(1); // kept, not lost
  });
});

describe("the queued file is private whatever the caller's umask", () => {
  test("umask 000, a fresh outbox two levels deep: directories 0700, the event file 0600", async () => {
    const dirs = scope.dirs();
    const outbox = join(dirs.root, "fresh", "outbox");
    // No endpoint: the event stays queued and no background flusher touches the modes after.
    const env = baseEnv(dirs, {
      TELEMETRY_ENABLED: "true",
      TELEMETRY_ENDPOINT: "",
      TELEMETRY_OUTBOX_DIR: outbox,
    });
    const proc = Bun.spawn(["sh", "-c", 'umask 000 && exec "$@"', "sh", ...scriptArgv("emit", STARTED)], {
      cwd: REPO,
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await proc.exited).toBe(0);
    expect(await new Response(proc.stderr).text()).toContain("no endpoint configured");
    expect(statSync(join(dirs.root, "fresh")).mode & 0o777).toBe(0o700);
    expect(statSync(outbox).mode & 0o777).toBe(0o700);
    expect(statSync(join(outbox, "pending")).mode & 0o777).toBe(0o700);
    const files = readdirSync(join(outbox, "pending"));
    expect(files).toHaveLength(1);
    expect(statSync(join(outbox, "pending", files[0] as string)).mode & 0o777).toBe(0o600);
    expect(parseEvent(readFileSync(join(outbox, "pending", files[0] as string), "utf8")).command.name).toBe(
      "run-scenario",
    );
  });
});
