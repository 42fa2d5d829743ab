#!/usr/bin/env bun
// pk3s-flush: drain the outbox to the endpoint and print one line of counts (or JSON).
import {
  ExitError,
  intOption,
  parseCli,
  runMain,
  telemetryFlag,
  unexpectedArgument,
} from "../lib/cli/args.ts";
import { readSettings } from "../lib/cli/context.ts";
import { type Logger, printOut } from "../lib/cli/log.ts";
import { explicitlyDisabled } from "../lib/telemetry/consent.ts";
import { preview } from "../lib/telemetry/emitter.ts";
import { DEFAULT_CONCURRENCY, drain, zeroCounts } from "../lib/telemetry/flusher.ts";
import { runBackgroundFlushIfAsked } from "../lib/telemetry/handoff.ts";
import { Outbox, OutboxRefused } from "../lib/telemetry/outbox.ts";

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

const OPTIONS = {
  "dry-run": { type: "boolean" },
  purge: { type: "boolean" },
  concurrency: { type: "string" },
  json: { type: "boolean" },
} as const;

async function main(argv: string[], log: Logger): Promise<number> {
  try {
    return await flush(argv, log);
  } catch (error) {
    if (error instanceof OutboxRefused) throw new ExitError(error.message, 1);
    throw error;
  }
}

async function flush(argv: string[], log: Logger): Promise<number> {
  await runBackgroundFlushIfAsked(argv);
  if (argv[0] === "telemetry") {
    const { telemetryCommand } = await import("../lib/cli/telemetry-command.ts");
    return telemetryCommand(argv.slice(1), log);
  }
  const { values, positionals } = parseCli(argv, OPTIONS);
  if (positionals[0] !== undefined) throw unexpectedArgument(positionals[0]);
  const flag = telemetryFlag(values.telemetry);
  const concurrency = intOption("concurrency", values.concurrency, 1, 256) ?? DEFAULT_CONCURRENCY;
  const settings = readSettings(log);
  const outbox = new Outbox(settings.outboxDir);
  const counts = { ...zeroCounts(), purged: 0 };
  const report = () => {
    const { purged, ...drained } = counts;
    const line = values.json
      ? JSON.stringify(values.purge ? counts : drained)
      : `delivered=${counts.delivered} kept=${counts.kept} rejected=${counts.rejected} quarantined=${counts.quarantined}${values.purge ? ` purged=${counts.purged}` : ""}`;
    printOut(`${line}\n`);
  };

  outbox.ensure(); // refused before anything is read, purged or sent
  if (values.purge) {
    if (values["dry-run"]) counts.purged = outbox.pending().length;
    else counts.purged = outbox.purge();
    report();
    return 0;
  }
  if (values["dry-run"]) {
    for (const name of outbox.pending()) {
      const claimless = { name, path: `${settings.outboxDir}/pending/${name}` };
      const read = outbox.read(claimless);
      if (read.ok) printOut(`${preview(read.event, settings)}\n`);
      else log.warn(`would move an unreadable event file aside (${read.problem}): ${name}`);
    }
    counts.kept = outbox.pending().length;
    report();
    return 0;
  }
  const withdrawn = explicitlyDisabled({
    flag,
    telemetryEnabled: settings.enabledRaw,
    doNotTrack: settings.doNotTrack,
  });
  if (withdrawn) {
    counts.kept = outbox.pending().length;
    log.info(`telemetry is disabled (${withdrawn.reason}): nothing sent`);
    report();
    return 0;
  }
  Object.assign(counts, await drain(outbox, settings, { concurrency, log }));
  report();
  return 0;
}

if (import.meta.main) await runMain("pk3s-flush", USAGE, main);
