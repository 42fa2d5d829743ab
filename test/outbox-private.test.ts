// The outbox is this user's private directory (README › Outbox): directories that are symbolic
// links, another user's, or writable by others are refused (never chmodded), planted files are
// quarantined unread, lock and slot files are never written through a link, a full disk leaves
// no empty file, and there is no shared fallback under /tmp. Real files, real processes, a real
// second user (uid 65534 via chown and setpriv) and a real 64 KiB tmpfs.
import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { createLogger } from "../lib/cli/log.ts";
import { backgroundFlush, waiterPid } from "../lib/telemetry/background.ts";
import { outboxReport, recordProblem } from "../lib/telemetry/delivery-state.ts";
import { Outbox, OutboxRefused } from "../lib/telemetry/outbox.ts";
import { defaultOutboxDir } from "../lib/telemetry/settings.ts";
import { makeEvent, queueEvents } from "./support/events.ts";
import { backgroundFlushers, fill, giveAway, OTHER_UID, runAsOther, tinyTmpfs } from "./support/hostile.ts";
import { baseEnv, counts, filesUnder, linesWith, run, type TestDirs, waitFor } from "./support/run.ts";
import { useScope } from "./support/scope.ts";

const scope = useScope();
const TOKEN = "tok-private-outbox-9c8b7a";
const QUIET = createLogger("test", () => {});
const COMPLETED = ["infra.command.completed", "--command", "run-scenario", "--result", "success"];

