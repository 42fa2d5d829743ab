#!/usr/bin/env bun
// pk3s-flush: drain the outbox to the endpoint and print one line of counts (or JSON). The
// command itself (lib/cli/flush-command.ts) is imported only when it runs: --version and --help
// stay at Bun's own start-up (make bench › start-up).
import { runMain } from "../lib/cli/args.ts";
import type { Logger } from "../lib/cli/log.ts";
import { DEFAULT_CONCURRENCY } from "../lib/telemetry/settings.ts";

const USAGE = `Usage: pk3s-flush [--dry-run] [--purge] [--concurrency N] [--json] [--telemetry enable|disable]
       pk3s-flush telemetry status [--json] | enable | disable | reset

  Delivers the events queued in TELEMETRY_OUTBOX_DIR, oldest first, N at a time (default ${DEFAULT_CONCURRENCY}).
  2xx removes an event; 408/429/5xx and network errors keep it; other 4xx move it to
  dead-letter/; unreadable files are moved to quarantine/. Safe to run several at once.
  An outbox that is not private (a symbolic link, another user's, writable by others) is
  refused: exit 1 with the reason, nothing read or sent.
  Explicitly disabled telemetry (--telemetry disable, TELEMETRY_ENABLED=false, DO_NOT_TRACK)
  sends nothing.
  --dry-run   print each request that would be made; send and change nothing
  --purge     delete every queued event without sending it
  --json      print the counts as JSON
`;

async function main(argv: string[], log: Logger): Promise<number> {
  const { flushCommand } = await import("../lib/cli/flush-command.ts");
  return flushCommand(argv, log);
}

if (import.meta.main) await runMain("pk3s-flush", USAGE, main);
