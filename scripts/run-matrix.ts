#!/usr/bin/env bun
// pk3s-run-matrix: run many scenarios at one level as one execution — one manifest each, one
// root summary, telemetry consent resolved once for the whole chain.
import { relative } from "node:path";
import { isArtifactCommand, runArtifactCommand } from "../lib/artifacts/commands.ts";
import { prepareArtifactsDir } from "../lib/artifacts/records.ts";
import { summaryText } from "../lib/artifacts/reports.ts";
import { runScenarioCheckIfAsked } from "../lib/checks/commands.ts";
import {
  ExitError,
  intOption,
  parseCli,
  parseLevel,
  runMain,
  UsageError,
  unexpectedArgument,
} from "../lib/cli/args.ts";
import { readSettings, resolveExecutionConsent, startExecution } from "../lib/cli/context.ts";
import { type Logger, printErr, printOut } from "../lib/cli/log.ts";
import { statusLine } from "../lib/cli/progress.ts";
import { terminalOperator } from "../lib/cli/prompt.ts";
import { publishReports } from "../lib/cli/publish.ts";
import { selectShard } from "../lib/cli/shard-options.ts";
import { isInteractive } from "../lib/cli/terminal.ts";
import { detectCi } from "../lib/runs/ci.ts";
import { runMatrix } from "../lib/runs/matrix.ts";
import {
  makeMissing,
  resultLine,
  type ScenarioOutcome,
  type ScenarioSpec,
  watchInterrupts,
} from "../lib/runs/runner.ts";
import {
  bundledDirFor,
  resolveScenario,
  ScenarioError,
  scenarioSource,
  scenarioTarget,
} from "../lib/runs/scenario.ts";
import { Emitter } from "../lib/telemetry/emitter.ts";
import type { TestLevel } from "../lib/telemetry/event.ts";
import { runBackgroundFlushIfAsked } from "../lib/telemetry/handoff.ts";

const USAGE = `Usage: pk3s-run-matrix <level> <scenario...> [--jobs N] [--parallel-live] [--scenarios-dir DIR]
                       [--junit FILE] [--telemetry enable|disable]
                       [--shard I/N [--durations FILE[,FILE...]]]
       pk3s-run-matrix merge <summary.json...> [--out DIR] [--allow-partial] [--junit FILE]
       pk3s-run-matrix consent [--telemetry enable|disable]
       pk3s-run-matrix status [--all] [--since TIME]
       pk3s-run-matrix clean [SCENARIO]
       pk3s-run-matrix telemetry status [--json] | enable | disable | reset

  Runs scenario-test-<level> of every scenario (static, contract or live), writes one manifest per
  scenario, $TEST_ARTIFACTS_DIR/infra-runs/<UTC stamp>-<level>-<short id>-<scenario>.json, and one
  $TEST_ARTIFACTS_DIR/<UTC stamp>-<level>-<short id>-summary.json.
  --jobs N         run N static/contract scenarios at a time (live stays sequential unless
                   --parallel-live is given)
  --junit FILE     also write JUnit XML
  With GITHUB_STEP_SUMMARY set, a Markdown table of results is appended to it.
  --shard I/N      run only shard I of N of this logical matrix (the same split on every runner;
                   recorded in the summary with the logical matrix's id)
  --durations FILE[,FILE...]  balance the shards by the durations these summaries recorded
  'merge' combines the shards' summaries into one root summary in --out DIR (default
  $TEST_ARTIFACTS_DIR) with their manifests copied alongside; it refuses different levels or
  logical matrices, overlapping scenarios and a missing shard (--allow-partial merges what is
  there and records what is missing). docs/sharding.md.
  'consent' resolves consent once for a chain of runs (asking on stderr at a terminal) and prints
  true or false: export TELEMETRY_ENABLED="$(pk3s-run-matrix consent)".
  'status' prints one [OK]/[SKIP]/[FAIL] line per result (the latest per scenario and level; --all
  for every one) and a Summary line; exit 1 on a failure or when there are no artifacts.
  'clean' removes every artifact the tools wrote, or only SCENARIO's manifests. Both honour
  TEST_SCENARIO.
  'telemetry status' says whether telemetry is on and which rule decided, where events go and
  what is queued; 'telemetry enable|disable' remembers an answer for runs at a terminal (CI
  stays off), 'telemetry reset' forgets it.
  Exit 0 when nothing failed; 1 when a scenario failed, make is missing, or an artifact could not
  be written; 2 on usage errors; 130 after SIGINT (Ctrl-C), 143 after SIGTERM (the summary is
  written first either way).
`;

const OPTIONS = {
  jobs: { type: "string", short: "j" },
  "parallel-live": { type: "boolean" },
  "scenarios-dir": { type: "string" },
  junit: { type: "string" },
  shard: { type: "string" },
  durations: { type: "string" },
} as const;

/** Resolve each name; an unknown or broken scenario becomes a recorded failure, not an abort. */
function specsFor(level: TestLevel, names: string[], scenariosDir: string | undefined): ScenarioSpec[] {
  const bundledDir = bundledDirFor({ scenariosDir, env: process.env });
  return names.map((name) => {
    const target = scenarioTarget(level);
    try {
      const resolved = resolveScenario(name, { scenariosDir, env: process.env, bundledDir });
      const { dir, definition, source } = resolved;
      return { name, level, dir, definition, source, target, makeArgs: [] };
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      const source = scenarioSource({ scenariosDir, env: process.env, bundledDir }).kind;
      return {
        name,
        level,
        dir: null,
        definition: null,
        source,
        target,
        makeArgs: [],
        problem: error.recordable,
      };
    }
  });
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

async function main(argv: string[], log: Logger): Promise<number> {
  await runBackgroundFlushIfAsked(argv);
  await runScenarioCheckIfAsked(argv);
  if (argv[0] === "merge")
    return (await import("../lib/cli/merge-command.ts")).mergeCommand(argv.slice(1), log);
  if (isArtifactCommand(argv)) return runArtifactCommand(argv, log);
  if (argv[0] === "telemetry") {
    const { telemetryCommand } = await import("../lib/cli/telemetry-command.ts");
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
  const { names, shard } = await selectShard(level, unique, values, process.env);
  const jobsAsked = intOption("jobs", values.jobs, 1, 64) ?? 1;
  const jobs = level === "live" && !values["parallel-live"] ? 1 : jobsAsked;

  const ctx = await startExecution({
    flag: values.telemetry,
    operator: (settings) => terminalOperator(settings, log),
    log,
  });
  const emitter = new Emitter(ctx.settings, ctx.consent, ctx.correlation, { dryRun: false, log });
  let specs = specsFor(level, names, values["scenarios-dir"]);
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

if (import.meta.main) await runMain("pk3s-run-matrix", USAGE, main);
