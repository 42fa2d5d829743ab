// make dist, as a release user meets it: the tarball of this machine's platform (only that one is
// built here: all four take minutes — `make dist` builds every platform) is unpacked into an
// empty directory, checked against SHA256SUMS with sha256sum -c, and its binaries run a matrix,
// an emit, a flush and a status with a PATH that holds neither Bun nor Node.js. Also make
// install PREFIX=….
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { exec, makeOnlyPath, stopCompiledFlusher } from "./support/binaries.ts";
import { REPO, waitFor } from "./support/run.ts";
import { useScope } from "./support/scope.ts";

const PLATFORM = `${process.platform}-${process.arch}`;
const PACKAGE = `pk3s-infra-telemetry-${pkg.version}-${PLATFORM}`;
const RELEASE = join(REPO, "dist", "release");
const BINARIES = ["pk3s-emit", "pk3s-flush", "pk3s-run-matrix", "pk3s-run-scenario"];
const scope = useScope();
let work: string;

async function make(args: string[]): Promise<void> {
  const result = await exec(
    ["make", "-C", REPO, ...args],
    { ...(process.env as Record<string, string>) },
    REPO,
    900_000,
  );
  if (result.code !== 0)
    throw new Error(`make ${args.join(" ")} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "pk3s-dist-"));
  await make(["dist", `PLATFORMS=${PLATFORM}`]);
}, 900_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe(`the ${PLATFORM} release tarball, unpacked alone`, () => {
  test("holds the four binaries, README.md and LICENSE; its sum checks; it runs without Bun or Node.js", async () => {
    const dir = mkdtempSync(join(work, "unpacked-"));
    const home = join(dir, "home");
    mkdirSync(home);
    const outbox = join(dir, "outbox");
    scope.defer(() => stopCompiledFlusher(outbox));
    const tarball = `${PACKAGE}.tar.gz`;
    // What a user downloads: the tarball and SHA256SUMS, into an empty directory.
    for (const file of [tarball, "SHA256SUMS"]) {
      await Bun.write(join(dir, file), Bun.file(join(RELEASE, file)));
    }
    const tools = makeOnlyPath(dir);
    const sums = readFileSync(join(dir, "SHA256SUMS"), "utf8");
    expect(sums).toMatch(new RegExp(`^[0-9a-f]{64}  ${tarball.replaceAll(".", "\\.")}$`, "m"));
    const check = await exec(
      ["sha256sum", "-c", "--ignore-missing", "SHA256SUMS"],
      { PATH: "/usr/bin:/bin" },
      dir,
    );
    expect(check.stdout).toContain(`${tarball}: OK`);
    expect(check.code).toBe(0);
    const untar = await exec(["tar", "xzf", tarball], { PATH: "/usr/bin:/bin" }, dir);
    expect(untar.code).toBe(0);
    const bin = join(dir, PACKAGE);
    expect(readdirSync(bin).sort()).toEqual(["LICENSE", "README.md", ...BINARIES].sort());
    expect(readFileSync(join(bin, "LICENSE"), "utf8")).toContain("Apache License");
    for (const name of BINARIES) expect(lstatSync(join(bin, name)).mode & 0o111).toBe(0o111);

    const receiver = scope.receiver();
    const env = (extra: Record<string, string> = {}) => ({
      PATH: tools,
      HOME: home,
      TEST_ARTIFACTS_DIR: join(dir, "artifacts"),
      TELEMETRY_OUTBOX_DIR: outbox,
      ...extra,
    });
    const version = await exec([join(bin, "pk3s-run-matrix"), "--version"], env(), dir);
    expect(version.stdout).toMatch(
      new RegExp(`^pk3s-run-matrix ${pkg.version.replaceAll(".", "\\.")} \\(commit \\S+\\)\\n$`),
    );

    // A matrix over the bundled scenarios.
    const matrix = await exec(
      [join(bin, "pk3s-run-matrix"), "static", "multipass", "onprem-basic", "--telemetry", "disable"],
      env(),
      dir,
      120_000,
    );
    expect(matrix.stdout).toContain("[PASS] multipass scenario-test-static");
    expect(matrix.stdout).toContain("[PASS] onprem-basic scenario-test-static");
    expect(matrix.code).toBe(0);
    const summaries = readdirSync(join(dir, "artifacts")).filter((f) => f.endsWith("-summary.json"));
    expect(summaries).toHaveLength(1);
    const summary = JSON.parse(readFileSync(join(dir, "artifacts", summaries[0] as string), "utf8"));
    expect(summary.pass).toEqual(["multipass", "onprem-basic"]);

    // An emit with no endpoint queues; a flush delivers it to a loopback receiver.
    const emit = await exec(
      [join(bin, "pk3s-emit"), "infra.command.started", "--command", "run-scenario", "--result", "started"],
      env({ TELEMETRY_ENABLED: "true", TELEMETRY_ENDPOINT: "" }),
      dir,
    );
    expect(emit.code).toBe(0);
    expect(readdirSync(join(outbox, "pending"))).toHaveLength(1);
    const flush = await exec(
      [join(bin, "pk3s-flush"), "--json"],
      env({ TELEMETRY_ENABLED: "true", TELEMETRY_ENDPOINT: receiver.url }),
      dir,
    );
    expect(flush.code).toBe(0);
    expect(JSON.parse(flush.stdout)).toMatchObject({ delivered: 1, kept: 0 });
    await waitFor(() => receiver.requests.length >= 1, 15_000, "the event at the receiver");
    expect(JSON.parse(receiver.requests[0]?.body ?? "{}").event_name).toBe("infra.command.started");
    expect(readdirSync(join(outbox, "pending"))).toEqual([]);

    // The status of what the matrix wrote, from the unpacked binary.
    const status = await exec([join(bin, "pk3s-run-matrix"), "status"], env(), dir);
    expect(status.stdout).toMatch(/^\[OK\] static scenario=multipass duration=[0-9.]+s$/m);
    expect(status.stdout).toMatch(/^\[OK\] static scenario=onprem-basic duration=[0-9.]+s$/m);
    expect(status.stdout.trim().split("\n").at(-1)).toBe("Summary: 2 pass, 0 skip, 0 fail, 0 unknown");
    expect(status.code).toBe(0);
  }, 300_000);
});

describe("make install PREFIX=…", () => {
  test("installs the four binaries into PREFIX/bin and README/LICENSE into share/doc", async () => {
    const prefix = mkdtempSync(join(work, "prefix-"));
    await make(["install", `PREFIX=${prefix}`]);
    expect(readdirSync(join(prefix, "bin")).sort()).toEqual(BINARIES);
    expect(readdirSync(join(prefix, "share", "doc", "pk3s-infra-telemetry")).sort()).toEqual([
      "LICENSE",
      "README.md",
    ]);
    const home = mkdtempSync(join(work, "home-"));
    const result = await exec(
      [join(prefix, "bin", "pk3s-flush"), "--version"],
      { PATH: "/usr/bin:/bin", HOME: home },
      prefix,
    );
    expect(result.stdout).toStartWith(`pk3s-flush ${pkg.version} (commit `);
    expect(result.code).toBe(0);
  }, 300_000);
});
