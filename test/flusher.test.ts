import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../lib/cli/log.ts";
import { backgroundFlush, LOCK_LEASE_MS, lockHolder, waiterPid } from "../lib/telemetry/background.ts";
import { buildEvent } from "../lib/telemetry/event.ts";
import { Outbox } from "../lib/telemetry/outbox.ts";
import type { DeliveryConfig } from "../lib/telemetry/request.ts";
import { waitFor } from "./support/run.ts";

const QUIET = createLogger("test", () => {});

function config(endpoint: string): DeliveryConfig {
  return {
    endpoint,
    marker: "m",
    token: null,
    userAgent: "ua",
    maxRetries: 1,
    connectTimeoutSeconds: 1,
    requestTimeoutSeconds: 1,
  };
}

function startedEvent() {
  return buildEvent({
    name: "infra.command.started",
    command: "x",
    result: "started",
    sessionId: "s",
    runId: "r",
    parentRunId: null,
    script: "pk3s-emit",
  });
}

describe("lockHolder: one background flusher per outbox", () => {
  const dir = mkdtempSync(join(tmpdir(), "pk3s-lock-"));
  const lock = join(dir, "flusher.lock");

  test("a fresh lock of a live process is held", () => {
    writeFileSync(lock, String(process.pid));
    expect(lockHolder(dir)).toBe(process.pid);
  });
  test("a lock whose process is gone is not held", () => {
    writeFileSync(lock, "999999999");
    expect(lockHolder(dir)).toBeNull();
  });
  test("a lock older than the lease is not held, even if its pid is alive (pid reuse)", () => {
    writeFileSync(lock, String(process.pid));
    const old = new Date(Date.now() - LOCK_LEASE_MS - 60_000);
    utimesSync(lock, old, old);
    expect(lockHolder(dir)).toBeNull();
  });
  test("no lock, no holder", () => {
    expect(lockHolder(join(dir, "missing"))).toBeNull();
  });
});

describe("backgroundFlush waits for a running flusher, then drains with its own settings", () => {
  test("held lock: it takes the waiting slot, sends nothing, and drains once the lock is released", async () => {
    const outboxDir = mkdtempSync(join(tmpdir(), "pk3s-wait-"));
    const outbox = new Outbox(outboxDir);
    await outbox.enqueue(startedEvent());
    const received: string[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        received.push(await req.text());
        return new Response("ok", { status: 202 });
      },
    });
    try {
      // Someone else (this test process, alive) holds the lock.
      const lock = join(outboxDir, "flusher.lock");
      writeFileSync(lock, String(process.pid));
      const flushing = backgroundFlush(outbox, config(`http://127.0.0.1:${server.port}/t`), QUIET, 60_000);
      await waitFor(() => waiterPid(outboxDir) === process.pid, 10_000, "the waiting slot");
      expect(received).toHaveLength(0);
      expect(outbox.pending()).toHaveLength(1);
      rmSync(lock);
      const counts = await flushing;
      expect(counts.delivered).toBe(1);
      expect(received).toHaveLength(1);
      expect(existsSync(join(outboxDir, "flusher.next"))).toBe(false); // the slot is left
    } finally {
      server.stop(true);
      rmSync(outboxDir, { recursive: true, force: true });
    }
  });
});

describe("backgroundFlush gives up waiting when it has nothing left to wait for", () => {
  // The wait allowed (10 min) is far beyond the test's own timeout: returning at all is the proof.
  const LONG_WAIT_MS = 600_000;

  test("the outbox is removed while it waits: it returns", async () => {
    const outboxDir = mkdtempSync(join(tmpdir(), "pk3s-gone-"));
    writeFileSync(join(outboxDir, "flusher.lock"), String(process.pid));
    const flushing = backgroundFlush(
      new Outbox(outboxDir),
      config("http://127.0.0.1:9/t"),
      QUIET,
      LONG_WAIT_MS,
    );
    await waitFor(() => waiterPid(outboxDir) === process.pid, 10_000, "the waiting slot");
    rmSync(outboxDir, { recursive: true, force: true });
    expect(await flushing).toEqual({ delivered: 0, kept: 0, rejected: 0, quarantined: 0 });
  });

  test("a newer waiter takes the slot: the older one leaves without draining", async () => {
    const outboxDir = mkdtempSync(join(tmpdir(), "pk3s-superseded-"));
    const outbox = new Outbox(outboxDir);
    await outbox.enqueue(startedEvent());
    writeFileSync(join(outboxDir, "flusher.lock"), String(process.pid));
    const newer = Bun.spawn(["sleep", "60"]);
    try {
      const flushing = backgroundFlush(outbox, config("http://127.0.0.1:9/t"), QUIET, LONG_WAIT_MS);
      await waitFor(() => waiterPid(outboxDir) === process.pid, 10_000, "the waiting slot");
      writeFileSync(join(outboxDir, "flusher.next"), String(newer.pid));
      expect(await flushing).toEqual({ delivered: 0, kept: 0, rejected: 0, quarantined: 0 });
      expect(outbox.pending()).toHaveLength(1);
      expect(readFileSync(join(outboxDir, "flusher.next"), "utf8")).toBe(String(newer.pid));
    } finally {
      newer.kill("SIGKILL");
      rmSync(outboxDir, { recursive: true, force: true });
    }
  });
});
