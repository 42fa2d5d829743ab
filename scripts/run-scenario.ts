#!/usr/bin/env bun
// pk3s-run-scenario: run one scenario's test target at one level, write its anonymous manifest,
// report it as telemetry events when enabled, and print [PASS]/[SKIP]/[FAIL].
import { runMain } from "../lib/cli/args.ts";

const USAGE = `Usage:
  pk3s-run-scenario <level> <scenario> [--dir DIR] [--target T] [--scenarios-dir DIR]
                    [--telemetry enable|disable] [-- make-args...]
  pk3s-run-scenario <level> <scenario> <scenario-dir> <target> [make-args...]   (reference form)
  pk3s-run-scenario status [--all] [--since TIME] | clean [SCENARIO]   (as pk3s-run-matrix)
  pk3s-run-scenario telemetry status [--json] | enable | disable | reset

  <level> is static, contract or live. Runs 'make -C <dir> <target>' (default target
  scenario-test-<level>) with the telemetry context propagated, writes
  $TEST_ARTIFACTS_DIR/infra-runs/<UTC stamp>-<level>-<scenario>-<short id>.json and prints
  [PASS], [SKIP] or [FAIL].
  Exit 0 on pass and skip, 1 on fail (or when make is missing, or the manifest could not be
  written), 2 on usage errors, 130 after SIGINT (Ctrl-C), 143 after SIGTERM.
`;

// The command is imported only when it runs: --version and --help stay at Bun's own start-up
// (make bench: about 52 ms → about Bun's floor; see the README's start-up figures).
if (import.meta.main)
  await runMain("pk3s-run-scenario", USAGE, async (argv, log) =>
    (await import("../lib/cli/run-scenario-command.ts")).main(argv, log),
  );
