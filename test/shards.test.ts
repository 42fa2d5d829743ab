// Shard planning (lib/runs/shards.ts): the `I/N` option, the logical matrix's id, the split by
// count and by recorded durations (tables with hand-worked answers, and properties every split
// must have), and the session derived from a CI run: handed to the execution's context, never
// written into the environment.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { startExecution } from "../lib/cli/context.ts";
import { createLogger } from "../lib/cli/log.ts";
import { selectShard } from "../lib/cli/shard-options.ts";
import {
  ciSessionId,
  logicalMatrixId,
  parseShard,
  planShards,
  recordedDurations,
} from "../lib/runs/shards.ts";
import { propagatedSet } from "../lib/telemetry/propagation.ts";

describe("parseShard", () => {
  test.each([
    ["1/3", { index: 1, total: 3 }],
    [" 2 / 3 ", { index: 2, total: 3 }],
    ["1/1", { index: 1, total: 1 }],
    ["256/256", { index: 256, total: 256 }],
  ])("%p → %j", (raw, expected) => {
    expect(parseShard(raw)).toEqual(expected);
  });

  test.each(["0/3", "4/3", "1/0", "a/b", "1/257", "3", "", "1/3/5", "-1/3", "1.5/3"])(
    "%p is refused, quoted in the message",
    (raw) => {
      expect(() => parseShard(raw)).toThrow(
        `--shard must be I/N with 1 <= I <= N <= 256 (e.g. 2/3), got ${JSON.stringify(raw)}`,
      );
    },
  );
});

describe("logicalMatrixId", () => {
  test("the same for any order and duplicates; different for another level or set", () => {
    const id = logicalMatrixId("static", ["b", "a", "c"]);
    expect(id).toMatch(/^matrix-[0-9a-f]{16}$/);
    expect(logicalMatrixId("static", ["c", "a", "b", "a"])).toBe(id);
    expect(logicalMatrixId("contract", ["a", "b", "c"])).not.toBe(id);
    expect(logicalMatrixId("static", ["a", "b"])).not.toBe(id);
    expect(logicalMatrixId("static", ["a", "b", "c", "d"])).not.toBe(id);
  });
});

describe("planShards by count", () => {
  test.each([
    // names sorted, dealt round-robin; each shard keeps the order given
    [
      ["a", "b", "c", "d", "e"],
      2,
      [
        ["a", "c", "e"],
        ["b", "d"],
      ],
    ],
    [
      ["e", "d", "c", "b", "a"],
      2,
      [
        ["e", "c", "a"],
        ["d", "b"],
      ],
    ],
    [["x", "y", "z"], 3, [["x"], ["y"], ["z"]]],
    [["x", "y", "z"], 1, [["x", "y", "z"]]],
    [["a", "b", "a"], 2, [["a"], ["b"]]],
  ] as const)("%j over %i → %j", (names, total, expected) => {
    expect(planShards(names, total)).toEqual(expected.map((s) => [...s]));
  });
});

describe("planShards by durations: longest first onto the least-loaded shard", () => {
  test.each([
    // a(10)→1, b(8)→2, c(3)→2 (8 < 10), d(3)→1 (10 < 11), e(2)→2 (11 < 13)
    [
      { a: 10, b: 8, c: 3, d: 3, e: 2 },
      ["a", "b", "c", "d", "e"],
      2,
      [
        ["a", "d"],
        ["b", "c", "e"],
      ],
    ],
    // one slow live scenario gets a shard of its own
    [
      { slow: 600, s1: 1, s2: 1, s3: 1, s4: 1 },
      ["s1", "s2", "slow", "s3", "s4"],
      2,
      [["slow"], ["s1", "s2", "s3", "s4"]],
    ],
    // ties by name: all equal → the same as by count
    [
      { a: 5, b: 5, c: 5, d: 5 },
      ["d", "c", "b", "a"],
      2,
      [
        ["c", "a"],
        ["d", "b"],
      ],
    ],
    // unknown (u) counts as the mean of the known (6): order a(10), u(6), b(2)
    [{ a: 10, b: 2 }, ["a", "b", "u"], 2, [["a"], ["b", "u"]]],
  ] as const)("%j, %j over %i → %j", (durations, names, total, expected) => {
    expect(planShards(names, total, new Map(Object.entries(durations)))).toEqual(expected.map((s) => [...s]));
  });

  test("no recorded duration for any scenario: the split by count", () => {
    const names = ["a", "b", "c", "d", "e"];
    expect(planShards(names, 2, new Map([["zzz", 4]]))).toEqual(planShards(names, 2));
  });
});

