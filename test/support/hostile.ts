// What the hostile-condition tests need besides run.ts: another user (uid/gid 65534, "nobody")
// to own planted files and directories or to run a script as (setpriv), the background
// flushers of one outbox (to prove that none was started, or that all have finished, instead
// of sleeping), a barrier that proves a listener has seen every connection made before it,
// and a tiny tmpfs that is full.
import { chownSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { BACKGROUND_FLUSH_ARG } from "../../lib/telemetry/handoff.ts";
import { cmdline, type Env, REPO, type RunResult, running, scriptArgv, waitFor } from "./run.ts";

/** The other user of these tests. */
export const OTHER_UID = 65534;
export const OTHER_GID = 65534;

/** Planting another user's files needs root: CI runs the suite as root. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error("this test plants another user's files (chown) and must run as root, as CI does");
  }
}

/** Give `path` to the other user (not following a symbolic link). */
export function giveAway(path: string): void {
  requireRoot();
  chownSync(path, OTHER_UID, OTHER_GID);
}

/** Run a script as the other user (setpriv), to completion. */
export async function runAsOther(
  name: string,
  args: string[],
  env: Env,
  timeoutMs = 30_000,
): Promise<RunResult> {
  requireRoot();
  const started = performance.now();
  const proc = Bun.spawn(
    ["setpriv", `--reuid=${OTHER_UID}`, `--regid=${OTHER_GID}`, "--clear-groups", ...scriptArgv(name, args)],
    { cwd: REPO, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr, ms: performance.now() - started, pid: proc.pid };
  } finally {
    clearTimeout(timer);
  }
}

function environOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  } catch {
    return [];
  }
}

/**
 * Live background flushers of this outbox (their environment names it). A script spawns its
 * flusher before it exits, so none right after the script ended means none will ever run.
 */
export function backgroundFlushers(outboxDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (!cmdline(pid).includes(BACKGROUND_FLUSH_ARG) || !running(pid)) continue;
    if (environOf(pid).includes(`TELEMETRY_OUTBOX_DIR=${outboxDir}`)) pids.push(pid);
  }
  return pids;
}

/** Wait until no background flusher of this outbox is running any more. */
export async function flushersDone(outboxDir: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    () => backgroundFlushers(outboxDir).length === 0,
    timeoutMs,
    "the background flushers to finish",
  );
}

/**
 * A barrier for a listener that counts connections: open one more connection and wait until
 * the listener has counted it. Connections are accepted in order, so every connection made
 * before the barrier has been counted too; returns the count without the barrier's own.
 */
export async function connectionsSoFar(listener: { port: number; connections: number }): Promise<number> {
  const before = listener.connections;
  const socket = connect({ host: "127.0.0.1", port: listener.port });
  try {
    await waitFor(() => listener.connections > before, 10_000, "the barrier connection");
  } finally {
    socket.destroy();
  }
  return listener.connections - 1;
}

/** Mount a tmpfs of 64 KiB at `dir` (root only); returns how to unmount it. */
export function tinyTmpfs(dir: string): { unmount: () => void } {
  requireRoot();
  mkdirSync(dir, { recursive: true });
  const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", dir]);
  if (mount.exitCode !== 0) throw new Error(`mount tmpfs failed: ${mount.stderr.toString()}`);
  return {
    unmount: () => {
      Bun.spawnSync(["umount", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fill the file system holding `dir` until a write fails with ENOSPC. */
export function fill(dir: string): void {
  const chunk = Buffer.alloc(1024, 120);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(dir, `ballast-${i}`), chunk, { flag: "wx" });
    } catch (error) {
      if ((error as { code?: string }).code === "ENOSPC") return;
      throw error;
    }
  }
}
