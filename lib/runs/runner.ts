// Runner: one scenario execution — `make -C <dir> <target>` with the propagated environment, in a
// process group of its own that an interrupt stops as a whole (README › Behaviour of a run); its
// output handled by output.ts, classified (classify.ts), recorded as an anonymous manifest
// (artifacts/records.ts) and reported as infra.command.started/completed events (emitter.ts).
// Shared by run-scenario and run-matrix.
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { manifestRelativePath } from "../artifacts/names.ts";
import {
  ArtifactError,
  ciBlock,
  type Manifest,
  ManifestSchema,
  type ProductiveK3s,
  phaseKey,
  resolveProductiveK3s,
  type ScenarioSourceKind,
  telemetryBlock,
  writeArtifact,
} from "../artifacts/records.ts";
import { recordName } from "../privacy/names.ts";
import { sanitize, sanitizeText } from "../privacy/sanitize.ts";
import type { Consent } from "../telemetry/consent.ts";
import type { Correlation } from "../telemetry/correlation.ts";
import type { Emitter } from "../telemetry/emitter.ts";
import type { TestLevel } from "../telemetry/event.ts";
import { childEnv, propagatedSet } from "../telemetry/propagation.ts";
import type { Settings } from "../telemetry/settings.ts";
import type { Env } from "../util/env.ts";
import { errorCode, isCode } from "../util/fs.ts";
import type { CiInfo } from "./ci.ts";
import { classify, failReason as describeFailure, type ScenarioResult } from "./classify.ts";
import { type Echo, ScenarioOutput, type StreamName } from "./output.ts";
import { type ScenarioDefinition, scenarioMetadata } from "./scenario.ts";
import { RUNNER_COMMAND_VAR, runnerShellCommand } from "./self.ts";

export interface ScenarioSpec {
  /** The name as given; recorded only through sanitizeName. */
  name: string;
  level: TestLevel;
  /** Absolute scenario directory, or null when it could not be resolved. */
  dir: string | null;
  definition: ScenarioDefinition | null;
  /** The kind of source the scenario came from (recorded; its path never is). */
  source: ScenarioSourceKind;
  target: string;
  makeArgs: string[];
  /** Why the scenario could not be resolved (unknown name, broken definition). */
  problem?: string;
}

export interface RunnerContext {
  settings: Settings;
  consent: Consent;
  /** This scenario execution's own ids (its parent is the caller: CLI or matrix). */
  correlation: Correlation;
  emitter: Emitter;
  ci: CiInfo;
  artifactsDir: string;
  env: Env;
  /** The command reported in events: run-scenario (also under a matrix). */
  command: string;
  /**
   * This scenario's completion is the last thing its command does (pk3s-run-scenario): its
   * completed event is only queued. Under a matrix, the scenarios after it give an inline
   * delivery time to finish.
   */
  endsCommand: boolean;
  /** Manifest file name layout: a matrix's (`…-<short id>-<scenario>.json`) or a direct run's. */
  manifestLayout?: "matrix" | "direct";
}

export interface RunIo {
  /** Live level: stream output line by line as it happens. */
  stream: boolean;
  signal?: AbortSignal;
  /** Where streamed lines go (default: our stdout/stderr). */
  echo?: Echo;
}

export interface ScenarioOutcome {
  name: string;
  target: string;
  result: ScenarioResult;
  interrupted: boolean;
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  skipReason?: string;
  failReason?: string;
  manifestPath: string | null;
  productiveK3s: ProductiveK3s;
  /** The kept tail of the output (with a note of what was cut), shown on failure; never recorded. */
  output: string;
  /** Why the manifest was not written (a full disk); manifestPath is then null. */
  notRecorded?: string;
}

const EVENT_RESULT = { pass: "success", skip: "skipped", fail: "failed" } as const;
/** After SIGTERM to a scenario's process group, how long before SIGKILL. */
export const KILL_GRACE_MS = 2_000;
/** After make has exited, how long its output may still arrive before we stop reading. */
const PIPE_GRACE_MS = 200;

