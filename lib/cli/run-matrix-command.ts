// The pk3s-run-matrix command itself (the script scripts/run-matrix.ts loads it only when it runs, so
// --version and --help answer without evaluating the runner, the prompt library and the
// scenario lookup).
import { relative } from "node:path";
import { isArtifactCommand, runArtifactCommand } from "../artifacts/commands.ts";
import { prepareArtifactsDir } from "../artifacts/records.ts";
import { summaryText } from "../artifacts/reports.ts";
import { runScenarioCheckIfAsked } from "../checks/commands.ts";
import { detectCi } from "../runs/ci.ts";
import { runMatrix } from "../runs/matrix.ts";
import {
  makeMissing,
  resultLine,
  type ScenarioOutcome,
  type ScenarioSpec,
  watchInterrupts,
} from "../runs/runner.ts";
import {
  bundledLookup,
  resolveScenario,
  ScenarioError,
  scenarioSource,
  scenarioTarget,
} from "../runs/scenario.ts";
import { Emitter } from "../telemetry/emitter.ts";
import type { TestLevel } from "../telemetry/event.ts";
import { runBackgroundFlushIfAsked } from "../telemetry/handoff.ts";
import { ExitError, intOption, parseCli, parseLevel, UsageError, unexpectedArgument } from "./args.ts";
import { readSettings, resolveExecutionConsent, startExecution } from "./context.ts";
import { type Logger, printErr, printOut } from "./log.ts";
import { statusLine } from "./progress.ts";
import { terminalOperator } from "./prompt.ts";
import { publishReports } from "./publish.ts";
import { selectShard } from "./shard-options.ts";
import { isInteractive } from "./terminal.ts";

const OPTIONS = {
  jobs: { type: "string", short: "j" },
  "parallel-live": { type: "boolean" },
  "scenarios-dir": { type: "string" },
  junit: { type: "string" },
  shard: { type: "string" },
  durations: { type: "string" },
} as const;

/**
 * Resolve each name; an unknown or broken scenario becomes a recorded failure, not an abort, and
 * so does every scenario when the bundled ones are the source and cannot be unpacked (`problem`,
 * said once by the caller).
 */
function specsFor(
  level: TestLevel,
  names: string[],
  scenariosDir: string | undefined,
): { specs: ScenarioSpec[]; problem: string | null } {
  const lookup = bundledLookup({ scenariosDir, env: process.env });
  const { bundledDir } = lookup;
  const target = scenarioTarget(level);
  const failed = (name: string, problem: string): ScenarioSpec => ({
    name,
    level,
    dir: null,
    definition: null,
    source: scenarioSource({ scenariosDir, env: process.env, bundledDir }).kind,
    target,
    makeArgs: [],
    problem,
  });
  if (lookup.problem !== null) {
    return { specs: names.map((name) => failed(name, lookup.problem)), problem: lookup.problem };
  }
  const specs = names.map((name) => {
    try {
      const resolved = resolveScenario(name, { scenariosDir, env: process.env, bundledDir });
      const { dir, definition, source } = resolved;
      return { name, level, dir, definition, source, target, makeArgs: [] };
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      return failed(name, error.recordable);
    }
  });
  return { specs, problem: null };
}

/** Progress: one status line at a terminal, nothing elsewhere (CI, pipes). */
function progress(total: number, level: TestLevel, interactive: boolean) {
  const running = new Set<string>();
  let done = 0;
  const line = interactive ? statusLine((text) => process.stderr.write(text)) : null;
  const message = () =>
    `${level}: ${done}/${total} done${running.size ? ` — running ${[...running].join(", ")}` : ""}`;
  line?.set(message());
  return {
    start(spec: ScenarioSpec) {
      running.add(spec.name);
      line?.set(message());
    },
    done(outcome: ScenarioOutcome, print: () => void) {
      running.delete(outcome.name);
      done++;
      if (line) line.around(print, done < total ? message() : null);
      else print();
    },
    stop() {
      line?.stop();
    },
  };
}

