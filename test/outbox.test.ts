// The outbox and pk3s-flush (docs/privacy-and-telemetry.md › Usage events): concurrent flushers deliver each event once, a killed
// flusher loses nothing, corrupt files are quarantined, modes are private, and the flush
// options (--purge, --dry-run, --json, consent) do what they say.
import { describe, expect, spyOn, test } from "bun:test";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newId } from "../lib/telemetry/correlation.ts";
import { Outbox, WRITE_GRACE_MS } from "../lib/telemetry/outbox.ts";
import { ageBeyondWriteGrace, makeEvent, queuedText, queueEvents } from "./support/events.ts";
import { backgroundFlushers } from "./support/hostile.ts";
import { baseEnv, counts, finish, linesWith, REPO, run, running, start, waitFor } from "./support/run.ts";
import { useScope } from "./support/scope.ts";

const scope = useScope();
const TOKEN = "tok-outbox-test-1a2b3c";

describe("concurrent flushers", () => {
  test("4 flushers at once over 2,000 events: each event delivered exactly once", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const events = await queueEvents(dirs.outbox, 2000);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url });
    const procs = Array.from({ length: 4 }, () => start("flush", [], env));
    const results = await Promise.all(procs.map((p) => finish(p)));
    for (const result of results) {
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
    }
    const ids = receiver.eventIds();
    expect(ids).toHaveLength(2000);
    expect(new Set(ids).size).toBe(2000);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.event_id)));
    const printed = results.map((r) => counts(r.stdout));
    expect(printed.reduce((sum, c) => sum + (c.delivered ?? 0), 0)).toBe(2000);
    for (const c of printed) expect(c).toMatchObject({ kept: 0, rejected: 0, quarantined: 0 });
    expect(dirs.list("pending")).toEqual([]);
    expect(dirs.list("claimed")).toEqual([]);
  });

  test("oldest first: one flusher at concurrency 1 sends in queue order", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const events = await queueEvents(dirs.outbox, 25);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url });
    const result = await run("flush", ["--concurrency", "1"], env);
    expect(counts(result.stdout)).toMatchObject({ delivered: 25 });
    expect(receiver.eventIds()).toEqual(events.map((e) => e.event_id));
  });
});

describe("creating a fresh outbox", () => {
  test("processes queueing into the same new outbox at the same instant all succeed", async () => {
    const dirs = scope.dirs();
    for (let round = 0; round < 4; round++) {
      const outbox = join(dirs.root, `race-${round}`);
      const go = join(dirs.root, `go-${round}`);
      const procs = Array.from({ length: 6 }, () =>
        Bun.spawn([process.execPath, join(REPO, "test/support/enqueue-at.ts"), outbox, go], {
          cwd: REPO,
          env: baseEnv(dirs),
          stdout: "pipe",
          stderr: "pipe",
        }),
      );
      // Each says "ready" once loaded and then only waits for the go file: all six start together.
      const readers = procs.map((p) => p.stdout.getReader());
      await Promise.all(readers.map((r) => r.read()));
      writeFileSync(go, "");
      const stderrs = await Promise.all(procs.map((p) => new Response(p.stderr).text()));
      const codes = await Promise.all(procs.map((p) => p.exited));
      expect(stderrs.join("")).toBe("");
      expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
      expect(readdirSync(join(outbox, "pending"))).toHaveLength(6);
    }
  });
});

