#!/usr/bin/env bun
// pk3s-run-matrix: run many scenarios at one level as one execution — one manifest each, one
// root summary, telemetry consent resolved once for the whole chain.
import { runMain } from "../lib/cli/args.ts";

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

// The command is imported only when it runs: --version and --help stay at Bun's own start-up
// (make bench: about 52 ms → about Bun's floor; see the README's start-up figures).
if (import.meta.main)
  await runMain("pk3s-run-matrix", USAGE, async (argv, log) =>
    (await import("../lib/cli/run-matrix-command.ts")).main(argv, log),
  );
