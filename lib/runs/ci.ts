// CI: whether this run is CI or manual, and which provider/workflow/run — from std-env's
// provider detection (GitHub, GitLab, Jenkins, CircleCI, Buildkite, ...), not GitHub alone.
// Values are raw: callers sanitise them before they reach an artifact.
import { isCI, provider } from "std-env";
import type { Env } from "../util/env.ts";

export interface CiInfo {
  execution_kind: "ci" | "manual";
  provider: string | null;
  workflow: string | null;
  run_id: string | null;
}

const WORKFLOW_VARS = [
  "GITHUB_WORKFLOW",
  "CI_PIPELINE_NAME",
  "CI_JOB_NAME",
  "BUILDKITE_PIPELINE_SLUG",
  "CIRCLE_WORKFLOW_ID",
  "JOB_NAME",
  "BUILD_DEFINITIONNAME",
  "TRAVIS_BUILD_STAGE_NAME",
];
const RUN_ID_VARS = [
  "GITHUB_RUN_ID",
  "CI_PIPELINE_ID",
  "BUILDKITE_BUILD_NUMBER",
  "CIRCLE_BUILD_NUM",
  "BUILD_NUMBER",
  "BUILD_BUILDID",
  "TRAVIS_BUILD_NUMBER",
  "DRONE_BUILD_NUMBER",
];

function firstOf(env: Env, names: string[]): string | null {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return null;
}

export function detectCi(
  env: Env = process.env,
  detected: { isCI: boolean; provider: string } = { isCI, provider },
): CiInfo {
  if (!detected.isCI) return { execution_kind: "manual", provider: null, workflow: null, run_id: null };
  return {
    execution_kind: "ci",
    provider: detected.provider || "generic",
    workflow: firstOf(env, WORKFLOW_VARS),
    run_id: firstOf(env, RUN_ID_VARS),
  };
}