interface MakeRun {
  exitCode: number | null;
  output: ScenarioOutput;
  interrupted: boolean;
  /** make could not be started at all (not on PATH, not executable). */
  startProblem?: string;
}

/**
 * Why no scenario can run here, or null: make is the one tool the runner needs. Checked before
 * anything runs, so the operator gets one message instead of a failure per scenario.
 */
export function makeMissing(env: Env): string | null {
  return Bun.which("make", { PATH: env.PATH ?? "" })
    ? null
    : "make not found on PATH: no scenario can run (install GNU make)";
}

/** Is any process of group `pgid` still there (zombies included)? */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return isCode(error, "EPERM");
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

/** Wait (polling) until group `pgid` is empty; false when `ms` passed first. */
async function groupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (groupAlive(pgid)) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(20);
  }
  return true;
}

/**
 * Stop a scenario's whole process group: SIGTERM, a short grace, then SIGKILL. The recipe's
 * background processes are in the group too (make does not pass signals on to them).
 */
export async function stopGroup(pgid: number): Promise<void> {
  signalGroup(pgid, "SIGTERM");
  if (await groupGone(pgid, KILL_GRACE_MS)) return;
  signalGroup(pgid, "SIGKILL");
  await groupGone(pgid, KILL_GRACE_MS);
}

/** Read a stream into `output` to its end, or until `stop()` (a background child may hold it open). */
function collect(
  stream: ReadableStream<Uint8Array>,
  name: StreamName,
  output: ScenarioOutput,
): { done: Promise<void>; stop: () => void } {
  const reader = stream.getReader();
  const done = (async () => {
    for (;;) {
      const { value, done: end } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (end || !value) break;
      output.feed(name, value);
    }
    output.end(name);
  })();
  return { done, stop: () => void reader.cancel().catch(() => {}) };
}

function streamTo(text: string, stream: StreamName): void {
  (stream === "stdout" ? process.stdout : process.stderr).write(text);
}

async function runMake(
  spec: ScenarioSpec,
  dir: string,
  env: Record<string, string>,
  io: RunIo,
): Promise<MakeRun> {
  const output = new ScenarioOutput(io.stream ? (io.echo ?? streamTo) : null);
  if (io.signal?.aborted) return { exitCode: null, output, interrupted: true };
  let proc: Subprocess<"inherit" | "ignore", "pipe", "pipe">;
  try {
    // detached: make starts a new session, so it and everything its recipes start form one
    // process group of their own, which an interrupt stops as a whole. Ctrl-C at the terminal
    // reaches only us; we stop the group. A live scenario still reads the terminal's input.
    proc = Bun.spawn(["make", "--no-print-directory", "-C", dir, spec.target, ...spec.makeArgs], {
      env,
      stdin: io.stream ? "inherit" : "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: true,
    });
  } catch (error) {
    const code = errorCode(error);
    return {
      exitCode: null,
      output,
      interrupted: false,
      startProblem: `make could not be started (${code ?? (error as Error).message})`,
    };
  }
  const pgid = proc.pid;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= stopGroup(pgid);
  };
  io.signal?.addEventListener("abort", stop, { once: true });
  const readers = [collect(proc.stdout, "stdout", output), collect(proc.stderr, "stderr", output)];
  const exitCode = await proc.exited;
  io.signal?.removeEventListener("abort", stop);
  const interrupted = stopping !== null || io.signal?.aborted === true;
  if (interrupted) stop();
  // make has gone; a daemon a recipe started may keep the pipes open forever: read what is
  // there, then stop reading and end what is left of the scenario's group.
  const drained = Promise.all(readers.map((r) => r.done));
  const grace = Bun.sleep(PIPE_GRACE_MS).then(() => "late" as const);
  if ((await Promise.race([drained, grace])) === "late") {
    for (const reader of readers) reader.stop();
    stop();
    await drained;
  }
  await stopping;
  return { exitCode, output, interrupted };
}