/** Every entry under `dir` with its type, mode and owner (but Bun's cache in home/): what must not change. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name === "home") continue;
      const path = join(d, name);
      const st = lstatSync(path);
      out.push(`${path} ${st.mode.toString(8)} ${st.uid} ${st.size}`);
      if (st.isDirectory()) walk(path);
    }
  };
  const st = lstatSync(dir);
  out.push(`${dir} ${st.mode.toString(8)} ${st.uid}`);
  if (st.isDirectory()) walk(dir);
  return out;
}

type Plant = (dirs: TestDirs) => { outbox: string; reason: string };

const REFUSALS: Array<[string, Plant]> = [
  [
    "the outbox is a symbolic link (to a directory of ours)",
    (dirs) => {
      const real = join(dirs.root, "real");
      mkdirSync(real, { mode: 0o700 });
      symlinkSync(real, dirs.outbox);
      return { outbox: dirs.outbox, reason: "is a symbolic link" };
    },
  ],
  [
    "the outbox belongs to another user",
    (dirs) => {
      mkdirSync(dirs.outbox, { mode: 0o700 });
      giveAway(dirs.outbox);
      return { outbox: dirs.outbox, reason: `is owned by another user (uid ${OTHER_UID})` };
    },
  ],
  [
    "the outbox is a shared 1777 directory (as /tmp)",
    (dirs) => {
      mkdirSync(dirs.outbox);
      chmodSync(dirs.outbox, 0o1777);
      return { outbox: dirs.outbox, reason: "is writable by group or others (mode 1777)" };
    },
  ],
  [
    "the outbox is ours, but in a directory others may write (0777, no sticky bit)",
    (dirs) => {
      const shared = join(dirs.root, "shared");
      mkdirSync(shared);
      chmodSync(shared, 0o777);
      const outbox = join(shared, "outbox");
      mkdirSync(outbox, { mode: 0o700 });
      return {
        outbox,
        reason: "(the outbox's parent) is writable by group or others without the sticky bit (mode 0777)",
      };
    },
  ],
  [
    "pending/ is a symbolic link to a directory of the victim's",
    (dirs) => {
      new Outbox(dirs.outbox).ensure();
      const victim = join(dirs.root, "victim");
      mkdirSync(victim, { mode: 0o700 });
      writeFileSync(join(victim, "precious.json"), "{}", { mode: 0o600 });
      Bun.spawnSync(["rmdir", join(dirs.outbox, "pending")]);
      symlinkSync(victim, join(dirs.outbox, "pending"));
      return { outbox: dirs.outbox, reason: "is a symbolic link" };
    },
  ],
  [
    "quarantine/ belongs to another user",
    (dirs) => {
      new Outbox(dirs.outbox).ensure();
      giveAway(join(dirs.outbox, "quarantine"));
      return { outbox: dirs.outbox, reason: `is owned by another user (uid ${OTHER_UID})` };
    },
  ],
  [
    "tmp/ is group-writable",
    (dirs) => {
      new Outbox(dirs.outbox).ensure();
      chmodSync(join(dirs.outbox, "tmp"), 0o770);
      return { outbox: dirs.outbox, reason: "is writable by group or others (mode 0770)" };
    },
  ],
];

describe("an outbox that is not private is refused, never used or chmodded", () => {
  test.each(REFUSALS)(
    "%s",
    async (_label, plant) => {
      const dirs = scope.dirs();
      const receiver = scope.receiver();
      const { outbox, reason } = plant(dirs);
      const before = snapshot(dirs.root);
      const env = baseEnv(dirs, {
        TELEMETRY_OUTBOX_DIR: outbox,
        TELEMETRY_ENABLED: "true",
        TELEMETRY_ENDPOINT: receiver.url,
        TELEMETRY_BEARER_TOKEN: TOKEN,
      });

      const emitted = await run("emit", COMPLETED, env);
      expect(emitted.code).toBe(0);
      const lines = emitted.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("warning");
      expect(lines[0]).toContain("TELEMETRY_OUTBOX_DIR");
      expect(lines[0]).toContain(reason);
      expect(lines[0]).toContain("not queued");
      expect(backgroundFlushers(outbox)).toEqual([]); // nothing queued, nothing handed off

      const flushed = await run("flush", [], env);
      expect(flushed.code).toBe(1);
      expect(flushed.stdout).toBe("");
      expect(linesWith(flushed.stderr, "error")).toHaveLength(1);
      expect(flushed.stderr).toContain("TELEMETRY_OUTBOX_DIR");
      expect(flushed.stderr).toContain(reason);

      const purged = await run("flush", ["--purge"], env);
      expect(purged.code).toBe(1);

      expect(snapshot(dirs.root)).toEqual(before); // nothing created, moved, removed or chmodded
      expect(receiver.requests).toHaveLength(0);
      expect(emitted.stderr + flushed.stderr).not.toContain(TOKEN);
    },
    60_000,
  );

  test("an existing 1777 outbox stays 1777 (TELEMETRY_OUTBOX_DIR=/tmp as root must not break the machine)", () => {
    const dirs = scope.dirs();
    mkdirSync(dirs.outbox);
    chmodSync(dirs.outbox, 0o1777);
    expect(() => new Outbox(dirs.outbox).enqueue(makeEvent())).toThrow(OutboxRefused);
    expect(statSync(dirs.outbox).mode & 0o7777).toBe(0o1777);
    expect(readdirSync(dirs.outbox)).toEqual([]);
  });
});

describe("files planted in pending/ are quarantined unread", () => {
  test("a FIFO, a link to /dev/zero, a link to the victim's file, a foreign 0644 event and a huge file", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const [good] = await queueEvents(dirs.outbox, 1);
    const pending = join(dirs.outbox, "pending");
    Bun.spawnSync(["mkfifo", join(pending, "0001-fifo.json")]);
    symlinkSync("/dev/zero", join(pending, "0002-zero.json"));
    const victimFile = join(dirs.root, "victim-event.json");
    const victimText = `${JSON.stringify(makeEvent())}\n`;
    writeFileSync(victimFile, victimText, { mode: 0o600 });
    symlinkSync(victimFile, join(pending, "0003-link.json"));
    // A valid event dropped in by another user: it must not be sent with our token.
    const foreign = join(pending, "0004-foreign.json");
    writeFileSync(foreign, `${JSON.stringify(makeEvent())}\n`, { mode: 0o644 });
    giveAway(foreign);
    writeFileSync(join(pending, "0005-huge.json"), `"${"x".repeat(70 * 1024)}"`, { mode: 0o600 });

    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url, TELEMETRY_BEARER_TOKEN: TOKEN });
    // A FIFO read would block for ever and /dev/zero grow without bound: finishing at all is the proof.
    const result = await run("flush", ["--concurrency", "1"], env);
    expect(result.code).toBe(0);
    expect(counts(result.stdout)).toEqual({ delivered: 1, kept: 0, rejected: 0, quarantined: 5 });
    expect(receiver.eventIds()).toEqual([good?.event_id as string]);
    expect(linesWith(result.stderr, "0001-fifo.json")[0]).toContain("not a regular file");
    expect(linesWith(result.stderr, "0002-zero.json")[0]).toContain("a symbolic link");
    expect(linesWith(result.stderr, "0003-link.json")[0]).toContain("a symbolic link");
    expect(linesWith(result.stderr, "0004-foreign.json")[0]).toContain(
      `owned by another user (uid ${OTHER_UID})`,
    );
    expect(linesWith(result.stderr, "0005-huge.json")[0]).toContain("larger than 65536 bytes");
    expect(dirs.list("quarantine")).toHaveLength(5);
    expect(dirs.list("pending")).toEqual([]);
    // The link was moved, not its target.
    expect(readFileSync(victimFile, "utf8")).toBe(victimText);
    expect(result.stderr).not.toContain(TOKEN);
  });

  test("another user's files in a shared outbox do not crash that user's flush (run as uid 65534)", async () => {
    const dirs = scope.dirs();
    chmodSync(dirs.root, 0o755); // the other user must reach its outbox inside the test tree
    const receiver = scope.receiver();
    const outbox = new Outbox(dirs.outbox);
    outbox.ensure();
    const [mine] = await queueEvents(dirs.outbox, 1);
    // Root's event file (0600) in an outbox that is handed to the other user.
    const rootFile = join(dirs.outbox, "pending", "0000-root-owned.json");
    writeFileSync(rootFile, `${JSON.stringify(makeEvent())}\n`, { mode: 0o600 });
    for (const path of filesUnder(dirs.outbox)) if (path !== rootFile) giveAway(path);
    for (const area of ["", "pending", "claimed", "dead-letter", "quarantine", "tmp"]) {
      giveAway(join(dirs.outbox, area));
    }
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url, HOME: dirs.root });
    const result = await runAsOther("flush", ["--concurrency", "1"], env);
    expect(result.stderr).not.toContain("EPERM");
    expect(result.code).toBe(0);
    expect(counts(result.stdout)).toEqual({ delivered: 1, kept: 0, rejected: 0, quarantined: 1 });
    expect(receiver.eventIds()).toEqual([mine?.event_id as string]);
    expect(linesWith(result.stderr, "0000-root-owned.json")).toHaveLength(1);
  });
});

describe("lock and waiting-slot files are never written through a symbolic link", () => {
  test("a planted flusher.lock link: the victim's file is untouched, a real lock is taken", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const outbox = new Outbox(dirs.outbox);
    await queueEvents(dirs.outbox, 1);
    const victim = join(dirs.root, "victim.txt");
    writeFileSync(victim, "precious\n", { mode: 0o600 });
    symlinkSync(victim, join(dirs.outbox, "flusher.lock"));
    const counted = await backgroundFlush(outbox, deliveryConfig(receiver.url), QUIET, 5_000);
    expect(counted.delivered).toBe(1);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(existsSync(join(dirs.outbox, "flusher.lock"))).toBe(false); // released, link gone
  });

  test("a planted flusher.next.<pid> link: the slot is taken with a file of its own", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const outbox = new Outbox(dirs.outbox);
    await queueEvents(dirs.outbox, 1);
    const holder = Bun.spawn(["sleep", "60"]);
    scope.defer(() => holder.kill("SIGKILL"));
    writeFileSync(join(dirs.outbox, "flusher.lock"), String(holder.pid), { mode: 0o600 });
    const victim = join(dirs.root, "victim.txt");
    writeFileSync(victim, "precious\n", { mode: 0o600 });
    symlinkSync(victim, join(dirs.outbox, `flusher.next.${process.pid}`));

    const flushing = backgroundFlush(outbox, deliveryConfig(receiver.url), QUIET, 60_000);
    await waitFor(() => waiterPid(dirs.outbox) === process.pid, 10_000, "this process in the waiting slot");
    expect(lstatSync(join(dirs.outbox, "flusher.next")).isFile()).toBe(true);
    expect(receiver.requests).toHaveLength(0); // still waiting for the holder
    holder.kill("SIGKILL");
    const counted = await flushing;
    expect(counted.delivered).toBe(1);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
  });
});

describe("a full disk under the outbox leaves no empty event, lock or waiter file", () => {
  test("ENOSPC on a 64 KiB tmpfs: emit warns and goes on; the flusher neither locks nor waits", async () => {
    const dirs = scope.dirs();
    const mount = join(dirs.root, "tiny");
    const disk = tinyTmpfs(mount);
    scope.defer(() => disk.unmount());
    const outboxDir = join(mount, "outbox");
    const outbox = new Outbox(outboxDir);
    outbox.ensure();
    fill(mount);

    const env = baseEnv(dirs, {
      TELEMETRY_ENABLED: "true",
      TELEMETRY_ENDPOINT: scope.receiver().url,
      TELEMETRY_OUTBOX_DIR: outboxDir,
    });
    const emitted = await run("emit", COMPLETED, env);
    expect(emitted.code).toBe(0);
    expect(emitted.stderr).toContain("cannot queue events in TELEMETRY_OUTBOX_DIR (ENOSPC)");
    expect(emitted.stderr.trim().split("\n")).toHaveLength(1);

    // The lock cannot be written: the flusher gives up instead of leaving an empty lock.
    const counted = await backgroundFlush(outbox, deliveryConfig("http://127.0.0.1:9/t"), QUIET, 5_000);
    expect(counted).toEqual({ delivered: 0, kept: 0, rejected: 0, quarantined: 0 });

    // A live holder: the waiting slot cannot be written either, and nothing is left of it.
    const holder = Bun.spawn(["sleep", "60"]);
    scope.defer(() => holder.kill("SIGKILL"));
    Bun.spawnSync(["rm", "-f", join(mount, "ballast-0")]);
    writeFileSync(join(outboxDir, "flusher.lock"), String(holder.pid), { mode: 0o600 });
    fill(mount);
    const waited = await backgroundFlush(outbox, deliveryConfig("http://127.0.0.1:9/t"), QUIET, 300);
    expect(waited.delivered).toBe(0);

    const entries = filesUnder(outboxDir).map((path) => [
      path.slice(outboxDir.length + 1),
      statSync(path).size,
    ]);
    expect(entries).toEqual([["flusher.lock", String(holder.pid).length]]);
  });
});

describe("no predictable shared fallback", () => {
  test("without HOME or XDG_STATE_HOME: XDG_RUNTIME_DIR only when private, else no outbox", () => {
    const dirs = scope.dirs();
    const runtime = join(dirs.root, "run-user");
    mkdirSync(runtime, { mode: 0o700 });
    chmodSync(runtime, 0o700);
    expect(defaultOutboxDir({ HOME: "not-absolute", XDG_RUNTIME_DIR: runtime })).toBe(
      join(runtime, "pk3s-infra-telemetry", "outbox"),
    );
    chmodSync(runtime, 0o755);
    expect(defaultOutboxDir({ HOME: "not-absolute", XDG_RUNTIME_DIR: runtime })).toBe("");
    expect(defaultOutboxDir({ HOME: "not-absolute", XDG_RUNTIME_DIR: "/tmp" })).toBe("");
    expect(defaultOutboxDir({ HOME: "not-absolute" })).toBe("");
  });

  test("pk3s-emit with no private place: one warning, nothing written anywhere, exit 0", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const runtime = join(dirs.root, "shared-run");
    mkdirSync(runtime);
    chmodSync(runtime, 0o1777);
    const env = baseEnv(dirs, {
      TELEMETRY_ENABLED: "true",
      TELEMETRY_ENDPOINT: receiver.url,
      TELEMETRY_OUTBOX_DIR: undefined,
      XDG_STATE_HOME: undefined,
      HOME: "not-absolute",
      XDG_RUNTIME_DIR: runtime,
      // Bun itself would keep its caches under that relative HOME, in the repository.
      BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
      BUN_INSTALL_CACHE_DIR: join(dirs.root, "bun-install-cache"),
    });
    const before = snapshot(dirs.root);
    const result = await run("emit", COMPLETED, env);
    expect(result.code).toBe(0);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("TELEMETRY_OUTBOX_DIR is unset and there is no private default");
    expect(snapshot(dirs.root)).toEqual(before);
    expect(existsSync(join(runtime, "pk3s-infra-telemetry"))).toBe(false);
    expect(backgroundFlushers(dirs.outbox)).toEqual([]);
    expect(receiver.requests).toHaveLength(0);
  });
});

function deliveryConfig(endpoint: string) {
  return {
    endpoint,
    marker: "m",
    token: null,
    userAgent: "ua",
    maxRetries: 1,
    connectTimeoutSeconds: 1,
    requestTimeoutSeconds: 5,
  };
}

describe("outboxReport: what telemetry status shows, read without creating or following anything", () => {
  test("missing, queued, with a remembered problem, and refused", async () => {
    const dirs = scope.dirs();
    expect(outboxReport(dirs.outbox)).toEqual({
      queued: 0,
      oldestAgeSeconds: null,
      lastProblem: null,
      retryAfterUntil: null,
    });
    expect(existsSync(dirs.outbox)).toBe(false); // looking created nothing

    const sentAt = Date.now() - 90_000;
    const outbox = new Outbox(dirs.outbox);
    outbox.enqueue(makeEvent());
    const oldest = makeEvent();
    // A UUIDv7 id carries its creation time: an event queued 90 s ago.
    const id = Bun.randomUUIDv7("hex", sentAt);
    outbox.enqueue({ ...oldest, event_id: id });
    const until = new Date(Date.now() + 3600_000);
    recordProblem(outbox, { kind: "wait", status: 429 }, until);
    const report = outboxReport(dirs.outbox);
    expect(report.queued).toBe(2);
    expect(report.oldestAgeSeconds).toBeGreaterThanOrEqual(90); // the oldest event, not the newest
    expect(report.lastProblem).toMatchObject({ kind: "wait", status: 429 });
    expect(report.retryAfterUntil).toBe(until.toISOString());
    expect(report.refused).toBeUndefined();

    // A state file that is a link is not followed: no problem is reported from it.
    const elsewhere = join(dirs.root, "elsewhere.json");
    writeFileSync(elsewhere, readFileSync(join(dirs.outbox, "state.json")));
    Bun.spawnSync(["rm", join(dirs.outbox, "state.json")]);
    symlinkSync(elsewhere, join(dirs.outbox, "state.json"));
    expect(outboxReport(dirs.outbox)).toMatchObject({ queued: 2, lastProblem: null, retryAfterUntil: null });

    chmodSync(dirs.outbox, 0o777);
    const refused = outboxReport(dirs.outbox);
    expect(refused.queued).toBe(0);
    expect(refused.refused).toContain("is writable by group or others (mode 0777)");
    chmodSync(dirs.outbox, 0o700);
  });
});
