// Fs: file helpers for directories other processes can touch — atomic and exclusive writes
// that never leave a 0-byte file behind (a full disk included) and never write through a
// symbolic link, a bounded read that opens nothing but a regular file of this user, whether
// a process is alive, and the one reading of Node error codes. See the README › Outbox.
import { fs } from "./builtins.ts";

/** The `code` of a Node system error (ENOENT, EEXIST, ENOSPC…), if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

export function isCode(error: unknown, code: string): boolean {
  return errorCode(error) === code;
}

/** This process's uid (-1 where there is none, e.g. Windows: every owner check then fails). */
export function ownUid(): number {
  return process.getuid?.() ?? -1;
}

/** O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW: a new file, never an existing one or a link's target. */
function exclusiveFlags(): number {
  const c = fs().constants;
  return c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW;
}

function unlinkQuietly(path: string): void {
  try {
    fs().unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Create `path` as a new file holding `content`. It must not exist (a symbolic link there is
 * not followed: EEXIST). If the write fails (ENOSPC), the file is removed again, so no empty
 * or partial file stays behind; the error is rethrown.
 */
export function createExclusive(path: string, content: string, mode = 0o600): void {
  const fd = fs().openSync(path, exclusiveFlags(), mode);
  try {
    fs().writeFileSync(fd, content);
  } catch (error) {
    fs().closeSync(fd);
    unlinkQuietly(path);
    throw error;
  }
  fs().closeSync(fd);
}

/**
 * Atomic write: a reader sees the old file or the whole new one, never half of it. The
 * temporary file is created exclusively (a stale one of a dead process with the same name is
 * removed first) and removed again when anything fails.
 */
export function writeAtomic(tmpPath: string, finalPath: string, content: string, mode = 0o600): void {
  try {
    createExclusive(tmpPath, content, mode);
  } catch (error) {
    if (!isCode(error, "EEXIST")) throw error;
    unlinkQuietly(tmpPath);
    createExclusive(tmpPath, content, mode);
  }
  try {
    fs().renameSync(tmpPath, finalPath);
  } catch (error) {
    unlinkQuietly(tmpPath);
    throw error;
  }
}

export type OwnRead = { ok: true; text: string } | { ok: false; problem: string; missing?: true };

/**
 * Read a file that someone else may have planted: opened without following a symbolic link
 * and without blocking (a FIFO), and read only when it is a regular file of this user (or of
 * `owner`, e.g. 0 for a system file, or of one of several; null: of anyone) of at most
 * `maxBytes`. Anything else is a problem, described, and nothing of it is read.
 */
export function readOwnFile(
  path: string,
  maxBytes: number,
  owner: number | readonly number[] | null = ownUid(),
): OwnRead {
  const c = fs().constants;
  let fd: number;
  try {
    fd = fs().openSync(path, c.O_RDONLY | c.O_NOFOLLOW | c.O_NONBLOCK);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT") return { ok: false, problem: "gone", missing: true };
    if (code === "ELOOP" || code === "EMLINK") return { ok: false, problem: "a symbolic link" };
    return { ok: false, problem: `not readable (${code ?? "error"})` };
  }
  try {
    const stats = fs().fstatSync(fd);
    if (!stats.isFile()) return { ok: false, problem: "not a regular file" };
    if (owner !== null && ![owner].flat().includes(stats.uid))
      return { ok: false, problem: `owned by another user (uid ${stats.uid})` };
    if (stats.size > maxBytes) return { ok: false, problem: `larger than ${maxBytes} bytes` };
    // One byte more than allowed: a file that grew after fstat is caught as well.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = fs().readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) return { ok: false, problem: `larger than ${maxBytes} bytes` };
    }
    return { ok: true, text: buffer.toString("utf8", 0, length) };
  } catch (error) {
    return { ok: false, problem: `not readable (${errorCode(error) ?? "error"})` };
  } finally {
    fs().closeSync(fd);
  }
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return isCode(error, "EPERM");
  }
  return !isZombie(pid);
}

/**
 * An exited process that nobody has reaped yet (a killed background flusher whose new parent,
 * e.g. a container's PID 1, never waits) still answers kill(pid, 0): on Linux, read its state.
 */
function isZombie(pid: number): boolean {
  const stat = readProcStat(pid);
  if (stat === null) return false; // no /proc (not Linux) or already gone: kill(pid, 0) had the last word
  const state = stat.charAt(stat.lastIndexOf(")") + 2);
  return state === "Z" || state === "X";
}

function readProcStat(pid: number): string | null {
  try {
    return fs().readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
}
