// Matrix: many scenarios at one level as one Infra execution — scenario runs are children of
// the matrix run, run N at a time (live sequential unless asked), interruptible, and always
// concluded by one summary (<UTC stamp>-<level>-<short id>-summary.json), even when scenarios
// are unknown, broken or interrupted, when make is missing, or when a manifest could not be
// written.
import { summaryFileName } from "../artifacts/names.ts";
import {
  ArtifactError,
  ciBlock,
  emptyResultLists,
  type ProductiveK3s,
  resolveProductiveK3s,
  type ScenarioEntry,
  type ShardBlock,
  type Summary,
  SummarySchema,
  telemetryBlock,
  writeArtifact,
} from "../artifacts/records.ts";
import { recordName } from "../privacy/names.ts";
import { newId } from "../telemetry/correlation.ts";
import type { TestLevel } from "../telemetry/event.ts";
import { overallResult } from "./classify.ts";
import { type RunnerContext, runScenario, type ScenarioOutcome, type ScenarioSpec } from "./runner.ts";

/** What a matrix needs: a runner context minus the command (each scenario is run-scenario). */
export type MatrixContext = Omit<RunnerContext, "command" | "endsCommand">;

export interface MatrixOptions {
  level: TestLevel;
  jobs: number;
  /** This matrix is one shard of a logical matrix (shards.ts): recorded in the summary. */
  shard?: ShardBlock;
  signal: AbortSignal;
  /** Called as each scenario starts and finishes (progress display). */
  onStart?: (spec: ScenarioSpec) => void;
  onDone?: (outcome: ScenarioOutcome) => void;
}

export interface MatrixResult {
  summary: Summary;
  /** Where the summary was written, or null when it could not be (see summaryProblem). */
  summaryPath: string | null;
  summaryProblem?: string;
  outcomes: ScenarioOutcome[];
  interrupted: boolean;
}

export async function runMatrix(
  specs: ScenarioSpec[],
  ctx: MatrixContext,
  options: MatrixOptions,
): Promise<MatrixResult> {
  const started = new Date();
  const base = { command: "run-matrix", scenario: null, level: options.level };
  await ctx.emitter.emit({ ...base, name: "infra.command.started", result: "started" });

  const outcomes: (ScenarioOutcome | undefined)[] = new Array(specs.length);
  // A fatal error in one worker (e.g. an artifact that cannot be written) stops the others and
  // their make trees before it is rethrown: no scenario is left running behind us.
  const stopAll = new AbortController();
  const onAbort = () => stopAll.abort();
  options.signal.addEventListener("abort", onAbort, { once: true });
  let fatal: unknown = null;
  let next = 0;
  const worker = async () => {
    while (next < specs.length && !stopAll.signal.aborted) {
      const index = next++;
      const spec = specs[index] as ScenarioSpec;
      options.onStart?.(spec);
      const correlation = {
        sessionId: ctx.correlation.sessionId,
        runId: newId(),
        parentRunId: ctx.correlation.runId,
      };
      try {
        const outcome = await runScenario(
          spec,
          { ...ctx, correlation, command: "run-scenario", endsCommand: false, manifestLayout: "matrix" },
          { stream: options.level === "live" && options.jobs === 1, signal: stopAll.signal },
        );
        outcomes[index] = outcome;
        options.onDone?.(outcome);
      } catch (error) {
        fatal ??= error;
        stopAll.abort();
      }
    }
  };
  const workers = Math.max(1, Math.min(options.jobs, specs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  options.signal.removeEventListener("abort", onAbort);
  if (fatal !== null) throw fatal;

  const finished = new Date();
  const scenarioResults: Record<string, ScenarioEntry> = {};
  const lists = emptyResultLists();
  let productiveK3s: ProductiveK3s | null = null;
  // Different given names can sanitise to one ("../x" and "x", two host-like names): each keeps
  // its own entry, the later ones suffixed -2, -3 …, so no result overwrites another.
  const used = new Set<string>();
  const uniqueName = (name: string): string => {
    let unique = name;
    for (let n = 2; used.has(unique); n++) unique = `${name.slice(0, 60)}-${n}`;
    used.add(unique);
    return unique;
  };
  specs.forEach((spec, i) => {
    const outcome = outcomes[i];
    const name = uniqueName(outcome?.name ?? recordName(spec.name));
    if (!outcome || outcome.interrupted) {
      lists.interrupted.push(name);
      scenarioResults[name] = {
        result: "interrupted",
        run_id: outcome?.runId ?? null,
        started_at: outcome?.startedAt ?? null,
        finished_at: outcome?.finishedAt ?? null,
        duration_seconds: outcome?.durationSeconds ?? 0,
        manifest: outcome?.manifestPath ?? null,
      };
      return;
    }
    lists[outcome.result].push(name);
    scenarioResults[name] = {
      result: outcome.result,
      run_id: outcome.runId,
      started_at: outcome.startedAt,
      finished_at: outcome.finishedAt,
      duration_seconds: outcome.durationSeconds,
      ...(outcome.skipReason !== undefined ? { skip_reason: outcome.skipReason } : {}),
      ...(outcome.failReason !== undefined ? { fail_reason: outcome.failReason } : {}),
      manifest: outcome.manifestPath,
    };
    if (!productiveK3s && outcome.productiveK3s.resolved_from_cluster_json)
      productiveK3s = outcome.productiveK3s;
  });

  const interrupted = options.signal.aborted;
  const result =
    lists.interrupted.length > 0
      ? "fail"
      : overallResult(outcomes.filter((o) => o !== undefined).map((o) => o.result));
  const summary: Summary = {
    schema_version: "1",
    repository: "productive-k3s-infra",
    run_id: ctx.correlation.runId,
    parent_run_id: ctx.correlation.parentRunId,
    session_id: ctx.correlation.sessionId,
    result,
    test_level: options.level,
    execution_kind: ctx.ci.execution_kind,
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_seconds: Number(((finished.getTime() - started.getTime()) / 1000).toFixed(3)),
    productive_k3s: productiveK3s ?? resolveProductiveK3s(null, ctx.env),
    ...lists,
    scenario_results: scenarioResults,
    ci: ciBlock(ctx.ci),
    telemetry: telemetryBlock(ctx.settings, ctx.consent.enabled, ctx.env),
    ...(options.shard ? { shard: options.shard } : {}),
  };
  // A summary that cannot be written (a full disk) is reported, with its guarded value, so the
  // caller can say exactly what was not recorded; the telemetry event still goes out.
  let written: { path: string | null; value: Summary; problem?: string };
  try {
    written = writeArtifact(
      SummarySchema,
      summary,
      ctx.artifactsDir,
      summaryFileName(started, options.level, ctx.correlation.runId),
      ctx.env,
    );
  } catch (error) {
    if (!(error instanceof ArtifactError) || error.kind !== "write") throw error;
    written = { path: null, value: error.value as Summary, problem: error.message };
  }
  await ctx.emitter.emit(
    {
      ...base,
      name: "infra.command.completed",
      result: result === "pass" ? "success" : result === "skip" ? "skipped" : "failed",
      durationMs: finished.getTime() - started.getTime(),
    },
    ctx.correlation,
    { final: true }, // the matrix ends right after: queued for the background flusher
  );
  // The guarded summary: JUnit and the step summary are rendered from it.
  return {
    summary: written.value,
    summaryPath: written.path,
    ...(written.problem !== undefined ? { summaryProblem: written.problem } : {}),
    outcomes: outcomes.filter((o) => o !== undefined),
    interrupted,
  };
}
