// `make bench`: performance figures of the compiled binaries in dist/ (medians), each against a
// target and, where one makes sense, a baseline measured side by side in the same run. A missed
// target prints MISS; only a crash makes this exit non-zero.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { newId } from "../lib/telemetry/correlation.ts";
import { buildEvent } from "../lib/telemetry/event.ts";
import { BACKGROUND_FLUSH_ARG } from "../lib/telemetry/handoff.ts";
import { Outbox } from "../lib/telemetry/outbox.ts";
import { fmtMs, median, printTable, type Row, startReceiverProcess, timedOk } from "./lib.ts";

const REPO = resolve(import.meta.dir, "..");
const DIST = join(REPO, "dist");
const EMIT = join(DIST, "pk3s-emit");
const FLUSH = join(DIST, "pk3s-flush");
const MATRIX = join(DIST, "pk3s-run-matrix");
const MINIMAL_PATH = "/usr/bin:/bin";

const work = mkdtempSync(join(tmpdir(), "pk3s-bench-"));
const home = join(work, "home");
mkdirSync(home);
const rows: Row[] = [];
const say = (text: string) => process.stdout.write(`${text}\n`);

/** A minimal environment: nothing of the caller's TELEMETRY_*, CI or proxies. */
const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: MINIMAL_PATH,
  HOME: home,
  ...extra,
});

const EMIT_ARGS = [
  "infra.command.started",
  "--command",
  "run-scenario",
  "--result",
  "started",
  "--scenario",
  "multipass",
  "--level",
  "static",
];

function sampleEvent() {
  return buildEvent({
    name: "infra.command.started",
    command: "run-scenario",
    result: "started",
    scenario: "multipass",
    level: "static",
    sessionId: newId(),
    runId: newId(),
    parentRunId: null,
    script: "pk3s-run-scenario",
  });
}

/** Pids of background flushers started for `outboxDir` (our own: their environment names it). */
function flushersOf(outboxDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (!cmd.includes(BACKGROUND_FLUSH_ARG)) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (environ.includes(`TELEMETRY_OUTBOX_DIR=${outboxDir}`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

function killFlushers(outboxDir: string): number {
  const pids = flushersOf(outboxDir);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pids.length;
}

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await predicate()) return true;
    await Bun.sleep(20);
  }
  return predicate();
}

// ---- (a) emit vs one curl POST, interleaved ------------------------------------------------

async function emitVersusCurl(): Promise<void> {
  const RUNS = 25;
  const receiver = await startReceiverProcess("answer");
  const outbox = join(work, "outbox-a");
  try {
    const telemetry = env({
      TELEMETRY_ENABLED: "true",
      TELEMETRY_ENDPOINT: receiver.url,
      TELEMETRY_OUTBOX_DIR: outbox,
    });
    const curl = Bun.which("curl", { PATH: MINIMAL_PATH });
    let script: string | null = null;
    if (curl) {
      const body = join(work, "event.json");
      writeFileSync(body, JSON.stringify(sampleEvent()));
      script = join(work, "post.sh");
      writeFileSync(
        script,
        `curl -s -X POST -H 'Content-Type: application/json' -H 'X-Productive-K3S-Telemetry: pk3s-public-v1' --data @${body} ${receiver.url}\n`,
      );
    }
    // Warm-up (page cache of the 100 MB binary, the receiver's first connections).
    for (let i = 0; i < 3; i++) {
      await timedOk([EMIT, ...EMIT_ARGS], { env: telemetry });
      if (script) await timedOk(["/bin/sh", script], { env: env() });
    }
    const emitMs: number[] = [];
    const curlMs: number[] = [];
    // Each run starts once the previous emit's background flusher is gone: otherwise the curl
    // after each emit would be timed while that flusher (a whole Bun process) shares the CPU.
    const quiet = () => until(() => flushersOf(outbox).length === 0, 5_000);
    for (let i = 0; i < RUNS; i++) {
      await quiet();
      emitMs.push((await timedOk([EMIT, ...EMIT_ARGS], { env: telemetry })).ms);
      await quiet();
      if (script) curlMs.push((await timedOk(["/bin/sh", script], { env: env() })).ms);
    }
    const expected = (RUNS + 3) * (script ? 2 : 1);
    const arrived = await until(async () => (await receiver.count()) >= expected, 15_000);
    const box = new Outbox(outbox);
    const emptied = await until(() => box.pending().length === 0 && box.counts().claimed === 0, 15_000);
    if (!arrived || !emptied) {
      throw new Error(
        `emit bench: ${await receiver.count()}/${expected} requests arrived, ${box.pending().length} event(s) left in the outbox`,
      );
    }
    const emitMedian = median(emitMs);
    if (script) {
      const curlMedian = median(curlMs);
      rows.push({
        figure: "(a) pk3s-emit, endpoint answers",
        value: fmtMs(emitMedian),
        target: `<= curl (${fmtMs(curlMedian)})`,
        verdict: emitMedian <= curlMedian ? "PASS" : "MISS",
        note: `${RUNS} runs A/B interleaved, none beside a background flusher; outbox empty after`,
      });
      rows.push({
        figure: "    baseline: sh + one curl POST",
        value: fmtMs(curlMedian),
        target: "",
        verdict: "info",
      });
    } else {
      rows.push({
        figure: "(a) pk3s-emit, endpoint answers",
        value: fmtMs(emitMedian),
        target: "<= curl",
        verdict: "skip",
        note: "curl is not installed: no baseline, comparison skipped",
      });
    }
  } finally {
    killFlushers(outbox);
    await receiver.stop();
  }
}