describe("a flusher killed mid-drain", () => {
  test("SIGKILL leaves claims behind; the next flush recovers them and loses nothing", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ delayMs: 20 });
    const events = await queueEvents(dirs.outbox, 500);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url });
    const concurrency = 4;
    const proc = start("flush", ["--concurrency", String(concurrency)], env);
    await waitFor(() => receiver.requests.length >= 40, 20_000, "some deliveries");
    proc.kill("SIGKILL");
    expect(await proc.exited).not.toBe(0);
    expect(running(proc.pid)).toBe(false);

    const leftovers = dirs.list("claimed");
    expect(leftovers.length).toBeGreaterThanOrEqual(1);
    expect(leftovers.length).toBeLessThanOrEqual(concurrency);
    for (const name of leftovers) expect(name).toContain(`@${proc.pid}@`);
    const claimedIds = new Set(leftovers.map((name) => name.split(".json@")[0]));
    const receivedBeforeKill = new Set(receiver.eventIds());
    expect(receivedBeforeKill.size).toBeLessThan(500);

    receiver.behave({ statuses: [202] });
    const again = await run("flush", [], env);
    expect(again.code).toBe(0);
    const ids = receiver.eventIds();
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.event_id)));
    const seen = new Map<string, number>();
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    const duplicates = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    expect(duplicates.length).toBeLessThanOrEqual(concurrency);
    // Only an event whose request was in flight at the kill may have been sent twice.
    for (const id of duplicates) {
      expect(claimedIds.has(id)).toBe(true);
      expect(seen.get(id)).toBe(2);
    }
    expect(dirs.list("pending")).toEqual([]);
    expect(dirs.list("claimed")).toEqual([]);
  });

  test("a claim of a process that has exited (even an unreaped zombie) is recovered", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const [event] = await queueEvents(dirs.outbox, 1);
    if (!event) throw new Error("no event");
    // An orphaned `sleep` exits on its own: whether its new parent reaps it or leaves a zombie,
    // its claim belongs to a process that can no longer deliver anything.
    const shell = Bun.spawn(["sh", "-c", "sleep 0.05 & echo $!"], { stdout: "pipe" });
    const pid = Number((await new Response(shell.stdout).text()).trim());
    await shell.exited;
    await waitFor(() => !running(pid), 5_000, "the orphan to exit");
    const name = `${event.event_id}.json`;
    const box = dirs.box();
    const claimedPath = join(dirs.outbox, "claimed", `${name}@${pid}@${Date.now()}`);
    const { renameSync } = await import("node:fs");
    renameSync(join(dirs.outbox, "pending", name), claimedPath);
    expect(box.counts().claimed).toBe(1);

    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url }));
    expect(counts(result.stdout)).toMatchObject({ delivered: 1 });
    expect(receiver.eventIds()).toEqual([event.event_id]);
    expect(dirs.list("claimed")).toEqual([]);
  });

  test("a fresh claim of a live process is left alone", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const [event] = await queueEvents(dirs.outbox, 1);
    const name = `${event?.event_id}.json`;
    const { renameSync } = await import("node:fs");
    const claimed = `${name}@${process.pid}@${Date.now()}`;
    renameSync(join(dirs.outbox, "pending", name), join(dirs.outbox, "claimed", claimed));
    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url }));
    expect(counts(result.stdout)).toMatchObject({ delivered: 0 });
    expect(receiver.requests).toHaveLength(0);
    expect(dirs.list("claimed")).toEqual([claimed]);
  });
});

describe("corrupt files", () => {
  test("unreadable and schema-invalid files are quarantined with a warning; good ones delivered", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const events = await queueEvents(dirs.outbox, 2);
    writeFileSync(join(dirs.outbox, "pending", "0000-bad.json"), "{not json", { mode: 0o600 });
    ageBeyondWriteGrace(join(dirs.outbox, "pending", "0000-bad.json")); // not one its writer is still writing
    writeFileSync(
      join(dirs.outbox, "pending", "0001-invalid.json"),
      JSON.stringify({ schema_version: "1", event_id: "x", hostname: "build-box-7" }),
      { mode: 0o600 },
    );
    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url }));
    expect(result.code).toBe(0);
    expect(counts(result.stdout)).toEqual({ delivered: 2, kept: 0, rejected: 0, quarantined: 2 });
    expect(result.stdout).toContain("quarantined=2");
    const warnings = linesWith(result.stderr, "warning");
    expect(warnings).toHaveLength(2);
    expect(linesWith(result.stderr, "0000-bad.json")).toHaveLength(1);
    expect(linesWith(result.stderr, "0001-invalid.json")).toHaveLength(1);
    expect(new Set(receiver.eventIds())).toEqual(new Set(events.map((e) => e.event_id)));
    const quarantined = dirs.list("quarantine");
    expect(quarantined).toHaveLength(2);
    expect(quarantined.some((n) => n.startsWith("0000-bad.json"))).toBe(true);
    expect(quarantined.some((n) => n.startsWith("0001-invalid.json"))).toBe(true);
    expect(dirs.list("pending")).toEqual([]);
    expect(dirs.list("claimed")).toEqual([]);
  });
});

