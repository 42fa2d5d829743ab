import { describe, expect, test } from "bun:test";
import {
  classify,
  failReason,
  isMakeErrorLine,
  overallResult,
  recipeExitCode,
  skipReasonFrom,
} from "../lib/runs/classify.ts";

const T = "scenario-test-live";

describe("classify: exit code and output → pass/skip/fail (docs/privacy-and-telemetry.md › Test artifacts)", () => {
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
    ["[SKIP] - not installed", "not installed"],
    ["[SKIP]: not installed", "not installed"],
    [
      "[SKIP] --disable=traefik conflicts with this scenario",
      "--disable=traefik conflicts with this scenario",
    ],
    ["[SKIP] -1 nodes requested", "-1 nodes requested"],
  ])("%j → %j", (line, want) => expect(skipReasonFrom(line, "multipass", T)).toBe(want));
});

describe("recipeExitCode: make's report of the recipe that stopped it", () => {
  test.each([
    ["make: *** [Makefile:2: t] Error 3", 3],
    ["make[2]: *** [../_shared/scenario.mk:45: scenario-test-live] Error 3", 3],
    ["gmake: *** [t] Error 1", 1],
    ["make: *** [Makefile:2: t] Fehler 3", 3],
    ["make: *** [Makefile:2: t] Erreur 3", 3],
    // nested $(MAKE): the inner (deeper) make knows the recipe's code, the outer says 2
    ["make[1]: *** [Makefile:5: inner] Error 3\nmake: *** [Makefile:2: outer] Error 2", 3],
    ["make[2]: *** [a] Error 3\nmake[1]: *** [b] Error 2\nmake: *** [c] Error 2", 3],
    ["all good", null],
    // an ignored -$(MAKE) that exited 3, then the recipe failed with 1: a failure
    [
      "make[1]: *** [Makefile:1: check] Error 3\nmake: [Makefile:2: t] Error 2 (ignored)\nmake: *** [Makefile:2: t] Error 1",
      1,
    ],
    // make -k: an earlier sub-make's 3 did not stop the run; the last line did, with 1
    ["make[1]: *** [a] Error 3\nmake: *** [b] Error 1\nmake: Target 'all' not remade because of errors.", 1],
    ["echo make: *** not a report", null],
  ] as const)("%j → %p", (output, code) => expect(recipeExitCode(output)).toBe(code));

  test("a nested make that exits 3 is a skip, not a fail", () => {
    const output = "make[1]: *** [Makefile:5: inner] Error 3\nmake: *** [Makefile:2: outer] Error 2\n";
    expect(classify(2, output, "s", T).result).toBe("skip");
  });
});

describe("failReason: the recipe's exit status, not make's 2", () => {
  test.each([
    [2, "make: *** [Makefile:2: t] Error 1", "exit 1"],
    [2, "out\nmake: *** [Makefile:2: t] Error 4\n", "exit 4"],
    [2, "make[1]: *** [Makefile:5: inner] Error 7\nmake: *** [Makefile:2: outer] Error 2", "exit 7"],
    [2, "\x1b[31mmake: *** [Makefile:2: t] Error 1\x1b[0m", "exit 1"],
    [
      2,
      "make: *** No rule to make target 'scenario-test-live'.  Stop.",
      "make: No rule to make target 'scenario-test-live'",
    ],
    [2, "make: *** [Makefile:2: t] Killed", "recipe stopped: Killed"],
    [2, "make: *** [Makefile:2: t] Terminated", "recipe stopped: Terminated"],
    [2, "no make line at all", "make exited with code 2"],
    [1, "make: *** [Makefile:2: t] Error 9", "make exited with code 1"],
    [null, "", "make did not exit normally"],
  ] as const)("exit %p with %j → %j", (exit, output, want) => expect(failReason(exit, output)).toBe(want));
});

describe("isMakeErrorLine: what the runner holds back while streaming", () => {
  test.each([
    ["make: *** [Makefile:2: t] Error 3", true],
    ["make[2]: *** [x.mk:45: scenario-test-live] Error 3\n", true],
    ["gmake: *** No rule to make target 'x'.  Stop.", true],
    ["\x1b[1mmake: *** [t] Error 1\x1b[0m", true],
    ["make: Nothing to be done for 'all'.", false],
    ["echo make: *** not a report", false],
    ["[SKIP] make: *** looks like one", false],
  ] as const)("%j → %p", (line, want) => expect(isMakeErrorLine(line)).toBe(want));
});
