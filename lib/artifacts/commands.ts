// Commands: the `status` and `clean` subcommands of pk3s-run-matrix and pk3s-run-scenario (a CI
// runner has the binaries, not the source tree), behind `make test-checkstatus` and
// `make test-clean`. Parses their arguments, reads TEST_ARTIFACTS_DIR / TEST_SCENARIO, prints.
//   status [--all] [--since T]   latest result per scenario and level (--all: every result)
//   clean [SCENARIO]             every artifact the tools wrote, or only SCENARIO's manifests
import { parseCli, UsageError } from "../cli/args.ts";
import { type Logger, printErr, printOut } from "../cli/log.ts";
import { bundledScenariosDir, listScenarios } from "../runs/scenario.ts";
import type { Env } from "../util/env.ts";
import { cleanArtifacts } from "./clean.ts";
import { artifactsDir } from "./records.ts";
import { collectManifests, statusReport } from "./status.ts";

export const ARTIFACT_COMMANDS = ["status", "clean"] as const;

export const ARTIFACT_COMMANDS_USAGE = `       <binary> status [--all] [--since TIME]   one line per result (latest per scenario and level)
       <binary> clean [SCENARIO]                remove the test artifacts (or only SCENARIO's)
  TEST_SCENARIO=<name> filters status, and is clean's scenario when none is given.`;

/** Is `argv` a status/clean subcommand? */
export const isArtifactCommand = (argv: readonly string[]): boolean =>
  (ARTIFACT_COMMANDS as readonly string[]).includes(argv[0] ?? "");

/** How the artifacts directory is named in messages: by its variable, not its path. */
function where(env: Env): string {
  return env.TEST_ARTIFACTS_DIR?.trim() ? "$TEST_ARTIFACTS_DIR/infra-runs" : "test-artifacts/infra-runs";
}

/** Run `status` or `clean`; returns the exit code. */
export function runArtifactCommand(
  argv: string[],
  _log: Logger,
  env: Env = process.env,
  bundled: () => string = bundledScenariosDir,
): number {
  const [command, ...rest] = argv;
  const dir = artifactsDir(env);
  const scenarioFilter = env.TEST_SCENARIO?.trim() || undefined;
  if (command === "status") {
    const { values, positionals } = parseCli(rest, { all: { type: "boolean" }, since: { type: "string" } });
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument: ${JSON.stringify(positionals[0])}`);
    let sinceMs: number | undefined;
    if (values.since !== undefined) {
      sinceMs = Date.parse(values.since);
      if (Number.isNaN(sinceMs))
        throw new UsageError(`--since must be a timestamp, got ${JSON.stringify(values.since)}`);
    }
    const report = statusReport(
      collectManifests(dir),
      { scenario: scenarioFilter, sinceMs, all: values.all === true },
      where(env),
    );
    for (const line of report.warnings) printErr(`${line}\n`);
    if (report.lines.length > 0) printOut(`${report.lines.join("\n")}\n`);
    return report.exitCode;
  }
  const { positionals } = parseCli(rest, {});
  if (positionals.length > 1) throw new UsageError(`unexpected argument: ${JSON.stringify(positionals[1])}`);
  const scenario = positionals[0]?.trim() || scenarioFilter;
  // Only clean touches the bundled scenarios (their generated/): status never unpacks them.
  const bundledDir = bundled();
  const result = cleanArtifacts(dir, {
    scenario,
    bundledDir,
    bundledScenarios: listScenarios([bundledDir]),
  });
  const generated = result.generated.length > 0 ? ` and generated/ of ${result.generated.join(", ")}` : "";
  printOut(
    scenario
      ? `removed ${result.removed} manifest(s) of ${scenario}${generated}\n`
      : `removed ${result.removed} test artifact(s)${generated}\n`,
  );
  return 0;
}
