// The pk3s-flush command (scripts/flush.ts imports it only when it runs, so --version and --help
// load neither the flusher nor the outbox): drain the outbox to the endpoint, or purge it, or
// preview it, and print one line of counts (README › pk3s-flush).

import { explicitlyDisabled } from "../telemetry/consent.ts";
import { preview } from "../telemetry/emitter.ts";
import { drain, zeroCounts } from "../telemetry/flusher.ts";
import { runBackgroundFlushIfAsked } from "../telemetry/handoff.ts";
import { Outbox, OutboxRefused } from "../telemetry/outbox.ts";
import { DEFAULT_CONCURRENCY } from "../telemetry/settings.ts";
import { ExitError, intOption, parseCli, telemetryFlag, unexpectedArgument } from "./args.ts";
import { readSettings } from "./context.ts";
import { type Logger, printOut } from "./log.ts";

const OPTIONS = {
  "dry-run": { type: "boolean" },
  purge: { type: "boolean" },
  concurrency: { type: "string" },
  json: { type: "boolean" },
} as const;

/** Runs pk3s-flush with `argv` (without the program name); the exit code. */
export async function flushCommand(argv: string[], log: Logger): Promise<number> {
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
    const { telemetryCommand } = await import("./telemetry-command.ts");
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
