import { describe, expect, test } from "bun:test";
import { classify, overallResult, skipReasonFrom } from "../lib/classify.ts";

const T = "scenario-test-live";

describe("classify: exit code and output → pass/skip/fail (SPEC §5)", () => {
  test.each([
    // exit, output, result, reason
    [0, "all good\n", "pass", null],
    [0, "[SKIP] part of it skipped\n", "pass", null],
    [3, "", "skip", "exit code 3"],
    [
      2,
      "[SKIP] missing cloud credentials in demo-skip\nmake: *** Error 3\n",
      "skip",
      "missing cloud credentials in demo-skip",
    ],
    [2, `[SKIP] demo-skip ${T}: multipass not installed\n`, "skip", "multipass not installed"],
    [2, `[SKIP] demo-skip ${T} multipass not installed\n`, "skip", "multipass not installed"],
    [2, "noise\n  [SKIP]   requires an arm64 host  \n[SKIP] second\n", "skip", "requires an arm64 host"],
    [2, "\x1b[33m[SKIP]\x1b[0m colourful reason\n", "skip", "colourful reason"],
    [2, "[SKIP]\n", "skip", "skipped"],
    [1, "boom\n", "fail", null],
    [2, "make: *** [Makefile:3: x] Error 1\n", "fail", null],
    [null, "", "fail", null],
    [137, "killed\n", "fail", null],
    [2, "not a skip: [SKIP] in the middle\n", "fail", null],
  ] as const)("exit %p with %j → %s", (exit, output, result, reason) => {
    const c = classify(exit, output, "demo-skip", T);
    expect(c.result).toBe(result);
    expect(c.skipReason).toBe(reason);
  });

  test("windows line endings are handled", () => {
    expect(skipReasonFrom("x\r\n[SKIP] no ssh\r\n", "s", T)).toBe("no ssh");
  });
});

describe("overallResult: fail > pass > skip", () => {
  test.each([
    [["pass", "skip"], "pass"],
    [["skip", "skip"], "skip"],
    [["pass", "fail", "skip"], "fail"],
    [["pass"], "pass"],
    [[], "fail"],
  ] as const)("%p → %s", (results, want) => expect(overallResult(results)).toBe(want));
});

describe("skipReasonFrom keeps reasons that start with the scenario's name", () => {
  test.each([
    ["[SKIP] multipass not installed", "multipass not installed"],
    ["[SKIP] multipass: not installed", "not installed"],
    [`[SKIP] multipass ${T}: not installed`, "not installed"],
    [`[SKIP] multipass ${T}`, ""],
    ["[SKIP] multipassx missing", "multipassx missing"],
  ])("%j → %j", (line, want) => expect(skipReasonFrom(line, "multipass", T)).toBe(want));
});
