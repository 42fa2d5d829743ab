// Embedded scenarios: a compiled binary carries the bundled scenarios inside it (`bun build
// --compile --asset`, see the Makefile) and unpacks them, once per content, into a private
// per-user cache — `${XDG_CACHE_HOME:-$HOME/.cache}/pk3s-infra-telemetry/scenarios-<hash>/` —
// so a binary copied anywhere finds them with nothing else installed. The cache is created
// without following symlinks: our directories must be real directories owned by this user and
// writable by nobody else, files are created exclusively inside a fresh private directory that
// is renamed into place whole. docs/running.md › Runners with only the binaries.
import { createHash } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { Env } from "../util/env.ts";
import { errorCode, isCode } from "../util/fs.ts";

/** The prefix of the embedded scenario files' names (`scenarios/<name>/<file>`). */
export const EMBEDDED_PREFIX = "scenarios/";
export const CACHE_APP_DIR = "pk3s-infra-telemetry";

export interface EmbeddedFile {
  /** Relative name, e.g. `scenarios/multipass/Makefile`. */
  name: string;
  bytes: Uint8Array;
}

export class CacheError extends Error {
  override readonly name = "CacheError";
}

/** A short hash of every file's name and content: the cache directory's version. */
export function contentHash(files: readonly EmbeddedFile[]): string {
  const hash = createHash("sha256");
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`${file.name}\0${file.bytes.length}\0`);
    hash.update(file.bytes);
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * The per-user cache root: XDG_CACHE_HOME when absolute, else $HOME/.cache, else
 * XDG_RUNTIME_DIR (checked private like any root); null when there is none — never a shared
 * temp directory, where another user could take the predictable name first.
 */
export function cacheRoot(env: Env): string | null {
  const xdg = env.XDG_CACHE_HOME?.trim();
  if (xdg && isAbsolute(xdg)) return xdg;
  const home = env.HOME?.trim();
  if (home && isAbsolute(home)) return join(home, ".cache");
  const runtime = env.XDG_RUNTIME_DIR?.trim();
  if (runtime && isAbsolute(runtime)) return runtime;
  return null;
}

/**
 * Throw unless `path` is a directory of this user that no one else can write: a real directory
 * (not a symlink) for ours; the cache root itself may be a link to such a directory.
 */
function assertPrivateDir(path: string, uid: number, followLink = false): void {
  const stat = followLink ? statSync(path) : lstatSync(path);
  if (stat.isSymbolicLink())
    throw new CacheError(`${path} is a symbolic link: refusing to use it as a cache`);
  if (!stat.isDirectory()) throw new CacheError(`${path} is not a directory: refusing to use it as a cache`);
  if (stat.uid !== uid) {
    throw new CacheError(`${path} belongs to another user (uid ${stat.uid}): refusing to use it as a cache`);
  }
  if ((stat.mode & 0o022) !== 0) {
    throw new CacheError(
      `${path} is writable by other users (mode ${(stat.mode & 0o777).toString(8)}): refusing to use it as a cache`,
    );
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    if (isCode(error, "ENOENT")) return false;
    throw error;
  }
}

/** Write the files into a fresh directory (every file created exclusively, *.sh executable). */
function writeTree(dir: string, files: readonly EmbeddedFile[]): void {
  for (const file of files) {
    const parts = file.name.split("/");
    if (parts.some((part) => part === "" || part === "." || part === "..")) {
      throw new CacheError(`embedded file name ${JSON.stringify(file.name)} is not a plain relative path`);
    }
    const path = join(dir, ...parts);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, file.bytes, { flag: "wx", mode: file.name.endsWith(".sh") ? 0o700 : 0o600 });
  }
}

/**
 * The directory holding `files` unpacked under `root`/pk3s-infra-telemetry/scenarios-<hash>
 * (created on first use, reused after); returns the path of its `scenarios` directory.
 */
export function unpackScenarios(files: readonly EmbeddedFile[], root: string, uid: number): string {
  if (files.length === 0) throw new CacheError("this binary carries no bundled scenarios");
  mkdirSync(root, { recursive: true, mode: 0o700 });
  // A root others could write (a shared temp dir) would let them swap our directory after the check.
  assertPrivateDir(root, uid, true);
  const appDir = join(root, CACHE_APP_DIR);
  try {
    mkdirSync(appDir, { mode: 0o700 });
  } catch (error) {
    if (!isCode(error, "EEXIST")) throw error;
  }
  assertPrivateDir(appDir, uid);
  const final = join(appDir, `scenarios-${contentHash(files)}`);
  if (!exists(final)) {
    const staging = mkdtempSync(join(appDir, ".unpack-"));
    try {
      writeTree(staging, files);
      renameSync(staging, final);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      // Another process unpacked the same content meanwhile: theirs is as good as ours.
      const code = errorCode(error);
      if (!((code === "EEXIST" || code === "ENOTEMPTY") && exists(final))) throw error;
    }
  }
  assertPrivateDir(final, uid);
  const scenarios = join(final, EMBEDDED_PREFIX.slice(0, -1));
  assertPrivateDir(scenarios, uid);
  return scenarios;
}

/** The scenario files this compiled binary carries (empty when run from source). */
export function embeddedScenarioFiles(): EmbeddedFile[] {
  const root = dirname(Bun.main);
  return Bun.embeddedFiles
    .map((blob) => (blob as Blob & { name: string }).name)
    .filter((name) => name.startsWith(EMBEDDED_PREFIX))
    .map((name) => ({ name, bytes: readFileSync(join(root, name)) }));
}

/** Where a compiled binary's bundled scenarios are, unpacked for this user. */
export function unpackedBundledScenarios(env: Env = process.env): string {
  const uid = process.getuid?.() ?? 0;
  try {
    const root = cacheRoot(env);
    if (!root)
      throw new CacheError("no private place for it: HOME, XDG_CACHE_HOME and XDG_RUNTIME_DIR are unset");
    return unpackScenarios(embeddedScenarioFiles(), root, uid);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new CacheError(
      `cannot unpack the bundled scenarios: ${detail} (set XDG_CACHE_HOME to a private directory of yours)`,
    );
  }
}
