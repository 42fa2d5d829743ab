import { describe, expect, test } from "bun:test";
import { detectCi } from "../lib/runs/ci.ts";

describe("detectCi: execution kind and provider from std-env-style detection", () => {
  test("manual when not CI, whatever the variables say", () => {
    expect(detectCi({ GITHUB_WORKFLOW: "x" }, { isCI: false, provider: "" })).toEqual({
      execution_kind: "manual",
      provider: null,
      workflow: null,
      run_id: null,
    });
  });
  test.each([
    ["github_actions", { GITHUB_WORKFLOW: "ci", GITHUB_RUN_ID: "42" }, "ci", "42"],
    ["gitlab", { CI_PIPELINE_NAME: "nightly", CI_PIPELINE_ID: "7" }, "nightly", "7"],
    ["jenkins", { JOB_NAME: "infra", BUILD_NUMBER: "99" }, "infra", "99"],
    ["buildkite", { BUILDKITE_PIPELINE_SLUG: "pk3s", BUILDKITE_BUILD_NUMBER: "5" }, "pk3s", "5"],
    ["", {}, null, null],
  ] as const)("provider %p", (provider, env, workflow, runId) => {
    const info = detectCi({ ...env }, { isCI: true, provider });
    expect(info.execution_kind).toBe("ci");
    expect(info.provider).toBe(provider || "generic");
    expect(info.workflow).toBe(workflow);
    expect(info.run_id).toBe(runId);
  });
});