describe("properties of every split", () => {
  const names = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { minLength: 1, maxLength: 30 });
  const durations = fc.dictionary(
    fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
    fc.integer({ min: 0, max: 1000 }),
  );

  test("a partition of the scenarios, the same whatever the order given", () => {
    fc.assert(
      fc.property(
        names,
        fc.integer({ min: 1, max: 8 }),
        durations,
        fc.boolean(),
        (list, total, recorded, useDurations) => {
          const map = useDurations ? new Map(Object.entries(recorded)) : undefined;
          const plan = planShards(list, total, map);
          expect(plan).toHaveLength(total);
          expect(plan.flat().sort()).toEqual([...list].sort());
          const reversed = planShards([...list].reverse(), total, map);
          expect(reversed.map((s) => [...s].sort())).toEqual(plan.map((s) => [...s].sort()));
          if (!useDurations) {
            const sizes = plan.map((s) => s.length);
            expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });
});

describe("recordedDurations", () => {
  test("the mean of each scenario's recorded durations", () => {
    const summaries: Array<{ scenario_results: Record<string, { duration_seconds: number }> }> = [
      { scenario_results: { a: { duration_seconds: 2 }, b: { duration_seconds: 5 } } },
      { scenario_results: { a: { duration_seconds: 4 } } },
    ];
    expect(Object.fromEntries(recordedDurations(summaries))).toEqual({ a: 3, b: 5 });
  });
});

describe("ciSessionId", () => {
  const github = {
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: "example-org/productive-k3s-infra",
    GITHUB_RUN_ID: "9876543210",
    GITHUB_RUN_ATTEMPT: "1",
  };
  const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  test("every job of one GitHub run agrees; an opaque UUID that shows none of the run's values", () => {
    const id = ciSessionId(github);
    expect(id).toMatch(UUID_V8);
    expect(ciSessionId({ ...github, RUNNER_NAME: "another runner", RUNNER_ARCH: "ARM64" })).toBe(id);
    for (const value of [github.GITHUB_RUN_ID, github.GITHUB_REPOSITORY, "example-org", "9876"]) {
      expect(id).not.toContain(value);
    }
  });

  test.each([
    ["another attempt", { ...github, GITHUB_RUN_ATTEMPT: "2" }],
    ["another run", { ...github, GITHUB_RUN_ID: "9876543211" }],
    ["another repository", { ...github, GITHUB_REPOSITORY: "example-org/other" }],
  ])("%s → another session", (_label, env) => {
    expect(ciSessionId(env)).not.toBe(ciSessionId(github));
  });

  test.each([
    ["GitLab", { GITLAB_CI: "true", CI_PIPELINE_ID: "555", CI_PROJECT_ID: "7" }],
    ["Buildkite", { BUILDKITE: "true", BUILDKITE_BUILD_ID: "0190-abc", BUILDKITE_RETRY_COUNT: "0" }],
  ])("%s runs get one too", (_label, env) => {
    expect(ciSessionId(env)).toMatch(UUID_V8);
  });

  test.each([
    ["no CI", {}],
    ["GitHub without a run id", { GITHUB_ACTIONS: "true", GITHUB_RUN_ID: " " }],
    ["a run id without the CI's flag", { GITHUB_RUN_ID: "1" }],
  ])("%s → null", (_label, env) => {
    expect(ciSessionId(env)).toBeNull();
  });
});

describe("selectShard and the execution's session", () => {
  const ci = {
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: "o/r",
    GITHUB_RUN_ID: "31337",
    GITHUB_RUN_ATTEMPT: "1",
  };
  const names = ["a", "b", "c", "d"];
  const quiet = createLogger("test", () => {});

  test("sharded in CI without TELEMETRY_SESSION_ID: the CI run's session is returned, the environment left as it was", async () => {
    const env = { ...ci };
    const selected = await selectShard("static", names, { shard: "2/2" }, env);
    expect(selected.sessionId).toBe(ciSessionId(ci) as string);
    expect(env).toEqual(ci); // nothing written into it
    const ctx = await startExecution({ flag: "disable", log: quiet, env, sessionId: selected.sessionId });
    expect(ctx.settings.sessionId).toBe(selected.sessionId as string);
    expect(ctx.correlation.sessionId).toBe(selected.sessionId as string);
    // What each scenario's make receives.
    const set = propagatedSet(ctx.settings, ctx.consent, ctx.correlation);
    expect(set.TELEMETRY_SESSION_ID).toBe(selected.sessionId as string);
  });

  test.each([
    [
      "TELEMETRY_SESSION_ID is set",
      { ...ci, TELEMETRY_SESSION_ID: "0190b000-1111-7222-8333-444455556666" },
      "2/2",
    ],
    ["not in CI", {}, "2/2"],
    ["not sharded", { ...ci }, undefined],
  ])(
    "%s: no session of its own; the execution's is the environment's or a new one",
    async (_label, env, shard) => {
      const before = { ...env };
      const selected = await selectShard("static", names, { shard }, env);
      expect(selected.sessionId).toBeUndefined();
      expect(env).toEqual(before);
      const ctx = await startExecution({ flag: "disable", log: quiet, env, sessionId: selected.sessionId });
      if ("TELEMETRY_SESSION_ID" in env) expect(ctx.correlation.sessionId).toBe(env.TELEMETRY_SESSION_ID);
      else expect(ctx.correlation.sessionId).not.toBe(ciSessionId(ci) as string);
    },
  );

  test("the environment's own session wins over one handed to startExecution", async () => {
    const own = "0190b000-1111-7222-8333-444455556666";
    const ctx = await startExecution({
      flag: "disable",
      log: quiet,
      env: { TELEMETRY_SESSION_ID: own },
      sessionId: ciSessionId(ci) as string,
    });
    expect(ctx.correlation.sessionId).toBe(own);
  });
});
