// The pk3s-run-scenario command itself (the script scripts/run-scenario.ts loads it only when it runs, so
// --version and --help answer without evaluating the runner, the prompt library and the
// scenario lookup).
import { isArtifactCommand, runArtifactCommand } from "../artifacts/commands.ts";
import { prepareArtifactsDir } from "../artifacts/records.ts";
import { runScenarioCheckIfAsked } from "../checks/commands.ts";
import { detectCi } from "../runs/ci.ts";
import { makeMissing, resultLine, runScenario, type ScenarioSpec, watchInterrupts } from "../runs/runner.ts";
import {
  assertScenarioName,
  bundledDirIfUsable,
  bundledLookup,
  readScenarioDefinition,
  resolveScenario,
  ScenarioError,
  scenarioTarget,
  sourceKindOfDir,
} from "../runs/scenario.ts";
import { Emitter } from "../telemetry/emitter.ts";
import type { TestLevel } from "../telemetry/event.ts";
import { runBackgroundFlushIfAsked } from "../telemetry/handoff.ts";
import { ExitError, parseCli, parseLevel, UsageError } from "./args.ts";
import { startExecution } from "./context.ts";
import { type Logger, printErr, printOut } from "./log.ts";
import { terminalOperator } from "./prompt.ts";

const OPTIONS = {
  dir: { type: "string" },
  target: { type: "string" },
  "scenarios-dir": { type: "string" },
} as const;

/** Resolve the scenario; an unresolvable one becomes a spec with a problem (recorded as fail). */
function scenarioSpec(
  level: TestLevel,
  name: string,
  options: { dir?: string; target?: string; scenariosDir?: string; makeArgs: string[] },
): ScenarioSpec {
  const target = options.target ?? scenarioTarget(level);
  if (options.dir) {
    const bundledDir = bundledDirIfUsable();
    return {
      name,
      level,
      dir: options.dir,
      definition: readScenarioDefinition(name, options.dir),
      source: sourceKindOfDir(options.dir, { env: process.env, bundledDir }),
      target,
      makeArgs: options.makeArgs,
    };
  }
  const search = { scenariosDir: options.scenariosDir, env: process.env };
  const lookup = bundledLookup(search);
  if (lookup.problem !== null) {
    // The bundled scenarios cannot be unpacked: recorded failed with why (the caller says it).
    assertScenarioName(name);
    const source = "bundled";
    return {
      name,
      level,
      dir: null,
      definition: null,
      source,
      target,
      makeArgs: options.makeArgs,
      problem: lookup.problem,
    };
  }
  const resolved = resolveScenario(name, { ...search, bundledDir: lookup.bundledDir });
  return {
    name,
    level,
    dir: resolved.dir,
    definition: resolved.definition,
    source: resolved.source,
    target,
    makeArgs: options.makeArgs,
  };
}

export async function main(argv: string[], log: Logger): Promise<number> {
  await runBackgroundFlushIfAsked(argv);
  await runScenarioCheckIfAsked(argv);
  if (isArtifactCommand(argv)) return runArtifactCommand(argv, log);
  if (argv[0] === "telemetry") {
    const { telemetryCommand } = await import("./telemetry-command.ts");
    return telemetryCommand(argv.slice(1), log);
  }
  const { values, positionals } = parseCli(argv, OPTIONS);
  const [levelRaw, name, ...rest] = positionals;
  const level = parseLevel(levelRaw);
  if (!name) throw new UsageError("missing <scenario>");
  // Reference form: <level> <scenario> <scenario-dir> <target> [make-args...]
  const reference = rest.length >= 2 && !values.dir && !values.target && !argv.includes("--");
  const options = reference
    ? { dir: rest[0] as string, target: rest[1] as string, makeArgs: rest.slice(2) }
    : { dir: values.dir, target: values.target, scenariosDir: values["scenarios-dir"], makeArgs: rest };

  let spec: ScenarioSpec;
  try {
    spec = scenarioSpec(level, name, options);
  } catch (error) {
    if (error instanceof ScenarioError && error.kind === "invalid-name") throw new UsageError(error.message);
    if (error instanceof ScenarioError && error.kind === "unknown") throw new UsageError(error.message);
    throw error;
  }

  // Only an unusable cache of the bundled scenarios leaves a problem here: said before anything runs.
  if (spec.problem) log.error(spec.problem);
  const noMake = makeMissing(process.env);
  if (noMake) {
    // Said once, before anything runs; the scenario is still recorded (failed, with the reason).
    log.error(noMake);
    spec = { ...spec, dir: null, problem: noMake };
  }
  const ctx = await startExecution({
    flag: values.telemetry,
    operator: (settings) => terminalOperator(settings, log),
    log,
  });
  const emitter = new Emitter(ctx.settings, ctx.consent, ctx.correlation, { dryRun: false, log });
  const interrupts = watchInterrupts();
  try {
    const outcome = await runScenario(
      spec,
      {
        ...ctx,
        emitter,
        ci: detectCi(),
        artifactsDir: prepareArtifactsDir(),
        env: process.env,
        command: "run-scenario",
        endsCommand: true,
      },
      { stream: level === "live", signal: interrupts.signal },
    );
    // Captured output (already redacted, only its tail) is shown when the scenario failed.
    if (outcome.result === "fail" && outcome.output && !outcome.interrupted && level !== "live") {
      printErr(outcome.output);
    }
    printOut(`${resultLine(outcome)}\n`);
    if (outcome.notRecorded)
      log.error(`not recorded: the manifest of ${outcome.name}: ${outcome.notRecorded}`);
    const interrupted = interrupts.exitCode();
    if (outcome.interrupted || interrupted !== null) throw new ExitError("interrupted", interrupted ?? 130);
    return outcome.result === "fail" || outcome.notRecorded ? 1 : 0;
  } finally {
    // Whatever happened, what was queued goes to the background flusher.
    await emitter.settle();
  }
}
