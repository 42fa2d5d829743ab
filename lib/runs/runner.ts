// Runner: one scenario execution — `make -C <dir> <target>` with the propagated environment,
// classified (classify.ts), recorded as an anonymous manifest (artifacts/records.ts) and reported as
// infra.command.started/completed events (emitter.ts). Shared by run-scenario and run-matrix.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  ciBlock,
  type Manifest,
  ManifestSchema,
  manifestRelativePath,
  type ProductiveK3s,
  resolveProductiveK3s,
  telemetryBlock,
  writeArtifact,
} from "../artifacts/records.ts";
import { recordName } from "../privacy/names.ts";
import { sanitize } from "../privacy/sanitize.ts";
import type { Consent } from "../telemetry/consent.ts";
import type { Correlation } from "../telemetry/correlation.ts";
import type { Emitter } from "../telemetry/emitter.ts";
import type { TestLevel } from "../telemetry/event.ts";
import { childEnv, propagatedSet } from "../telemetry/propagation.ts";
import type { Settings } from "../telemetry/settings.ts";
import type { CiInfo } from "./ci.ts";
import { classify, type ScenarioResult } from "./classify.ts";
import { type ScenarioDefinition, scenarioMetadata } from "./scenario.ts";
import { RUNNER_COMMAND_VAR, runnerShellCommand } from "./self.ts";

export interface ScenarioSpec {
  /** The name as given; recorded only through sanitizeName. */
  name: string;
  level: TestLevel;
  /** Absolute scenario directory, or null when it could not be resolved. */
  dir: string | null;
  definition: ScenarioDefinition | null;
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
  env: Record<string, string | undefined>;
  /** The command reported in events: run-scenario (also under a matrix). */
  command: string;
  /**
   * This scenario's completion is the last thing its command does (pk3s-run-scenario): its
   * completed event is only queued. Under a matrix, the scenarios after it give an inline
   * delivery time to finish.
   */
  endsCommand: boolean;
}

export interface RunIo {
  /** Live level: stream output as it happens (and keep the terminal's process group). */
  stream: boolean;
  signal?: AbortSignal;
}

export interface ScenarioOutcome {
  name: string;
  target: string;
  result: ScenarioResult;
  interrupted: boolean;
  runId: string;
  durationSeconds: number;
  skipReason?: string;
  failReason?: string;
  manifestPath: string;
  productiveK3s: ProductiveK3s;
  /** Captured output (static/contract), shown to the operator on failure; never recorded. */
  output: string;
}

const EVENT_RESULT = { pass: "success", skip: "skipped", fail: "failed" } as const;
const KILL_GRACE_MS = 2_000;

interface MakeRun {
  exitCode: number | null;
  output: string;
  interrupted: boolean;
}

/** After make has exited, how long its output may still arrive before we stop reading. */
const PIPE_GRACE_MS = 200;

/** Read a stream to its end, or until `stop()` (a recipe's background child may hold it open). */
function collect(
  stream: ReadableStream<Uint8Array>,
  chunks: string[],
  echo: ((text: string) => void) | null,
): { done: Promise<void>; stop: () => void } {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    for (;;) {
      const { value, done: end } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (end || !value) return;
      const text = decoder.decode(value, { stream: true });
      chunks.push(text);
      echo?.(text);
    }
  })();
  return { done, stop: () => void reader.cancel().catch(() => {}) };
}

/** parent pid → child pids: from /proc on Linux (no extra tool needed), else one `ps` listing. */
function processTree(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  const add = (child: number, parent: number) => {
    if (child > 0 && Number.isInteger(parent)) children.set(parent, [...(children.get(parent) ?? []), child]);
  };
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    // not Linux
  }
  if (entries.length > 0) {
    for (const entry of entries) {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        // "pid (comm) state ppid ...": comm may contain spaces, so read after the last ")"
        add(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        // exited meanwhile
      }
    }
    return children;
  }
  const ps = Bun.spawnSync(["ps", "-A", "-o", "pid=,ppid="], { stdout: "pipe", stderr: "ignore" });
  if (ps.exitCode !== 0) return children;
  for (const line of ps.stdout.toString().split("\n")) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (child && parent !== undefined) add(child, parent);
  }
  return children;
}

