// Merging shards (lib/runs/merge.ts): the pure checks and combination, table-driven over
// hand-made shard summaries, then `pk3s-run-matrix --shard` and `merge` as real processes — three
// shards over twelve fixture scenarios, run concurrently, merge to exactly the unsharded run's
// results, and a refused merge writes nothing.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ScenarioEntry, ShardBlock, Summary } from "../lib/artifacts/records.ts";
import { MergeError, mergeSummaries, type ShardInput } from "../lib/runs/merge.ts";
import { logicalMatrixId } from "../lib/runs/shards.ts";
import { type Recipes, withSandbox } from "./support/sandbox.ts";

const SESSION = "0190a000-0000-7000-8000-000000000000";
const MATRIX = logicalMatrixId("static", ["a", "b", "c", "d", "e"]);

function entry(result: ScenarioEntry["result"], n: number): ScenarioEntry {
  return {
    result,
    run_id: `0190a000-0000-7000-8000-00000000000${n}`,
    duration_seconds: n,
    manifest: `infra-runs/scenario-${n}.json`,
  } as ScenarioEntry;
}

/** A shard's summary: `results` maps scenario → result; times as given. */
function shard(
  index: number,
  total: number,
  results: Record<string, ScenarioEntry["result"]>,
  times: [string, string],
  overrides: Partial<Summary> & { shardBlock?: Partial<ShardBlock> | null } = {},
): ShardInput {
  const { shardBlock, ...rest } = overrides;
  const names = Object.keys(results);
  const list = (r: string) => names.filter((n) => results[n] === r);
  const summary = {
    schema_version: "1",
    repository: "productive-k3s-infra",
    run_id: `0190a000-0000-7000-8000-0000000000${index}0`,
    parent_run_id: null,
    session_id: SESSION,
    result: list("fail").length ? "fail" : list("pass").length ? "pass" : "skip",
    test_level: "static",
    execution_kind: "ci",
    started_at: times[0],
    finished_at: times[1],
    duration_seconds: (Date.parse(times[1]) - Date.parse(times[0])) / 1000,
    productive_k3s: {
      source: "release",
      version: "v1",
      release_repo: "r",
      engine: "k3s",
      resolved_from_cluster_json: false,
    },
    pass: list("pass"),
    skip: list("skip"),
    fail: list("fail"),
    interrupted: list("interrupted"),
    scenario_results: Object.fromEntries(
      names.map((n, i) => [n, entry(results[n] as ScenarioEntry["result"], i + 1)]),
    ),
    ci: { provider: "github-actions", workflow: "matrix", run_id: "1" },
    telemetry: {
      share_metrics_enabled: false,
      anonymous_by_default: true,
      endpoint_configured: false,
      propagates_to_productive_k3s: true,
      max_retries: 3,
      connect_timeout_seconds: 3,
      request_timeout_seconds: 5,
    },
    ...(shardBlock === null
      ? {}
      : {
          shard: {
            shard: `${index}/${total}`,
            index,
            total,
            matrix_id: MATRIX,
            balanced_by: "count",
            ...shardBlock,
          },
        }),
    ...rest,
  } as Summary;
  return { label: `shard-${index}-summary.json`, summary };
}

const T = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s)).toISOString();
const one = shard(1, 3, { a: "pass", d: "fail" }, [T(5), T(20)]);
const two = shard(2, 3, { b: "skip", e: "pass" }, [T(1), T(10)]);
const three = shard(3, 3, { c: "pass" }, [T(3), T(30)]);
const OPTIONS = { allowPartial: false, runId: "0190a000-0000-7000-8000-00000000abcd" };

