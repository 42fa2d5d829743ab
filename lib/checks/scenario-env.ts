// Scenario environment (bootstrap.sh of the bundled scenarios): prints the scenario's metadata for one level as POSIX shell `export`
// lines (PK3S_SCENARIO, PK3S_TEST_LEVEL, PK3S_ENVIRONMENT, PK3S_TOPOLOGY,
// PK3S_NODE_COUNT_EXPECTED, PK3S_BOOTSTRAP_MODES as a comma list), for bootstrap.sh to eval and
// hand to productive-k3s-core. A scenario without a definition yields "unknown" values.
// Reached as the hidden subcommand `__scenario-env <scenario-dir> <level>` (commands.ts).
import { basename, resolve } from "node:path";
import { printOut } from "../cli/log.ts";
import { readScenarioDefinition, ScenarioError, scenarioMetadata } from "../runs/scenario.ts";
import { LEVELS, type TestLevel } from "../telemetry/event.ts";
import { shellQuote } from "../telemetry/propagation.ts";

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

/** `__scenario-env <scenario-dir> <level>`: the export lines on stdout. */
export function scenarioEnvMain(args: string[]): number {
  const [dir, level] = args;
  if (!dir || !isLevel(level)) {
    console.error("usage: __scenario-env <scenario-dir> <static|contract|live>");
    return 64;
  }
  try {
    printOut(scenarioEnv(dir, level));
    return 0;
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    console.error(`scenario-env: ${error.message}`);
    return 1;
  }
}
