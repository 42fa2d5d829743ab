// The standalone binaries of `make build`, run where nothing of the repo is reachable: copied into
// an empty temp directory and started with an `env -i`-style environment (PATH=/usr/bin:/bin, a
// temp HOME), so no Bun, no node_modules, no package.json and no sources can help them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { exec, makeOnlyPath, stopCompiledFlusher } from "./support/binaries.ts";
import { filesUnder, REPO, waitFor } from "./support/run.ts";
import { useScope } from "./support/scope.ts";

const DIST = join(REPO, "dist");
const MINIMAL_PATH = "/usr/bin:/bin";

let work: string;
let emitBin: string;
let flushBin: string;

/** A fresh temp dir for one test (removed after it); its own HOME and outbox. */
function sandbox(): {
  dir: string;
  home: string;
  outbox: string;
  env: (extra?: Record<string, string>) => Record<string, string>;
} {
  const dir = mkdtempSync(join(work, "case-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const outbox = join(dir, "outbox");
  scope.defer(async () => {
    await stopCompiledFlusher(outbox);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, home, outbox, env: (extra = {}) => ({ PATH: MINIMAL_PATH, HOME: home, ...extra }) };
}

const scope = useScope();

beforeAll(async () => {
  const make = Bun.spawn(["make", "-C", REPO, "build"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(make.stdout).text(),
    new Response(make.stderr).text(),
    make.exited,
  ]);
  if (code !== 0) throw new Error(`make build failed (${code}):\n${out}\n${err}`);

  // The binaries alone, in an otherwise empty directory.
  work = mkdtempSync(join(tmpdir(), "pk3s-build-"));
  const bin = join(work, "bin");
  mkdirSync(bin);
  emitBin = join(bin, "pk3s-emit");
  flushBin = join(bin, "pk3s-flush");
  copyFileSync(join(DIST, "pk3s-emit"), emitBin);
  copyFileSync(join(DIST, "pk3s-flush"), flushBin);
  expect(readdirSync(bin).sort()).toEqual(["pk3s-emit", "pk3s-flush"]);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("copied binaries with a minimal environment", () => {
  test("--version prints the name, the version of package.json and the git commit built from", async () => {
    const box = sandbox();
    const head = Bun.spawnSync(["git", "-C", REPO, "rev-parse", "--short=12", "HEAD"])
      .stdout.toString()
      .trim();
    for (const [bin, name] of [
      [emitBin, "pk3s-emit"],
      [flushBin, "pk3s-flush"],
    ] as const) {
      const result = await exec([bin, "--version"], box.env(), box.dir);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      // A checkout has a HEAD (with -dirty while files are modified); a source tarball has none.
      const commit = head === "" ? "unknown" : `${head}(-dirty)?`;
      expect(result.stdout).toMatch(
        new RegExp(`^${name} ${pkg.version.replaceAll(".", "\\.")} \\(commit ${commit}\\)\n$`),
      );
    }
  });

  test("pk3s-emit env --format json prints the propagated set", async () => {
    const box = sandbox();
    const result = await exec(
      [emitBin, "env", "--format", "json"],
      box.env({ TELEMETRY_ENABLED: "true", TELEMETRY_OUTBOX_DIR: box.outbox }),
      box.dir,
    );
    expect(result.code).toBe(0);
    const set = JSON.parse(result.stdout) as Record<string, string>;
    expect(set.TELEMETRY_ENABLED).toBe("true");
    expect(set.TELEMETRY_COMPONENT).toBe("infra");
    expect(set.TELEMETRY_OUTBOX_DIR).toBe(box.outbox);
    expect(set.TELEMETRY_USER_AGENT).toBe(`pk3s-infra-telemetry/${pkg.version}`);
    expect(set.TELEMETRY_SESSION_ID).toMatch(/\S/);
    expect(Object.keys(set).every((k) => k.startsWith("TELEMETRY_"))).toBe(true);
  });

  test("pk3s-emit delivers an event to a loopback endpoint", async () => {
    const box = sandbox();
    const receiver = scope.receiver();
    const result = await exec(
      [
        emitBin,
        "infra.command.started",
        "--command",
        "run-scenario",
        "--result",
        "started",
        "--scenario",
        "multipass",
        "--level",
        "static",
      ],
      box.env({
        TELEMETRY_ENABLED: "true",
        TELEMETRY_ENDPOINT: receiver.url,
        TELEMETRY_OUTBOX_DIR: box.outbox,
      }),
      box.dir,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    await waitFor(() => receiver.requests.length >= 1, 15_000, "the event at the receiver");
    const [request] = receiver.requests;
    expect(request?.method).toBe("POST");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["x-productive-k3s-telemetry"]).toBe("pk3s-public-v1");
    const body = JSON.parse(request?.body ?? "{}");
    expect(body.event_name).toBe("infra.command.started");
    expect(body.command).toMatchObject({ name: "run-scenario", scenario: "multipass", level: "static" });
    expect(body.client.version).toBe(pkg.version);
    // Delivered means gone from the outbox.
    await waitFor(() => filesUnder(join(box.outbox, "pending")).length === 0, 15_000, "an empty outbox");
    expect(receiver.requests).toHaveLength(1);
  });

  test("a .env file in the working directory is not loaded", async () => {
    const box = sandbox();
    writeFileSync(join(box.dir, ".env"), "TELEMETRY_ENABLED=true\n");
    writeFileSync(join(box.dir, "bunfig.toml"), '[env]\nfile = ".env"\n');
    const enabledIn = (stdout: string) => (JSON.parse(stdout) as Record<string, string>).TELEMETRY_ENABLED;
    const args = [emitBin, "env", "--format", "json"];
    const result = await exec(args, box.env({ TELEMETRY_OUTBOX_DIR: box.outbox }), box.dir);
    expect(result.code).toBe(0);
    expect(enabledIn(result.stdout)).toBe("false");
    // The same binary does read the real environment.
    const real = await exec(
      args,
      box.env({ TELEMETRY_ENABLED: "true", TELEMETRY_OUTBOX_DIR: box.outbox }),
      box.dir,
    );
    expect(enabledIn(real.stdout)).toBe("true");
  });
});

const SCENARIOS = ["multipass", "onprem-basic", "onprem-basic-arm", "aws-single-node"];

describe("the four binaries copied alone, PATH with only make and coreutils", () => {
  test("run the bundled scenarios at every level, unpacked once into a private per-user cache", async () => {
    const box = sandbox();
    const bin = join(box.dir, "bin");
    mkdirSync(bin);
    for (const name of ["pk3s-run-scenario", "pk3s-run-matrix", "pk3s-emit", "pk3s-flush"]) {
      copyFileSync(join(DIST, name), join(bin, name));
      chmodSync(join(bin, name), 0o755);
    }
    const artifacts = join(box.dir, "artifacts");
    const env = box.env({
      PATH: makeOnlyPath(box.dir),
      TEST_ARTIFACTS_DIR: artifacts,
      TELEMETRY_OUTBOX_DIR: box.outbox,
      TELEMETRY_ENABLED: "false",
    });
    const expected = { static: "PASS", contract: "PASS", live: "SKIP" } as const;
    for (const level of ["static", "contract", "live"] as const) {
      const result = await exec([join(bin, "pk3s-run-matrix"), level, ...SCENARIOS], env, box.dir, 120_000);
      for (const name of SCENARIOS) {
        expect(result.stdout).toContain(`[${expected[level]}] ${name} scenario-test-${level}`);
      }
      expect(result.stderr).not.toContain("not found");
      expect(result.code).toBe(0);
    }
    // One scenario through pk3s-run-scenario too: its own checks, the same cache.
    const single = await exec(
      [join(bin, "pk3s-run-scenario"), "contract", "multipass"],
      env,
      box.dir,
      60_000,
    );
    expect(single.stdout).toContain("[PASS] multipass scenario-test-contract");
    expect(single.code).toBe(0);

    // The evidence: one summary per matrix and one manifest per scenario run, all as expected.
    const summaries = readdirSync(artifacts).filter((f) => f.endsWith("-summary.json"));
    expect(summaries).toHaveLength(3);
    const byLevel = Object.fromEntries(
      summaries.map((f) => {
        const summary = JSON.parse(readFileSync(join(artifacts, f), "utf8"));
        return [summary.test_level, summary];
      }),
    );
    expect(byLevel.static?.pass).toEqual(SCENARIOS);
    expect(byLevel.contract?.pass).toEqual(SCENARIOS);
    expect(byLevel.live?.skip).toEqual(SCENARIOS);
    const manifests = readdirSync(join(artifacts, "infra-runs")).map((f) =>
      JSON.parse(readFileSync(join(artifacts, "infra-runs", f), "utf8")),
    );
    expect(manifests).toHaveLength(3 * SCENARIOS.length + 1);
    expect(manifests.filter((m) => m.result === "fail")).toEqual([]);

    // The status of it all, from the copied binary: the latest result per scenario and level.
    const status = await exec([join(bin, "pk3s-run-matrix"), "status"], env, box.dir);
    const statusLines = status.stdout.trim().split("\n");
    for (const name of SCENARIOS) {
      const mine = statusLines.filter((l) => l.includes(` scenario=${name} `));
      for (const line of mine) expect(line).toMatch(/^\[(OK|SKIP)\] \w+ scenario=\S+ duration=[0-9.]+s$/);
      expect(mine.map((l) => l.split(" scenario=")[0]).sort()).toEqual([
        "[OK] contract",
        "[OK] static",
        "[SKIP] live",
      ]);
    }
    expect(statusLines.at(-1)).toBe("Summary: 8 pass, 4 skip, 0 fail, 0 unknown");
    expect(status.code).toBe(0);

    // Unpacked once, into a private directory under $HOME/.cache, versioned by content.
    const cache = join(box.home, ".cache", "pk3s-infra-telemetry");
    expect(lstatSync(cache).mode & 0o777).toBe(0o700);
    const versions = readdirSync(cache);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatch(/^scenarios-[0-9a-f]{16}$/);
    expect(readdirSync(join(cache, versions[0] as string, "scenarios")).sort()).toEqual(
      ["_shared", ...SCENARIOS].sort(),
    );
  }, 300_000);

  test("a foreign cache directory: one clear line first, every scenario recorded failed with it, a summary, exit 1", async () => {
    const box = sandbox();
    const cacheHome = join(box.dir, "cache");
    mkdirSync(join(cacheHome, "pk3s-infra-telemetry"), { recursive: true });
    chmodSync(join(cacheHome, "pk3s-infra-telemetry"), 0o777);
    const artifacts = join(box.dir, "artifacts");
    const env = box.env({
      PATH: makeOnlyPath(box.dir),
      XDG_CACHE_HOME: cacheHome,
      TEST_ARTIFACTS_DIR: artifacts,
      TELEMETRY_OUTBOX_DIR: box.outbox,
    });
    const why = "writable by other users (mode 777): refusing to use it as a cache";
    const result = await exec(
      [join(DIST, "pk3s-run-matrix"), "static", "multipass", "onprem-basic"],
      env,
      box.dir,
      60_000,
    );
    expect(result.code).toBe(1);
    const errors = result.stderr.trim().split("\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toStartWith("pk3s-run-matrix: error: cannot unpack the bundled scenarios:");
    expect(errors[0]).toContain(why);
    const out = result.stdout.trim().split("\n");
    for (const [i, name] of ["multipass", "onprem-basic"].entries()) {
      expect(out[i]).toStartWith(`[FAIL] ${name} scenario-test-static: cannot unpack the bundled scenarios:`);
      expect(out[i]).toContain(why);
    }
    expect(result.stdout).not.toContain("[PASS]");

    // Recorded like any failure: the summary (written, and named in the output) and a manifest each.
    const summaries = readdirSync(artifacts).filter((f) => f.endsWith("-summary.json"));
    expect(summaries).toHaveLength(1);
    expect(result.stdout).toContain(summaries[0] as string);
    const summary = JSON.parse(readFileSync(join(artifacts, summaries[0] as string), "utf8"));
    expect(summary.fail).toEqual(["multipass", "onprem-basic"]);
    expect(summary.pass).toEqual([]);
    const manifests = readdirSync(join(artifacts, "infra-runs")).map((f) =>
      JSON.parse(readFileSync(join(artifacts, "infra-runs", f), "utf8")),
    );
    expect(manifests.map((m) => [m.scenario, m.result]).sort()).toEqual([
      ["multipass", "fail"],
      ["onprem-basic", "fail"],
    ]);
    for (const manifest of manifests) {
      expect(manifest.fail_reason).toStartWith("cannot unpack the bundled scenarios:");
      expect(manifest.fail_reason).toContain(why);
      expect(manifest.fail_reason).not.toContain(box.dir); // the path is the operator's: sanitised
      expect(summary.scenario_results[manifest.scenario]?.fail_reason).toBe(manifest.fail_reason);
    }

    // pk3s-run-scenario the same way: one line, the scenario recorded failed, exit 1.
    const single = await exec([join(DIST, "pk3s-run-scenario"), "static", "multipass"], env, box.dir, 60_000);
    expect(single.code).toBe(1);
    expect(single.stderr.trim().split("\n")).toEqual([expect.stringContaining(why)]);
    expect(single.stdout).toStartWith(
      "[FAIL] multipass scenario-test-static: cannot unpack the bundled scenarios:",
    );
    expect(readdirSync(join(artifacts, "infra-runs"))).toHaveLength(3);
    // Nothing was unpacked, moved or chmodded in the refused cache.
    expect(readdirSync(join(cacheHome, "pk3s-infra-telemetry"))).toEqual([]);
    expect(lstatSync(join(cacheHome, "pk3s-infra-telemetry")).mode & 0o777).toBe(0o777);
  }, 120_000);

  test("a reason passes the free-text model inside the binary: word lists bundled, identifiers replaced", async () => {
    const box = sandbox();
    const bin = join(box.dir, "bin");
    mkdirSync(bin);
    copyFileSync(join(DIST, "pk3s-run-matrix"), join(bin, "pk3s-run-matrix"));
    chmodSync(join(bin, "pk3s-run-matrix"), 0o755);
    const own = join(box.dir, "own");
    mkdirSync(join(own, "words"), { recursive: true });
    const reason = "kubeconfig webhook timeout on payroll-db01 after 1m30s, CrashLoopBackOff";
    writeFileSync(
      join(own, "words", "Makefile"),
      `scenario-test-static:\n\t@echo "[SKIP] ${reason}"; exit 3\n`,
    );
    const artifacts = join(box.dir, "artifacts");
    const env = box.env({
      PATH: makeOnlyPath(box.dir),
      TEST_ARTIFACTS_DIR: artifacts,
      TELEMETRY_ENABLED: "false",
    });
    const result = await exec(
      [join(bin, "pk3s-run-matrix"), "static", "words", "--scenarios-dir", own],
      env,
      box.dir,
      60_000,
    );
    expect(result.code).toBe(0);
    const [manifest] = readdirSync(join(artifacts, "infra-runs")).map((f) =>
      JSON.parse(readFileSync(join(artifacts, "infra-runs", f), "utf8")),
    );
    expect(manifest?.skip_reason).toBe("kubeconfig webhook timeout on <name> after 1m30s, CrashLoopBackOff");
  });

  test("an unusable cache stops nothing that does not need the bundled scenarios", async () => {
    const box = sandbox();
    const cacheHome = join(box.dir, "cache");
    mkdirSync(join(cacheHome, "pk3s-infra-telemetry"), { recursive: true });
    chmodSync(join(cacheHome, "pk3s-infra-telemetry"), 0o777);
    // The operator's own scenario directory (as --scenarios-dir, and as a Makefile would call it).
    const own = join(box.dir, "own");
    mkdirSync(join(own, "mine"), { recursive: true });
    writeFileSync(join(own, "mine", "Makefile"), "scenario-test-static:\n\t@echo mine ran; exit 0\n");
    const env = box.env({
      PATH: makeOnlyPath(box.dir),
      XDG_CACHE_HOME: cacheHome,
      TEST_ARTIFACTS_DIR: join(box.dir, "artifacts"),
      TELEMETRY_ENABLED: "false",
    });
    const matrix = await exec(
      [join(DIST, "pk3s-run-matrix"), "static", "mine", "--scenarios-dir", own],
      env,
      box.dir,
      60_000,
    );
    expect(matrix.stdout).toContain("[PASS] mine scenario-test-static");
    expect(matrix.code).toBe(0);
    const direct = await exec(
      [join(DIST, "pk3s-run-scenario"), "static", "mine", join(own, "mine"), "scenario-test-static"],
      env,
      box.dir,
      60_000,
    );
    expect(direct.stdout).toContain("[PASS] mine scenario-test-static");
    expect(direct.code).toBe(0);
    const status = await exec([join(DIST, "pk3s-run-matrix"), "status"], env, box.dir);
    expect(status.stdout).toContain("[OK] static scenario=mine");
    expect(status.stderr).not.toContain("cache");
    expect(status.code).toBe(0);
  }, 120_000);
});