describe("events queued by an earlier version", () => {
  test("the earlier wire types (boolean telemetry_enabled, null ids, no script) are sent in today's shape", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const [today] = await queueEvents(dirs.outbox, 1);
    if (!today) throw new Error("no event queued");
    const earlier = {
      ...today,
      event_id: newId(),
      parent_run_id: null,
      command: { ...today.command, scenario: null },
      client: { repository: today.client.repository, version: "0.1.0", telemetry_enabled: true },
    };
    writeFileSync(join(dirs.outbox, "pending", `${earlier.event_id}.json`), JSON.stringify(earlier), {
      mode: 0o600,
    });
    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url }));
    expect(result.code).toBe(0);
    expect(counts(result.stdout)).toEqual({ delivered: 2, kept: 0, rejected: 0, quarantined: 0 });
    const sent = receiver.bodies().find((b) => (b as { event_id: string }).event_id === earlier.event_id);
    expect(sent).toMatchObject({
      parent_run_id: "",
      command: { scenario: "" },
      client: { script: "pk3s-infra-telemetry", version: "0.1.0", telemetry_enabled: "true" },
    });
    expect(dirs.list("quarantine")).toEqual([]);
  });
});

describe("a file caught while pk3s-emit writes it in place", () => {
  test("fresh and not JSON yet: kept for a later pass, not quarantined; whole, it is delivered", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const [event] = await queueEvents(dirs.outbox, 1);
    const path = join(dirs.outbox, "pending", `${event?.event_id}.json`);
    const whole = readFileSync(path, "utf8");
    writeFileSync(path, whole.slice(0, 40)); // open() and part of write() done, the rest not yet
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url });
    const first = await run("flush", [], env);
    expect(first.code).toBe(0);
    expect(counts(first.stdout)).toEqual({ delivered: 0, kept: 1, rejected: 0, quarantined: 0 });
    expect(linesWith(first.stderr, "still being written")).toHaveLength(1);
    expect(dirs.list("quarantine")).toEqual([]);
    expect(receiver.requests).toHaveLength(0);

    writeFileSync(path, whole); // the writer finishes
    const second = await run("flush", [], env);
    expect(counts(second.stdout)).toEqual({ delivered: 1, kept: 0, rejected: 0, quarantined: 0 });
    expect(receiver.eventIds()).toEqual([event?.event_id as string]);
  });

  test(`not JSON and older than ${WRITE_GRACE_MS / 1000} s: quarantined`, async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    new Outbox(dirs.outbox).ensure();
    const path = join(dirs.outbox, "pending", "0000-truncated.json");
    writeFileSync(path, '{"schema_version":"1","ev', { mode: 0o600 });
    ageBeyondWriteGrace(path);
    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url }));
    expect(counts(result.stdout)).toEqual({ delivered: 0, kept: 0, rejected: 0, quarantined: 1 });
    expect(dirs.list("pending")).toEqual([]);
    expect(dirs.list("quarantine")).toHaveLength(1);
  });
});