// ---- (b) emit with an endpoint that accepts and never answers -----------------------------

async function emitHanging(): Promise<void> {
  const RUNS = 15;
  const silent = await startReceiverProcess("hang");
  const outbox = join(work, "outbox-b");
  try {
    const telemetry = env({
      TELEMETRY_ENABLED: "true",
      TELEMETRY_ENDPOINT: silent.url,
      TELEMETRY_OUTBOX_DIR: outbox,
    });
    await timedOk([EMIT, ...EMIT_ARGS], { env: telemetry }); // warm-up
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) ms.push((await timedOk([EMIT, ...EMIT_ARGS], { env: telemetry })).ms);
    const m = median(ms);
    rows.push({
      figure: "(b) pk3s-emit, endpoint hangs",
      value: fmtMs(m),
      target: "< 100 ms",
      verdict: m < 100 ? "PASS" : "MISS",
      note: `${RUNS} runs; max ${fmtMs(Math.max(...ms))}`,
    });
  } finally {
    const killed = killFlushers(outbox);
    if (killed > 0) say(`    (b) stopped ${killed} background flusher(s) of the bench outbox`);
    await silent.stop();
    rmSync(outbox, { recursive: true, force: true });
  }
}

// ---- (c) pk3s-flush throughput --------------------------------------------------------------

async function flushThroughput(): Promise<void> {
  const EVENTS = 5000;
  const receiver = await startReceiverProcess("answer");
  const outbox = join(work, "outbox-c");
  const telemetry = env({
    TELEMETRY_ENABLED: "true",
    TELEMETRY_ENDPOINT: receiver.url,
    TELEMETRY_OUTBOX_DIR: outbox,
  });
  const box = new Outbox(outbox);
  const once = async (extra: string[]): Promise<number> => {
    rmSync(outbox, { recursive: true, force: true });
    for (let i = 0; i < EVENTS; i++) await box.enqueue(sampleEvent());
    const result = await timedOk([FLUSH, ...extra], { env: telemetry, timeoutMs: 120_000 });
    if (!result.stdout.includes(`delivered=${EVENTS} `)) {
      throw new Error(`flush bench: expected ${EVENTS} delivered, got: ${result.stdout}${result.stderr}`);
    }
    return EVENTS / (result.ms / 1000);
  };
  try {
    const byDefault: number[] = [];
    const single: number[] = [];
    for (let i = 0; i < 3; i++) {
      byDefault.push(await once([]));
      single.push(await once(["--concurrency", "1"]));
    }
    const m = median(byDefault);
    rows.push({
      figure: "(c) pk3s-flush 5,000 events",
      value: `${Math.round(m)} ev/s`,
      target: ">= 2000 ev/s",
      verdict: m >= 2000 ? "PASS" : "MISS",
      note: "3 runs, default concurrency (8)",
    });
    rows.push({
      figure: "    same, --concurrency 1",
      value: `${Math.round(median(single))} ev/s`,
      target: "",
      verdict: "info",
      note: "3 runs, for context",
    });
  } finally {
    killFlushers(outbox);
    await receiver.stop();
    rmSync(outbox, { recursive: true, force: true });
  }
}

// ---- (d) start-up ---------------------------------------------------------------------------

async function startup(): Promise<void> {
  const RUNS = 30;
  const emit: number[] = [];
  const trueMs: number[] = [];
  const shMs: number[] = [];
  for (let i = 0; i < 3; i++) await timedOk([EMIT, "--version"], { env: env() });
  for (let i = 0; i < RUNS; i++) {
    emit.push((await timedOk([EMIT, "--version"], { env: env() })).ms);
    trueMs.push((await timedOk(["/bin/true"], { env: env() })).ms);
    shMs.push((await timedOk(["/bin/sh", "-c", "true"], { env: env() })).ms);
  }
  const m = median(emit);
  rows.push({
    figure: "(d) pk3s-emit --version",
    value: fmtMs(m),
    target: "< 30 ms",
    verdict: m < 30 ? "PASS" : "MISS",
    note: `${RUNS} runs, interleaved with the baselines`,
  });
  rows.push({ figure: "    baseline: /bin/true", value: fmtMs(median(trueMs)), target: "", verdict: "info" });
  rows.push({ figure: "    baseline: sh -c true", value: fmtMs(median(shMs)), target: "", verdict: "info" });
}