/** Where the scenario's bootstrap left cluster.json (GENERATED_DIR, default <dir>/generated). */
function clusterJsonPath(dir: string, env: Env): string {
  const generated = env.GENERATED_DIR?.trim();
  return join(generated ? resolve(dir, generated) : join(dir, "generated"), "cluster.json");
}

export async function runScenario(
  spec: ScenarioSpec,
  ctx: RunnerContext,
  io: RunIo,
): Promise<ScenarioOutcome> {
  const name = recordName(spec.name);
  const started = new Date();
  const eventBase = { command: ctx.command, scenario: name, level: spec.level };
  await ctx.emitter.emit({ ...eventBase, name: "infra.command.started", result: "started" }, ctx.correlation);

  let run: MakeRun | null = null;
  if (spec.dir && !spec.problem) {
    const env = childEnv(ctx.env, propagatedSet(ctx.settings, ctx.consent, ctx.correlation));
    env[RUNNER_COMMAND_VAR] = runnerShellCommand(); // the bundled scenarios' checks (self.ts)
    run = await runMake(spec, spec.dir, env, io);
  }
  const finished = new Date();
  const durationSeconds = Math.max(0, (finished.getTime() - started.getTime()) / 1000);

  let result: ScenarioResult;
  let skipReason: string | undefined;
  let failReason: string | undefined;
  if (!run) {
    result = "fail";
    failReason = sanitizeText(spec.problem ?? "scenario could not be resolved");
  } else if (run.interrupted) {
    result = "fail";
    failReason = "interrupted";
  } else if (run.startProblem) {
    result = "fail";
    failReason = sanitizeText(run.startProblem);
  } else {
    const seen = run.output.classificationText();
    const classified = classify(run.exitCode, seen, spec.name, spec.target);
    result = classified.result;
    if (result === "skip") skipReason = sanitizeText(classified.skipReason ?? "skipped");
    if (result === "fail") failReason = sanitizeText(describeFailure(run.exitCode, seen));
  }
  if (run && !run.interrupted) run.output.release(result === "skip");

  const metadata = scenarioMetadata(spec.definition, spec.level);
  const manifest: Manifest = {
    schema_version: "1",
    repository: "productive-k3s-infra",
    run_id: ctx.correlation.runId,
    parent_run_id: ctx.correlation.parentRunId,
    session_id: ctx.correlation.sessionId,
    scenario: name,
    scenario_source: spec.source,
    execution_kind: ctx.ci.execution_kind,
    test_level: spec.level,
    result,
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_seconds: Number(durationSeconds.toFixed(3)),
    ...(skipReason !== undefined ? { skip_reason: skipReason } : {}),
    ...(failReason !== undefined ? { fail_reason: failReason } : {}),
    productive_k3s: resolveProductiveK3s(
      spec.dir ? clusterJsonPath(spec.dir, ctx.env) : null,
      ctx.env,
      started.getTime(),
    ),
    installation: {
      environment: sanitize(metadata.installation.environment),
      topology: sanitize(metadata.installation.topology),
      node_count_expected: String(metadata.installation.node_count_expected),
      bootstrap_modes_used: metadata.installation.bootstrap_modes_used.map((m) => sanitize(m)),
    },
    features: Object.fromEntries(Object.entries(metadata.features).map(([k, on]) => [recordName(k), on])),
    phases: {
      [phaseKey(spec.level)]: {
        status: result,
        duration_seconds: Number(durationSeconds.toFixed(3)),
        target: recordName(spec.target),
      },
    },
    ci: ciBlock(ctx.ci),
    telemetry: telemetryBlock(ctx.settings, ctx.consent.enabled, ctx.env),
  };
  const relative = manifestRelativePath({
    startedAt: started,
    level: spec.level,
    runId: ctx.correlation.runId,
    scenario: name,
    layout: ctx.manifestLayout ?? "direct",
  });
  // Everything reported from here on comes from the guarded manifest.
  const recorded = recordManifest(manifest, ctx, relative);
  const written = recorded.value;
  result = written.result;

  await ctx.emitter.emit(
    {
      ...eventBase,
      name: "infra.command.completed",
      result: EVENT_RESULT[result],
      durationMs: durationSeconds * 1000,
    },
    ctx.correlation,
    { final: ctx.endsCommand },
  );
  return {
    name: written.scenario,
    target: spec.target,
    result,
    interrupted: run?.interrupted ?? false,
    runId: ctx.correlation.runId,
    startedAt: written.started_at,
    finishedAt: written.finished_at,
    durationSeconds: written.duration_seconds,
    ...(written.skip_reason !== undefined ? { skipReason: written.skip_reason } : {}),
    ...(written.fail_reason !== undefined ? { failReason: written.fail_reason } : {}),
    manifestPath: recorded.problem === undefined ? relative : null,
    ...(recorded.problem !== undefined ? { notRecorded: recorded.problem } : {}),
    productiveK3s: written.productive_k3s,
    output: run?.output.shown() ?? "",
  };
}

