// Distribution figures (make bench): each binary's size, each binary's --version start-up
// (target < 30 ms), the release tarballs' sizes when `make dist` has made them, and one logical
// matrix of 12 scenarios that each sleep 1 s run as one matrix vs 3 shards started at once on
// this machine, then merged (docs/sharding.md). Medians; nothing here is asserted by a test.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fmtMs, median, printTable, type Row, timed, timedOk } from "./lib.ts";

const REPO = resolve(import.meta.dir, "..");
const DIST = join(REPO, "dist");
const BINARIES = ["pk3s-emit", "pk3s-flush", "pk3s-run-matrix", "pk3s-run-scenario"];
const MATRIX = join(DIST, "pk3s-run-matrix");
const work = mkdtempSync(join(tmpdir(), "pk3s-bench-dist-"));
const home = join(work, "home");
mkdirSync(home);
const rows: Row[] = [];
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: "/usr/bin:/bin",
  HOME: home,
  TELEMETRY_ENABLED: "false",
  TELEMETRY_OUTBOX_DIR: join(work, "outbox"),
  ...extra,
});

function sizes(): void {
  for (const name of BINARIES) {
    rows.push({
      figure: `size: ${name}`,
      value: mb(statSync(join(DIST, name)).size),
      target: "",
      verdict: "info",
    });
  }
  const release = join(DIST, "release");
  if (!existsSync(release)) return;
  for (const file of readdirSync(release)
    .filter((f) => f.endsWith(".tar.gz"))
    .sort()) {
    rows.push({
      figure: `size: ${file}`,
      value: mb(statSync(join(release, file)).size),
      target: "",
      verdict: "info",
    });
  }
}

async function startup(): Promise<void> {
  const RUNS = 20;
  const times = new Map<string, number[]>(BINARIES.map((b) => [b, []]));
  const baseline: number[] = [];
  // An empty compiled Bun program: the floor any of the binaries can reach on this machine.
  const empty = join(work, "empty");
  writeFileSync(`${empty}.ts`, 'console.log("")\n');
  await timedOk([process.execPath, "build", "--compile", `${empty}.ts`, "--outfile", empty], {
    env: { ...env(), PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  const emptyMs: number[] = [];
  for (const name of BINARIES) await timedOk([join(DIST, name), "--version"], { env: env() });
  for (let i = 0; i < RUNS; i++) {
    for (const name of BINARIES)
      times.get(name)?.push((await timedOk([join(DIST, name), "--version"], { env: env() })).ms);
    baseline.push((await timedOk(["/bin/true"], { env: env() })).ms);
    emptyMs.push((await timedOk([empty], { env: env() })).ms);
  }
  for (const name of BINARIES) {
    const m = median(times.get(name) ?? []);
    rows.push({
      figure: `start-up: ${name} --version`,
      value: fmtMs(m),
      target: "< 30 ms",
      verdict: m < 30 ? "PASS" : "MISS",
      note: `${RUNS} runs, interleaved`,
    });
  }
  rows.push({
    figure: "    baseline: an empty compiled Bun program",
    value: fmtMs(median(emptyMs)),
    target: "",
    verdict: "info",
  });
  rows.push({
    figure: "    baseline: /bin/true",
    value: fmtMs(median(baseline)),
    target: "",
    verdict: "info",
  });
}

async function shardedVersusOne(): Promise<void> {
  const scenarios = join(work, "scenarios");
  const names = Array.from({ length: 12 }, (_, i) => `sleepy-${String(i + 1).padStart(2, "0")}`);
  for (const name of names) {
    mkdirSync(join(scenarios, name), { recursive: true });
    writeFileSync(
      join(scenarios, name, "Makefile"),
      ".PHONY: scenario-test-static\nscenario-test-static:\n\t@sleep 1\n",
    );
  }
  const args = (dir: string, extra: string[] = []) => ({
    argv: [MATRIX, "static", ...names, "--scenarios-dir", scenarios, ...extra],
    env: env({ TEST_ARTIFACTS_DIR: dir }),
  });
  const one = args(join(work, "one"));
  const whole = await timed(one.argv, { env: one.env, timeoutMs: 120_000 });
  const started = performance.now();
  const shards = await Promise.all(
    [1, 2, 3].map((i) => {
      const run = args(join(work, `shard-${i}`), ["--shard", `${i}/3`]);
      return timed(run.argv, { env: run.env, timeoutMs: 120_000 });
    }),
  );
  const sharded = performance.now() - started;
  const summaries = [1, 2, 3].flatMap((i) =>
    readdirSync(join(work, `shard-${i}`))
      .filter((f) => f.endsWith("-summary.json"))
      .map((f) => join(work, `shard-${i}`, f)),
  );
  const merge = await timed([MATRIX, "merge", ...summaries, "--out", join(work, "merged")], { env: env() });
  const ok = whole.code === 0 && shards.every((s) => s.code === 0) && merge.code === 0;
  rows.push({
    figure: "12 × sleep 1: one matrix (--jobs 1)",
    value: fmtMs(whole.ms),
    target: "",
    verdict: ok ? "info" : "MISS",
  });
  rows.push({
    figure: "12 × sleep 1: 3 shards at once",
    value: fmtMs(sharded),
    target: "",
    verdict: ok ? "info" : "MISS",
    note: `${(whole.ms / sharded).toFixed(2)}× faster; each shard --jobs 1`,
  });
  rows.push({
    figure: "    merge of the 3 summaries",
    value: fmtMs(merge.ms),
    target: "",
    verdict: ok ? "info" : "MISS",
  });
}

for (const name of BINARIES) {
  if (!existsSync(join(DIST, name))) throw new Error(`dist/${name} is missing: run make build first`);
}
console.log(`pk3s-infra-telemetry dist bench — ${availableParallelism()} core(s), Bun ${Bun.version}`);
try {
  sizes();
  await startup();
  await shardedVersusOne();
} finally {
  rmSync(work, { recursive: true, force: true });
}
printTable("Distribution", rows);