// ---- fixture scenarios for (e) and (f) ------------------------------------------------------

function fixtures(dir: string, count: number, recipe: string): string[] {
  mkdirSync(dir, { recursive: true });
  const names = Array.from({ length: count }, (_, i) => `bench-${String(i + 1).padStart(2, "0")}`);
  for (const name of names) {
    mkdirSync(join(dir, name));
    writeFileSync(
      join(dir, name, "Makefile"),
      `.PHONY: scenario-test-static\nscenario-test-static:\n\t@${recipe}\n`,
    );
  }
  return names;
}

// ---- (e) harness overhead per scenario ------------------------------------------------------

async function harnessOverhead(): Promise<void> {
  const COUNT = 50;
  const ROUNDS = 5;
  const dir = join(work, "scenarios-e");
  const names = fixtures(dir, COUNT, ":");
  const artifacts = join(work, "artifacts-e");
  const matrixEnv = env({ TELEMETRY_ENABLED: "false", TEST_ARTIFACTS_DIR: artifacts });
  const matrix = () => timedOk([MATRIX, "static", ...names, "--scenarios-dir", dir], { env: matrixEnv });
  const direct = async () => {
    const started = performance.now();
    for (const name of names) {
      await timedOk(["make", "--no-print-directory", "-C", join(dir, name), "scenario-test-static"], {
        env: env(),
      });
    }
    return performance.now() - started;
  };
  await matrix(); // warm-up
  await direct();
  const perScenario: number[] = [];
  const matrixMs: number[] = [];
  const directMs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const m = (await matrix()).ms;
    const d = await direct();
    matrixMs.push(m);
    directMs.push(d);
    perScenario.push((m - d) / COUNT);
  }
  const overhead = median(perScenario);
  rows.push({
    figure: "(e) matrix overhead per scenario",
    value: fmtMs(overhead),
    target: "< 15 ms",
    verdict: overhead < 15 ? "PASS" : "MISS",
    note: `${COUNT} no-op scenarios, ${ROUNDS} rounds: matrix ${fmtMs(median(matrixMs))} vs ${COUNT} direct makes ${fmtMs(median(directMs))}`,
  });
  const summaries = readdirSync(artifacts).filter((f) => f.endsWith("-summary.json"));
  if (summaries.length !== ROUNDS + 1) throw new Error(`matrix bench: ${summaries.length} summaries written`);
}

// ---- (f) --jobs 2 versus --jobs 1 -----------------------------------------------------------

async function jobsSpeedup(): Promise<void> {
  const dir = join(work, "scenarios-f");
  const names = fixtures(dir, 8, "sleep 1");
  const matrixEnv = env({ TELEMETRY_ENABLED: "false", TEST_ARTIFACTS_DIR: join(work, "artifacts-f") });
  const run = (jobs: number) =>
    timedOk([MATRIX, "static", ...names, "--scenarios-dir", dir, "--jobs", String(jobs)], { env: matrixEnv });
  const one = (await run(1)).ms;
  const two = (await run(2)).ms;
  const ratio = one / two;
  rows.push({
    figure: "(f) --jobs 2 speed-up, 8 x sleep 1",
    value: `${ratio.toFixed(2)}x`,
    target: ">= 1.8x",
    verdict: ratio >= 1.8 ? "PASS" : "MISS",
    note: `one run each: --jobs 1 ${(one / 1000).toFixed(2)} s, --jobs 2 ${(two / 1000).toFixed(2)} s`,
  });
}

// ---- main -----------------------------------------------------------------------------------

for (const bin of [EMIT, FLUSH, MATRIX]) {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run make build first`);
}
say(
  `pk3s-infra-telemetry bench — ${availableParallelism()} core(s), Bun ${Bun.version}, binaries from dist/`,
);
const sections: Array<[string, () => Promise<void>]> = [
  ["(a) emit vs curl", emitVersusCurl],
  ["(b) emit, hanging endpoint", emitHanging],
  ["(c) flush throughput", flushThroughput],
  ["(d) start-up", startup],
  ["(e) matrix harness overhead", harnessOverhead],
  ["(f) --jobs speed-up", jobsSpeedup],
];
const began = performance.now();
try {
  for (const [label, section] of sections) {
    say(`  measuring ${label} ...`);
    await section();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
printTable(`Results (${((performance.now() - began) / 1000).toFixed(0)} s)`, rows);
const missed = rows.filter((r) => r.verdict === "MISS").length;
say(`\n${missed === 0 ? "every target met" : `${missed} target(s) missed`}`);
