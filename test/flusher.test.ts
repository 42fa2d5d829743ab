import { describe, expect, test } from "bun:test";
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCK_LEASE_MS, lockHolder } from "../lib/flusher.ts";

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
