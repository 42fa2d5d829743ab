// The per-user cache a compiled binary unpacks its bundled scenarios into (lib/runs/embedded.ts):
// versioned by content, private, reused, and refused when it is a symlink, another user's or
// writable by others. Runs as whatever user the tests run as; "another user" is made with chown
// when that is allowed (root), else that case checks the owner test against a different uid.
import { afterAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CACHE_APP_DIR,
  CacheError,
  cacheRoot,
  contentHash,
  type EmbeddedFile,
  unpackScenarios,
} from "../lib/runs/embedded.ts";

const work = mkdtempSync(join(tmpdir(), "pk3s-embedded-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const uid = process.getuid?.() ?? 0;
let n = 0;
const freshRoot = () => join(work, `root-${n++}`);

const text = (s: string) => new TextEncoder().encode(s);
const FILES: EmbeddedFile[] = [
  { name: "scenarios/_shared/scenario.mk", bytes: text("include me\n") },
  { name: "scenarios/_shared/live.sh", bytes: text("#!/bin/sh\nexit 3\n") },
  { name: "scenarios/one/Makefile", bytes: text("SCENARIO := one\n") },
];

const mode = (path: string) => lstatSync(path).mode & 0o777;

describe("contentHash", () => {
  test.each([
    ["the same files in another order", [...FILES].reverse(), true],
    [
      "one byte changed",
      [{ ...FILES[0], bytes: text("include mE\n") } as EmbeddedFile, ...FILES.slice(1)],
      false,
    ],
    [
      "a file renamed",
      [{ ...FILES[0], name: "scenarios/_shared/x.mk" } as EmbeddedFile, ...FILES.slice(1)],
      false,
    ],
    ["a file dropped", FILES.slice(1), false],
  ] as const)("%s", (_label, other, same) => {
    expect(contentHash(other) === contentHash(FILES)).toBe(same);
    expect(contentHash(other)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("cacheRoot", () => {
  test.each([
    [{ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" }, "/x/cache"],
    [{ XDG_CACHE_HOME: "relative/cache", HOME: "/home/u" }, "/home/u/.cache"],
    [{ XDG_CACHE_HOME: "  ", HOME: "/home/u" }, "/home/u/.cache"],
    [{ HOME: "/home/u" }, "/home/u/.cache"],
    [{ XDG_RUNTIME_DIR: "/run/user/1234" }, "/run/user/1234"],
    [{ HOME: "relative", XDG_RUNTIME_DIR: "/run/user/1234" }, "/run/user/1234"],
    // Never a predictable name in a shared temp directory (another user could create it first).
    [{}, null],
    [{ TMPDIR: "/tmp" }, null],
  ])("%j → %s", (env, expected) => {
    expect(cacheRoot(env)).toBe(expected);
  });
});

describe("unpackScenarios", () => {
  test("unpacks into a private, content-versioned directory: scripts executable, the rest not", () => {
    const root = freshRoot();
    const dir = unpackScenarios(FILES, root, uid);
    expect(dir).toBe(join(root, CACHE_APP_DIR, `scenarios-${contentHash(FILES)}`, "scenarios"));
    expect(readFileSync(join(dir, "one", "Makefile"), "utf8")).toBe("SCENARIO := one\n");
    expect(mode(join(root, CACHE_APP_DIR))).toBe(0o700);
    expect(mode(join(dir, ".."))).toBe(0o700);
    expect(mode(join(dir, "_shared", "live.sh")) & 0o100).toBe(0o100);
    expect(mode(join(dir, "_shared", "scenario.mk")) & 0o111).toBe(0);
    expect(mode(join(dir, "_shared", "scenario.mk")) & 0o077).toBe(0);
    // No staging directory is left behind.
    expect(readdirSync(join(root, CACHE_APP_DIR))).toEqual([`scenarios-${contentHash(FILES)}`]);
  });

  test("a second call reuses the directory; other content gets a directory of its own", () => {
    const root = freshRoot();
    const first = unpackScenarios(FILES, root, uid);
    const inode = lstatSync(join(first, "one", "Makefile")).ino;
    expect(unpackScenarios(FILES, root, uid)).toBe(first);
    expect(lstatSync(join(first, "one", "Makefile")).ino).toBe(inode);
    const changed = [...FILES, { name: "scenarios/two/Makefile", bytes: text("SCENARIO := two\n") }];
    const second = unpackScenarios(changed, root, uid);
    expect(second).not.toBe(first);
    expect(readdirSync(second).sort()).toEqual(["_shared", "one", "two"]);
    expect(readdirSync(join(root, CACHE_APP_DIR))).toHaveLength(2);
  });

  test("a symlink in place of the cache directory is refused, and its target left alone", () => {
    const root = freshRoot();
    mkdirSync(root, { recursive: true });
    const elsewhere = mkdtempSync(join(work, "elsewhere-"));
    symlinkSync(elsewhere, join(root, CACHE_APP_DIR));
    expect(() => unpackScenarios(FILES, root, uid)).toThrow(CacheError);
    expect(() => unpackScenarios(FILES, root, uid)).toThrow(/is a symbolic link: refusing/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  test("a symlink in place of the versioned directory is refused", () => {
    const root = freshRoot();
    mkdirSync(join(root, CACHE_APP_DIR), { recursive: true, mode: 0o700 });
    const elsewhere = mkdtempSync(join(work, "elsewhere-"));
    symlinkSync(elsewhere, join(root, CACHE_APP_DIR, `scenarios-${contentHash(FILES)}`));
    expect(() => unpackScenarios(FILES, root, uid)).toThrow(/is a symbolic link: refusing/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  test("a cache root others may write (a shared temp dir) is refused; a symlinked private root is fine", () => {
    const shared = freshRoot();
    mkdirSync(shared, { recursive: true });
    chmodSync(shared, 0o1777);
    expect(() => unpackScenarios(FILES, shared, uid)).toThrow(/writable by other users \(mode 777\)/);
    expect(readdirSync(shared)).toEqual([]);
    const real = freshRoot();
    mkdirSync(real, { recursive: true, mode: 0o700 });
    const link = `${real}-link`;
    symlinkSync(real, link);
    expect(unpackScenarios(FILES, link, uid)).toStartWith(join(link, CACHE_APP_DIR));
    expect(readdirSync(join(real, CACHE_APP_DIR))).toHaveLength(1);
  });

  test("a cache directory writable by others is refused", () => {
    const root = freshRoot();
    mkdirSync(join(root, CACHE_APP_DIR), { recursive: true });
    chmodSync(join(root, CACHE_APP_DIR), 0o777);
    expect(() => unpackScenarios(FILES, root, uid)).toThrow(/writable by other users \(mode 777\)/);
  });

  test("a cache directory of another user is refused", () => {
    const root = freshRoot();
    mkdirSync(join(root, CACHE_APP_DIR), { recursive: true, mode: 0o700 });
    let owner = uid;
    try {
      chownSync(join(root, CACHE_APP_DIR), uid + 4242, -1);
      owner = uid + 4242;
    } catch {
      // not allowed to give files away: the same check seen from another uid
    }
    const asUid = owner === uid ? uid + 4242 : uid;
    expect(() => unpackScenarios(FILES, root, asUid)).toThrow(
      /belongs to another user \(uid \d+\): refusing/,
    );
  });

  test("a file in place of the cache directory is refused", () => {
    const root = freshRoot();
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, CACHE_APP_DIR), "x");
    expect(() => unpackScenarios(FILES, root, uid)).toThrow(/is not a directory: refusing/);
  });

  test.each(["../escape.sh", "scenarios/../x", "/abs/file", "scenarios//x"])(
    "an embedded name %p that is not a plain relative path is refused",
    (name) => {
      const root = freshRoot();
      expect(() => unpackScenarios([{ name, bytes: text("x") }], root, uid)).toThrow(
        /is not a plain relative path/,
      );
      expect(readdirSync(join(root, CACHE_APP_DIR))).toEqual([]);
    },
  );

  test("no files: a clear error", () => {
    expect(() => unpackScenarios([], freshRoot(), uid)).toThrow("this binary carries no bundled scenarios");
  });
});