describe("mergeSummaries", () => {
  test("three shards in any order: one summary with every result, the earliest start and latest finish", () => {
    const merged = mergeSummaries([three, one, two], OPTIONS);
    expect(merged.run_id).toBe(OPTIONS.runId);
    expect(merged.session_id).toBe(SESSION);
    expect(merged.result).toBe("fail");
    expect(merged.pass).toEqual(["a", "e", "c"]);
    expect(merged.skip).toEqual(["b"]);
    expect(merged.fail).toEqual(["d"]);
    expect(Object.keys(merged.scenario_results).sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(merged.scenario_results.b).toEqual(two.summary.scenario_results.b as ScenarioEntry);
    expect(merged.started_at).toBe(T(1));
    expect(merged.finished_at).toBe(T(30));
    expect(merged.duration_seconds).toBe(29);
    expect(merged.shard).toBeUndefined();
    expect(merged.merged_shards).toEqual({
      matrix_id: MATRIX,
      total: 3,
      seen: ["1/3", "2/3", "3/3"],
      missing: [],
      partial: false,
      run_ids: [one.summary.run_id, two.summary.run_id, three.summary.run_id],
    });
  });

  test("no failure anywhere: pass", () => {
    const ok = shard(1, 2, { a: "pass", b: "skip" }, [T(0), T(1)]);
    const ok2 = shard(2, 2, { c: "skip" }, [T(0), T(2)]);
    expect(mergeSummaries([ok, ok2], OPTIONS).result).toBe("pass");
  });

  test("--allow-partial: what is there, with the missing shards recorded", () => {
    const merged = mergeSummaries([one, three], { ...OPTIONS, allowPartial: true });
    expect(merged.merged_shards).toMatchObject({ seen: ["1/3", "3/3"], missing: ["2/3"], partial: true });
    expect(Object.keys(merged.scenario_results).sort()).toEqual(["a", "c", "d"]);
  });

  const contract = shard(2, 3, { b: "pass", e: "pass" }, [T(1), T(2)], { test_level: "contract" });
  const otherMatrix = shard(2, 3, { b: "pass", e: "pass" }, [T(1), T(2)], {
    shardBlock: { matrix_id: logicalMatrixId("static", ["b", "e", "x"]) },
  });
  const otherTotal = shard(2, 4, { b: "pass", e: "pass" }, [T(1), T(2)]);
  const overlapping = shard(2, 3, { b: "pass", a: "pass" }, [T(1), T(2)]);
  const again = { ...shard(1, 3, { b: "pass" }, [T(1), T(2)]), label: "again-summary.json" };
  const unsharded = shard(2, 3, { b: "pass" }, [T(1), T(2)], { shardBlock: null });
  test.each([
    [
      "different levels",
      [one, contract, three],
      'cannot merge different levels: "shard-1-summary.json" is static, "shard-2-summary.json" is contract',
    ],
    [
      "different logical matrices",
      [one, otherMatrix, three],
      `cannot merge different logical matrices: "shard-1-summary.json" is shard 1/3 of ${MATRIX}, "shard-2-summary.json" is shard 2/3 of`,
    ],
    ["a different number of shards", [one, otherTotal, three], "cannot merge different logical matrices"],
    [
      "overlapping scenarios",
      [one, overlapping, three],
      'overlapping shards: scenario "a" is in both "shard-1-summary.json" and "shard-2-summary.json"',
    ],
    [
      "one shard twice",
      [one, again, two, three],
      'shard 1/3 is given twice: "shard-1-summary.json" and "again-summary.json"',
    ],
    [
      "an incomplete set",
      [one, three],
      `incomplete set of shards: 2/3 of ${MATRIX} missing (give every shard's summary, or --allow-partial to merge what is there)`,
    ],
    [
      "a summary that is not a shard's",
      [one, unsharded, three],
      '"shard-2-summary.json" is not a shard\'s summary (it has no shard block: run pk3s-run-matrix with --shard I/N)',
    ],
    ["nothing", [], "give at least one shard's summary to merge"],
  ] as const)("refuses %s with a clear message", (_label, inputs, message) => {
    expect(() => mergeSummaries(inputs as unknown as ShardInput[], OPTIONS)).toThrow(MergeError);
    expect(() => mergeSummaries(inputs as unknown as ShardInput[], OPTIONS)).toThrow(message);
  });
});

/** Twelve fixture scenarios: passes, skips and failures. */
function twelve(): Array<[string, Recipes]> {
  return Array.from({ length: 12 }, (_, i) => {
    const name = `scn-${String(i + 1).padStart(2, "0")}`;
    const recipe =
      i % 4 === 1
        ? [`@echo "[SKIP] nothing to run for ${name}"; exit 3`]
        : i % 4 === 3
          ? [`@echo "${name} broke" >&2; exit 1`]
          : ["@true"];
    return [name, { "scenario-test-static": recipe }];
  });
}

/** What must be the same merged or not: each scenario's result and reasons, and the lists. */
function results(summary: Summary) {
  return {
    result: summary.result,
    lists: { pass: [...summary.pass].sort(), skip: [...summary.skip].sort(), fail: [...summary.fail].sort() },
    scenarios: Object.fromEntries(
      Object.entries(summary.scenario_results)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, e]) => [
          name,
          { result: e.result, skip_reason: e.skip_reason, fail_reason: e.fail_reason },
        ]),
    ),
  };
}