describe("modes and options", () => {
  test("created directories are 0700 and event files 0600; an existing 0755 outbox of ours is used, not chmodded", async () => {
    const dirs = scope.dirs();
    mkdirSync(dirs.outbox, { recursive: true, mode: 0o755 });
    chmodSync(dirs.outbox, 0o755);
    await queueEvents(dirs.outbox, 3);
    expect(statSync(dirs.outbox).mode & 0o777).toBe(0o755);
    for (const area of ["pending", "claimed", "dead-letter", "quarantine", "tmp"]) {
      expect(statSync(join(dirs.outbox, area)).mode & 0o777).toBe(0o700);
    }
    for (const name of readdirSync(join(dirs.outbox, "pending"))) {
      expect(statSync(join(dirs.outbox, "pending", name)).mode & 0o777).toBe(0o600);
    }
    // A flush into a fresh outbox creates it private as well.
    const other = scope.dirs();
    const result = await run("flush", [], baseEnv(other, { TELEMETRY_ENDPOINT: "" }));
    expect(result.code).toBe(0);
    expect(statSync(other.outbox).mode & 0o777).toBe(0o700);
    expect(statSync(join(other.outbox, "pending")).mode & 0o777).toBe(0o700);
  });

  test("queueing into an existing outbox only looks (lstat), makes nothing: no mkdir failing with EEXIST", () => {
    const dirs = scope.dirs();
    const nodeFs = process.getBuiltinModule("node:fs");
    const box = new Outbox(dirs.outbox);
    const mkdirs = spyOn(nodeFs, "mkdirSync");
    const lstats = spyOn(nodeFs, "lstatSync");
    try {
      box.enqueue(makeEvent()); // fresh: the outbox and its five areas are made
      expect(mkdirs.mock.calls.map((call) => String(call[0]))).toEqual(
        ["", "/pending", "/claimed", "/dead-letter", "/quarantine", "/tmp"].map((a) => `${dirs.outbox}${a}`),
      );
      mkdirs.mockClear();
      lstats.mockClear();
      box.enqueue(makeEvent());
      box.enqueue(makeEvent());
      expect(mkdirs).not.toHaveBeenCalled();
      // Each queueing still checks all six directories, every time.
      expect(lstats).toHaveBeenCalledTimes(12);
    } finally {
      mkdirs.mockRestore();
      lstats.mockRestore();
    }
    expect(box.pending()).toHaveLength(3);
  });

  test("--purge removes the pending events and sends nothing", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    await queueEvents(dirs.outbox, 4);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url, TELEMETRY_ENABLED: "true" });
    const result = await run("flush", ["--purge"], env);
    expect(result.code).toBe(0);
    expect(counts(result.stdout)).toMatchObject({ delivered: 0, purged: 4 });
    expect(dirs.list("pending")).toEqual([]);
    expect(backgroundFlushers(dirs.outbox)).toEqual([]); // pk3s-flush hands nothing off
    expect(receiver.requests).toHaveLength(0);
  });

  test("--dry-run prints each request with the token masked and sends nothing", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const events = await queueEvents(dirs.outbox, 2);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url, TELEMETRY_BEARER_TOKEN: TOKEN });
    const result = await run("flush", ["--dry-run"], env);
    expect(result.code).toBe(0);
    expect(linesWith(result.stdout, `POST ${receiver.url}`)).toHaveLength(2);
    expect(linesWith(result.stdout, "Authorization: Bearer ***")).toHaveLength(2);
    expect(linesWith(result.stdout, "Content-Type: application/json")).toHaveLength(2);
    expect(linesWith(result.stdout, "X-Productive-K3S-Telemetry: pk3s-public-v1")).toHaveLength(2);
    for (const event of events) expect(result.stdout).toContain(queuedText(dirs.outbox, event));
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(dirs.list("pending")).toHaveLength(2);
    expect(backgroundFlushers(dirs.outbox)).toEqual([]); // pk3s-flush hands nothing off
    expect(receiver.requests).toHaveLength(0);
  });

  test("--json prints parseable counts", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ behaviour: (_r, i) => ({ status: i === 0 ? 410 : 202 }) });
    await queueEvents(dirs.outbox, 3);
    const result = await run(
      "flush",
      ["--json", "--concurrency", "1"],
      baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url }),
    );
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toEqual({ delivered: 2, kept: 0, rejected: 1, quarantined: 0 });
  });

  test("--concurrency must be a whole number (usage error, exit 2)", async () => {
    const dirs = scope.dirs();
    const result = await run("flush", ["--concurrency", "zero"], baseEnv(dirs, { TELEMETRY_ENDPOINT: "" }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--concurrency");
  });

  test.each([
    ["--telemetry disable", ["--telemetry", "disable"], { TELEMETRY_ENABLED: "true" }],
    ["TELEMETRY_ENABLED=false", [], { TELEMETRY_ENABLED: "false" }],
    ["DO_NOT_TRACK=1", [], { DO_NOT_TRACK: "1" }],
  ] as const)("%s: nothing sent, events kept", async (_label, args, extra) => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    await queueEvents(dirs.outbox, 2);
    const result = await run(
      "flush",
      [...args],
      baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url, ...extra }),
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("disabled");
    expect(counts(result.stdout)).toMatchObject({ delivered: 0, kept: 2 });
    expect(dirs.list("pending")).toHaveLength(2);
    expect(backgroundFlushers(dirs.outbox)).toEqual([]); // pk3s-flush hands nothing off
    expect(receiver.requests).toHaveLength(0);
  });

  test("consent merely unset (non-interactive) does not withdraw what is already queued", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    await queueEvents(dirs.outbox, 1);
    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url }));
    expect(counts(result.stdout)).toMatchObject({ delivered: 1 });
    expect(receiver.requests).toHaveLength(1);
  });
});