/**
 * Write the manifest. One that does not fit the schema is recorded as failed with the reason
 * (free text reset to "unknown"), never dropped; one that cannot be written (a full disk) is
 * reported back as not recorded, with the guarded value for the printed line and the summary.
 */
function recordManifest(
  manifest: Manifest,
  ctx: RunnerContext,
  relative: string,
): { value: Manifest; problem?: string } {
  const write = (value: Manifest) =>
    writeArtifact(ManifestSchema, value, ctx.artifactsDir, relative, ctx.env).value;
  const notWritten = (error: unknown): { value: Manifest; problem: string } => {
    if (!(error instanceof ArtifactError) || error.kind !== "write") throw error;
    return { value: error.value as Manifest, problem: error.message };
  };
  try {
    return { value: write(manifest) };
  } catch (error) {
    if (!(error instanceof ArtifactError) || error.kind !== "invalid") return notWritten(error);
    const { skip_reason: _skip, ...rest } = manifest;
    const unknown = scenarioMetadata(null, manifest.test_level); // installation and features: unknown
    const fallback: Manifest = {
      ...rest,
      result: "fail",
      fail_reason: `manifest did not validate (${error.fields.join(", ").slice(0, 200)}): recorded as failed`,
      productive_k3s: resolveProductiveK3s(null, {}),
      installation: {
        ...unknown.installation,
        node_count_expected: String(unknown.installation.node_count_expected),
      },
      features: unknown.features,
      phases: Object.fromEntries(
        Object.entries(manifest.phases).map(([key, phase]) => [key, { ...phase, status: "fail" as const }]),
      ),
    };
    try {
      return { value: write(fallback) };
    } catch (second) {
      return notWritten(second);
    }
  }
}

/** The reference's result line: `[PASS] <scenario> <target>`, then `: <reason>` on skip/fail. */
export function resultLine(
  outcome: Pick<ScenarioOutcome, "name" | "target" | "result" | "skipReason" | "failReason">,
): string {
  const tag = `[${outcome.result.toUpperCase()}]`;
  const why =
    outcome.result === "skip"
      ? outcome.skipReason
      : outcome.result === "fail"
        ? outcome.failReason
        : undefined;
  return `${tag} ${outcome.name} ${outcome.target}${why ? `: ${why}` : ""}`;
}

/** The exit status after an interrupt: 128 + the signal's number, as a shell reports it. */
const INTERRUPT_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * SIGINT and SIGTERM abort the returned signal (the runner then stops every scenario's process
 * group and records what finished); `exitCode` is 130 or 143 after one arrived, else null.
 */
export function watchInterrupts(): {
  signal: AbortSignal;
  exitCode: () => number | null;
  dispose: () => void;
} {
  const abort = new AbortController();
  let received: keyof typeof INTERRUPT_EXIT | null = null;
  const handlers = (Object.keys(INTERRUPT_EXIT) as (keyof typeof INTERRUPT_EXIT)[]).map((name) => {
    const handler = () => {
      received ??= name;
      abort.abort(name);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: abort.signal,
    exitCode: () => (received === null ? null : INTERRUPT_EXIT[received]),
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