/** Pids of every process below `pid`. */
function descendants(pid: number): number[] {
  const children = processTree();
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

async function runMake(
  spec: ScenarioSpec,
  dir: string,
  env: Record<string, string>,
  io: RunIo,
): Promise<MakeRun> {
  if (io.signal?.aborted) return { exitCode: null, output: "", interrupted: true };
  const proc = Bun.spawn(["make", "--no-print-directory", "-C", dir, spec.target, ...spec.makeArgs], {
    env,
    stdin: io.stream ? "inherit" : "ignore",
    stdout: "pipe",
    stderr: "pipe",
    // Captured levels get their own process group so an interrupt can stop the whole tree.
    detached: !io.stream,
  });
  let interrupted = false;
  const stop = () => {
    interrupted = true;
    // A streamed (live) make shares our process group, and make does not pass a signal on to
    // its recipe: signal every process under it, or a recipe's children would keep running
    // (and keep the output pipe open) after make has gone.
    const targets = io.stream ? [proc.pid, ...descendants(proc.pid)] : [-proc.pid];
    const signal = (name: NodeJS.Signals) => {
      for (const target of targets) {
        try {
          process.kill(target, name);
        } catch {
          // already gone
        }
      }
    };
    signal("SIGTERM");
    setTimeout(() => signal("SIGKILL"), KILL_GRACE_MS).unref();
  };
  io.signal?.addEventListener("abort", stop, { once: true });
  const chunks: string[] = [];
  const readers = [
    collect(proc.stdout, chunks, io.stream ? (t) => process.stdout.write(t) : null),
    collect(proc.stderr, chunks, io.stream ? (t) => process.stderr.write(t) : null),
  ];
  const exitCode = await proc.exited;
  io.signal?.removeEventListener("abort", stop);
  // make has gone; a daemon a recipe started may keep the pipes open forever: read what is
  // there, then stop (and, for captured levels, end what is left of the scenario's group).
  const drained = Promise.all(readers.map((r) => r.done));
  const grace = Bun.sleep(PIPE_GRACE_MS).then(() => "late" as const);
  if ((await Promise.race([drained, grace])) === "late") {
    for (const reader of readers) reader.stop();
    if (!io.stream) {
      try {
        process.kill(-proc.pid, "SIGTERM");
      } catch {
        // nothing left
      }
    }
  }
  return { exitCode, output: chunks.join(""), interrupted };
}

/** Where the scenario's bootstrap left cluster.json (GENERATED_DIR, default <dir>/generated). */
function clusterJsonPath(dir: string, env: Record<string, string | undefined>): string {
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

  let run: MakeRun = { exitCode: null, output: "", interrupted: false };
  if (spec.dir) {
    const env = childEnv(ctx.env, propagatedSet(ctx.settings, ctx.consent, ctx.correlation));
    env[RUNNER_COMMAND_VAR] = runnerShellCommand(); // the bundled scenarios' checks (self.ts)
    run = await runMake(spec, spec.dir, env, io);
  }
  const finished = new Date();
  const durationSeconds = Math.max(0, (finished.getTime() - started.getTime()) / 1000);

  let result: ScenarioResult;
  let skipReason: string | undefined;
  let failReason: string | undefined;
  if (!spec.dir) {
    result = "fail";
    failReason = sanitize(spec.problem ?? "scenario could not be resolved");
  } else if (run.interrupted) {
    result = "fail";
    failReason = "interrupted";
  } else {
    const classified = classify(run.exitCode, run.output, spec.name, spec.target);
    result = classified.result;
    if (result === "skip") skipReason = sanitize(classified.skipReason ?? "skipped");
    if (result === "fail") failReason = `make exited with code ${run.exitCode}`;
  }

  const metadata = scenarioMetadata(spec.definition, spec.level);
  const manifest: Manifest = {
    schema_version: "1",
    repository: "productive-k3s-infra",
    run_id: ctx.correlation.runId,
    parent_run_id: ctx.correlation.parentRunId,
    session_id: ctx.correlation.sessionId,
    scenario: name,
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
      node_count_expected: metadata.installation.node_count_expected,
      bootstrap_modes_used: metadata.installation.bootstrap_modes_used.map((m) => sanitize(m)),
    },
    features: Object.fromEntries(Object.entries(metadata.features).map(([k, on]) => [recordName(k), on])),
    phases: [{ name: recordName(spec.target), result, duration_seconds: Number(durationSeconds.toFixed(3)) }],
    ci: ciBlock(ctx.ci),
    telemetry: telemetryBlock(ctx.settings, ctx.consent.enabled),
  };
  const relative = manifestRelativePath(ctx.correlation.runId);
  // Everything reported from here on comes from the guarded manifest.
  const written = writeArtifact(ManifestSchema, manifest, ctx.artifactsDir, relative, ctx.env).value;

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
    interrupted: run.interrupted,
    runId: ctx.correlation.runId,
    durationSeconds: written.duration_seconds,
    ...(written.skip_reason !== undefined ? { skipReason: written.skip_reason } : {}),
    ...(written.fail_reason !== undefined ? { failReason: written.fail_reason } : {}),
    manifestPath: relative,
    productiveK3s: written.productive_k3s,
    output: run.output,
  };
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