const summariesIn = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith("-summary.json"))
        .map((f) => join(dir, f))
    : [];
const readSummary = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Summary;

describe("pk3s-run-matrix --shard and merge, as real processes", () => {
  test("3 shards over 12 scenarios, run concurrently, merge to exactly the unsharded results", async () => {
    await withSandbox(async (sb) => {
      const scenarios = twelve();
      for (const [name, recipes] of scenarios) sb.scenario(name, recipes);
      const names = scenarios.map(([name]) => name);
      const ci = {
        GITHUB_ACTIONS: "true",
        GITHUB_RUN_ID: "424242",
        GITHUB_RUN_ATTEMPT: "1",
        GITHUB_REPOSITORY: "o/r",
      };
      const shardDir = (i: number) => join(sb.root, `shard-${i}`);
      const args = ["static", ...names, "--scenarios-dir", sb.scenarios, "--telemetry", "disable"];
      const runs = await Promise.all(
        [1, 2, 3].map((i) =>
          sb.run("run-matrix", [...args, "--shard", `${i}/3`], { ...ci, TEST_ARTIFACTS_DIR: shardDir(i) }),
        ),
      );
      for (const run of runs) expect(run.code).toBe(1); // every shard holds a failing scenario
      const shardFiles = [1, 2, 3].flatMap((i) => summariesIn(shardDir(i)));
      expect(shardFiles).toHaveLength(3);
      const shards = shardFiles.map(readSummary);
      // Each shard ran four scenarios, none twice; all belong to one logical matrix and session.
      expect(shards.map((s) => Object.keys(s.scenario_results).length)).toEqual([4, 4, 4]);
      expect(new Set(shards.flatMap((s) => Object.keys(s.scenario_results))).size).toBe(12);
      expect(new Set(shards.map((s) => s.shard?.matrix_id)).size).toBe(1);
      expect(shards.map((s) => s.shard?.shard).sort()).toEqual(["1/3", "2/3", "3/3"]);
      expect(new Set(shards.map((s) => s.session_id)).size).toBe(1);
      expect(shards[0]?.session_id).not.toContain("424242");

      const unsharded = await sb.run("run-matrix", args, { TEST_ARTIFACTS_DIR: join(sb.root, "whole") });
      expect(unsharded.code).toBe(1);
      const [wholeFile] = summariesIn(join(sb.root, "whole"));
      const whole = readSummary(wholeFile as string);

      const out = join(sb.root, "merged");
      const merge = await sb.run("run-matrix", ["merge", ...shardFiles, "--out", out]);
      expect(merge.stdout).toContain("merged shards 1/3, 2/3, 3/3 of matrix-");
      expect(merge.code).toBe(1); // the merged matrix failed, as the unsharded one did
      const [mergedFile] = summariesIn(out);
      const merged = readSummary(mergedFile as string);
      expect(results(merged)).toEqual(results(whole));
      expect(merged.merged_shards?.partial).toBe(false);
      expect(merged.started_at <= (shards.map((s) => s.started_at).sort()[0] as string)).toBe(true);
      // The manifests came along, one per scenario, where the summary says.
      for (const [name, e] of Object.entries(merged.scenario_results)) {
        const manifest = JSON.parse(readFileSync(join(out, e.manifest as string), "utf8"));
        expect(manifest.scenario).toBe(name);
      }
      expect(readdirSync(join(out, "infra-runs"))).toHaveLength(12);
    });
  }, 180_000);

  test("--durations balances by an earlier run's recorded durations; TELEMETRY_SESSION_ID is every shard's session", async () => {
    await withSandbox(async (sb) => {
      const names = ["d-1", "d-2", "d-3", "d-4", "d-5"];
      for (const name of names) sb.scenario(name, { "scenario-test-static": ["@true"] });
      const common = ["--scenarios-dir", sb.scenarios, "--telemetry", "disable"];
      const first = join(sb.root, "first");
      await sb.run("run-matrix", ["static", ...names, ...common], { TEST_ARTIFACTS_DIR: first });
      // The earlier run as if d-3 had taken 50 s and d-1 30 s: they must not share a shard.
      const earlier = readSummary(summariesIn(first)[0] as string);
      const recorded = { "d-1": 30, "d-2": 2, "d-3": 50, "d-4": 1, "d-5": 3 } as Record<string, number>;
      for (const [name, entry] of Object.entries(earlier.scenario_results)) {
        entry.duration_seconds = recorded[name] ?? 0;
      }
      const durations = join(sb.root, "earlier-summary.json");
      await Bun.write(durations, JSON.stringify(earlier));
      const session = "0190b000-1111-7222-8333-444455556666";
      const ran: string[][] = [];
      for (const index of [1, 2]) {
        const dir = join(sb.root, `shard-${index}`);
        const run = await sb.run(
          "run-matrix",
          ["static", ...names, ...common, "--shard", `${index}/2`, "--durations", durations],
          {
            TEST_ARTIFACTS_DIR: dir,
            TELEMETRY_SESSION_ID: session,
            GITHUB_ACTIONS: "true",
            GITHUB_RUN_ID: "77",
          },
        );
        expect(run.code).toBe(0);
        const summary = readSummary(summariesIn(dir)[0] as string);
        expect(summary.shard).toMatchObject({ shard: `${index}/2`, balanced_by: "durations" });
        expect(summary.session_id).toBe(session);
        ran.push(Object.keys(summary.scenario_results));
      }
      // d-3 (50) → 1; d-1 (30) → 2; d-5 (3) → 2 (30 < 50); d-2 (2) → 2 (33 < 50); d-4 (1) → 2 (35 < 50)
      expect(ran).toEqual([["d-3"], ["d-1", "d-2", "d-4", "d-5"]]);
    });
  }, 120_000);

  test("a refused merge says why in one line and writes nothing", async () => {
    await withSandbox(async (sb) => {
      for (const [name, recipes] of twelve().slice(0, 4))
        sb.scenario(name, { ...(recipes as Record<string, string[]>), "scenario-test-contract": ["@true"] });
      const names = ["scn-01", "scn-02", "scn-03", "scn-04"];
      const common = ["--scenarios-dir", sb.scenarios, "--telemetry", "disable"];
      const staticDir = join(sb.root, "s");
      const contractDir = join(sb.root, "c");
      await sb.run("run-matrix", ["static", ...names, "--shard", "1/2", ...common], {
        TEST_ARTIFACTS_DIR: staticDir,
      });
      await sb.run("run-matrix", ["contract", ...names, "--shard", "2/2", ...common], {
        TEST_ARTIFACTS_DIR: contractDir,
      });
      const out = join(sb.root, "merged");
      const files = [...summariesIn(staticDir), ...summariesIn(contractDir)];
      expect(files).toHaveLength(2);
      const merge = await sb.run("run-matrix", ["merge", ...files, "--out", out]);
      expect(merge.code).toBe(1);
      expect(merge.stderr.trim().split("\n")).toHaveLength(1);
      expect(merge.stderr).toContain("merge: cannot merge different levels:");
      expect(existsSync(out)).toBe(false);

      const partial = await sb.run("run-matrix", ["merge", ...summariesIn(staticDir), "--out", out]);
      expect(partial.stderr).toContain("incomplete set of shards: 2/2 of matrix-");
      expect(partial.code).toBe(1);
      const allowed = await sb.run("run-matrix", [
        "merge",
        ...summariesIn(staticDir),
        "--out",
        out,
        "--allow-partial",
      ]);
      expect(allowed.stderr).toContain("partial merge: shard(s) 2/2 missing");
      expect(readSummary(summariesIn(out)[0] as string).merged_shards).toMatchObject({
        missing: ["2/2"],
        partial: true,
      });
    });
  }, 120_000);

  test("another runner's free text passes the sanitiser again: no address or login reaches the merged files", async () => {
    await withSandbox(async (sb) => {
      sb.scenario("leaky", { "scenario-test-static": ['@echo "leaky broke" >&2; exit 1'] });
      const common = ["--scenarios-dir", sb.scenarios, "--telemetry", "disable"];
      const shardDir = join(sb.root, "shard");
      await sb.run("run-matrix", ["static", "leaky", "--shard", "1/1", ...common], {
        TEST_ARTIFACTS_DIR: shardDir,
      });
      const [summaryFile] = summariesIn(shardDir);
      // A shard written elsewhere (an older version, a hand-edited file): identifiers in its text.
      const leak = "ssh admin@10.2.3.4 failed: jump-bastion-03:22 refused";
      const summary = readSummary(summaryFile as string);
      const entry = summary.scenario_results.leaky as ScenarioEntry;
      entry.fail_reason = leak;
      summary.ci.workflow = "deploy by ops@corp-internal.example.com";
      summary.productive_k3s.version = "v1.31.2+build.ip-10-2-3-4";
      await Bun.write(summaryFile as string, JSON.stringify(summary));
      const manifestFile = join(shardDir, entry.manifest as string);
      const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
      manifest.fail_reason = leak;
      manifest.installation.environment = "rack 10.2.3.4";
      await Bun.write(manifestFile, JSON.stringify(manifest));

      const out = join(sb.root, "merged");
      const junit = join(out, "junit.xml");
      const merge = await sb.run("run-matrix", [
        "merge",
        summaryFile as string,
        "--out",
        out,
        "--junit",
        junit,
      ]);
      expect(merge.code).toBe(1);
      const written = [
        readFileSync(summariesIn(out)[0] as string, "utf8"),
        ...readdirSync(join(out, "infra-runs")).map((f) => readFileSync(join(out, "infra-runs", f), "utf8")),
        readFileSync(junit, "utf8"),
        merge.stdout,
        merge.stderr,
      ].join("\n");
      for (const piece of ["10.2.3.4", "10-2-3-4", "admin@", "jump-bastion-03", "ops@", "corp-internal"])
        expect(written).not.toContain(piece);
      expect(written).toContain("ssh <ssh-target> failed");
    });
  }, 120_000);

  test.each([
    [["--shard", "4/3"], '--shard must be I/N with 1 <= I <= N <= 256 (e.g. 2/3), got "4/3"'],
    [["--shard", "5/5"], "--shard 5/5: 5 shards for 4 scenario(s) would leave a shard empty; use at most 4"],
    [["--durations", "x.json"], "--durations is only used with --shard I/N"],
    [
      ["--shard", "1/2", "--durations", "missing.json"],
      '--durations: cannot read "missing.json": no such file',
    ],
  ])("usage: %j → exit 2 and %s", async (extra, message) => {
    await withSandbox(async (sb) => {
      const result = await sb.run("run-matrix", ["static", "a", "b", "c", "d", ...extra]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
    });
  });
});
