#!/usr/bin/env bun
// Scenario environment: prints the scenario's metadata for one level as POSIX shell `export`
// lines (PK3S_SCENARIO, PK3S_TEST_LEVEL, PK3S_ENVIRONMENT, PK3S_TOPOLOGY,
// PK3S_NODE_COUNT_EXPECTED, PK3S_BOOTSTRAP_MODES as a comma list), for bootstrap.sh to eval and
// hand to productive-k3s-core. A scenario without a definition yields "unknown" values.
// Usage: bun scenario-env.ts <scenario-dir> <static|contract|live>
import { basename, resolve } from "node:path";
import { readScenarioDefinition, ScenarioError, scenarioMetadata } from "../../lib/runs/scenario.ts";
import { LEVELS, type TestLevel } from "../../lib/telemetry/event.ts";
import { shellQuote } from "../../lib/telemetry/propagation.ts";

function isLevel(raw: string | undefined): raw is TestLevel {
  return (LEVELS as readonly string[]).includes(raw ?? "");
}

export function scenarioEnv(dir: string, level: TestLevel): string {
  const name = basename(resolve(dir));
  const { installation } = scenarioMetadata(readScenarioDefinition(name, dir), level);
  const vars = {
    PK3S_SCENARIO: name,
    PK3S_TEST_LEVEL: level,
    PK3S_ENVIRONMENT: installation.environment,
    PK3S_TOPOLOGY: installation.topology,
    PK3S_NODE_COUNT_EXPECTED: String(installation.node_count_expected),
    PK3S_BOOTSTRAP_MODES: installation.bootstrap_modes_used.join(","),
  };
  return Object.entries(vars)
    .map(([k, val]) => `export ${k}=${shellQuote(val)}\n`)
    .join("");
}

if (import.meta.main) {
  const [dir, level] = process.argv.slice(2);
  if (!dir || !isLevel(level)) {
    console.error("usage: scenario-env.ts <scenario-dir> <static|contract|live>");
    process.exit(64);
  }
  try {
    process.stdout.write(scenarioEnv(dir, level));
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    console.error(`scenario-env: ${error.message}`);
    process.exit(1);
  }
}