export async function main(argv: string[], log: Logger): Promise<number> {
  await runBackgroundFlushIfAsked(argv);
  await runScenarioCheckIfAsked(argv);
  if (argv[0] === "merge") return (await import("./merge-command.ts")).mergeCommand(argv.slice(1), log);
  if (isArtifactCommand(argv)) return runArtifactCommand(argv, log);
  if (argv[0] === "telemetry") {
    const { telemetryCommand } = await import("./telemetry-command.ts");
    return telemetryCommand(argv.slice(1), log);
  }
  const { values, positionals } = parseCli(argv, OPTIONS);
  const [levelRaw, ...rawNames] = positionals;
  if (levelRaw === "consent") {
    // One question for a chain of matrices (make test-matrix-all): drawn on stderr, the answer
    // printed as true/false for the caller to export as TELEMETRY_ENABLED.
    if (rawNames[0] !== undefined) throw unexpectedArgument(rawNames[0]);
    const settings = readSettings(log);
    const chosen = await resolveExecutionConsent(values.telemetry, settings, {
      operator: terminalOperator(settings, log, process.stderr),
      log,
    });
    printOut(`${chosen.enabled}\n`);
    return 0;
  }
  const level = parseLevel(levelRaw);
  if (rawNames.length === 0) throw new UsageError("give at least one scenario");
  const unique = [...new Set(rawNames)];
  if (unique.length < rawNames.length) log.warn("duplicate scenario names given; each runs once");
  const { names, shard, sessionId } = await selectShard(level, unique, values, process.env);
  const jobsAsked = intOption("jobs", values.jobs, 1, 64) ?? 1;
  const jobs = level === "live" && !values["parallel-live"] ? 1 : jobsAsked;

  const ctx = await startExecution({
    flag: values.telemetry,
    operator: (settings) => terminalOperator(settings, log),
    log,
    sessionId,
  });
  const emitter = new Emitter(ctx.settings, ctx.consent, ctx.correlation, { dryRun: false, log });
  const looked = specsFor(level, names, values["scenarios-dir"]);
  let specs = looked.specs;
  // An unusable cache of the bundled scenarios: said once, every scenario recorded failed with it.
  if (looked.problem) log.error(looked.problem);
  const noMake = makeMissing(process.env);
  if (noMake) {
    // Said once, before anything runs; every scenario is still recorded (failed, with the reason).
    log.error(noMake);
    specs = specs.map((spec) => ({ ...spec, dir: null, problem: noMake }));
  }
  const interrupts = watchInterrupts();

  const streamed = level === "live" && jobs === 1;
  const interactive = isInteractive();
  // The status line is drawn on stderr: only when that is the terminal too.
  const show = progress(specs.length, level, interactive && !streamed && Boolean(process.stderr.isTTY));
  try {
    const result = await runMatrix(
      specs,
      { ...ctx, emitter, ci: detectCi(), artifactsDir: prepareArtifactsDir(), env: process.env },
      {
        level,
        jobs,
        ...(shard ? { shard } : {}),
        signal: interrupts.signal,
        onStart: (spec) => show.start(spec),
        onDone: (outcome) =>
          show.done(outcome, () => {
            // Streamed output (sequential live) was shown as it happened: not shown twice.
            // Captured output: only its tail is kept, already redacted.
            if (outcome.result === "fail" && outcome.output && !outcome.interrupted && !streamed) {
              printErr(`----- ${outcome.name} ${outcome.target} output -----\n${outcome.output}`);
            }
            printOut(`${resultLine(outcome)}\n`);
            if (outcome.notRecorded) {
              log.error(`not recorded: the manifest of ${outcome.name}: ${outcome.notRecorded}`);
            }
          }),
      },
    );
    show.stop();

    publishReports(result.summary, values.junit, log);
    const unrecorded = result.outcomes.filter((o) => o.notRecorded).length;
    if (result.summaryPath === null) {
      const s = result.summary;
      printOut(summaryText(s, "(not written)"));
      log.error(
        `not recorded: the summary of this ${level} matrix (run ${s.run_id}: ${s.pass.length} pass, ${s.skip.length} skip, ${s.fail.length} fail, ${s.interrupted.length} interrupted): ${result.summaryProblem}`,
      );
    } else {
      const shown = relative(process.cwd(), result.summaryPath);
      printOut(summaryText(result.summary, shown.startsWith("..") ? result.summaryPath : shown));
    }
    const interrupted = interrupts.exitCode();
    if (result.interrupted || interrupted !== null) {
      throw new ExitError("interrupted: the summary records what finished", interrupted ?? 130);
    }
    return result.summary.result === "fail" || unrecorded > 0 || result.summaryPath === null ? 1 : 0;
  } finally {
    // Whatever happened, the spinner is cleared and what was queued goes to the background flusher.
    show.stop();
    await emitter.settle();
  }
}
