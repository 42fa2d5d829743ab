#!/usr/bin/env bun
// pk3s-emit: build one correlated infra.command.* event and hand it to delivery, or print the
// propagated telemetry environment for a nested bootstrap on another host.
import * as v from "valibot";
import { intOption, parseCli, quoted, runMain, UsageError, unexpectedArgument } from "../lib/cli/args.ts";
import { readSettings, resolveExecutionConsent } from "../lib/cli/context.ts";
import { type Logger, printOut } from "../lib/cli/log.ts";
import { correlate, inheritId, newId } from "../lib/telemetry/correlation.ts";
import { Emitter } from "../lib/telemetry/emitter.ts";
import {
  COMMAND_RESULTS,
  type CommandResult,
  describeIssues,
  EVENT_NAME_PATTERN,
  LEVELS,
  type TestLevel,
} from "../lib/telemetry/event.ts";
import { runBackgroundFlushIfAsked } from "../lib/telemetry/handoff.ts";
import type { EnvFormat } from "../lib/telemetry/propagation.ts";

const USAGE = `Usage:
  pk3s-emit <event-name> --command NAME --result started|success|failed|skipped
            [--scenario S] [--level static|contract|live] [--duration-ms N] [--run-id ID]
            [--telemetry enable|disable] [--dry-run]
  pk3s-emit env [--format shell|dotenv|json] [--include-token] [--telemetry enable|disable]

  <event-name> is infra.command.<word>: infra.command.started, ...
  The event is queued durably and delivered in the background; pk3s-emit never waits on the
  network. Disabled, it checks its arguments and does nothing. --dry-run (or TELEMETRY_DEBUG=1)
  prints the request that would be made and sends nothing. The run id is --run-id, else
  TELEMETRY_RUN_ID, else a new one.
  'env' prints twelve TELEMETRY_* variables a nested bootstrap should receive; the thirteenth,
  the bearer token, only with --include-token.
`;

const OPTIONS = {
  command: { type: "string" },
  result: { type: "string" },
  scenario: { type: "string" },
  level: { type: "string" },
  "duration-ms": { type: "string" },
  "run-id": { type: "string" },
  "dry-run": { type: "boolean" },
  format: { type: "string" },
  "include-token": { type: "boolean" },
} as const;

const FIELD_TO_OPTION: Record<string, string> = {
  event_name: "<event-name>",
  run_id: "--run-id / TELEMETRY_RUN_ID",
  "command.name": "--command",
  "command.scenario": "--scenario",
};

function oneOf<T extends string>(
  name: string,
  raw: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw))
    throw new UsageError(`--${name} must be one of ${allowed.join(", ")} (got ${quoted(raw)})`);
  return raw as T;
}

async function main(argv: string[], log: Logger): Promise<number> {
  await runBackgroundFlushIfAsked(argv);
  const { values, positionals } = parseCli(argv, OPTIONS);
  const [subject, ...extra] = positionals;
  if (!subject) throw new UsageError("missing <event-name> (or 'env')");
  if (extra[0] !== undefined) throw unexpectedArgument(extra[0]);

  const settings = readSettings(log);
  // pk3s-emit is never a root: it never asks (unset and non-interactive means off).
  const consent = await resolveExecutionConsent(values.telemetry, settings, { log });

  // The run this call speaks for: --run-id, else TELEMETRY_RUN_ID (an opaque id as given, else
  // one derived from it: docs/privacy-and-telemetry.md › Correlation ids).
  const optionRunId = values["run-id"]?.trim();
  if (optionRunId !== undefined && !/^[\x21-\x7e]{1,128}$/.test(optionRunId)) {
    throw new UsageError("--run-id must be 1-128 printable characters without spaces");
  }
  const callerRunId = optionRunId
    ? inheritId(optionRunId, "--run-id", (warning) => log.warn(warning))
    : (settings.runId ?? undefined);

  if (subject === "env") {
    const format = oneOf<EnvFormat>("format", values.format, ["shell", "dotenv", "json"]) ?? "shell";
    // A remote Core bootstrap's parent is the run that forwards the context: the caller's own
    // run id when given, else the parent this process received (a scenario's make gets the
    // scenario's run id as TELEMETRY_PARENT_RUN_ID), never a fresh id nothing else records.
    // Loaded here: queueing an event, the usual call, never needs the propagated set.
    const { formatPropagated, propagatedSet } = await import("../lib/telemetry/propagation.ts");
    const set = propagatedSet(settings, consent, {
      sessionId: settings.sessionId ?? newId(),
      runId: callerRunId ?? settings.parentRunId ?? "",
      parentRunId: null,
    });
    printOut(formatPropagated(set, format, values["include-token"] === true));
    if (consent.source === "non-interactive") {
      // At a terminal, say what the next run would do instead of a bare false (loaded only here).
      const { nextRunNote } = await import("../lib/cli/next-run.ts");
      const note = nextRunNote(settings);
      if (note) log.info(note);
    }
    return 0;
  }

  // The same checks whether telemetry is on or off: a script that passes for everyone must not
  // start failing when someone opts in.
  if (!EVENT_NAME_PATTERN.test(subject)) {
    throw new UsageError(`invalid <event-name> ${quoted(subject)}: event name must be infra.command.<word>`);
  }
  if (!values.command) throw new UsageError("--command is required");
  const result = oneOf<CommandResult>("result", values.result, COMMAND_RESULTS);
  if (!result) throw new UsageError("--result is required");
  const level = oneOf<TestLevel>("level", values.level, LEVELS);
  const durationMs = intOption("duration-ms", values["duration-ms"], 0, 31 * 24 * 3600 * 1000);

  const correlation = correlate(settings);
  if (callerRunId) correlation.runId = callerRunId;

  // pk3s-emit creates nothing but outbox files (its background flusher inherits the umask too):
  // with 077 nothing it makes is ever wider than 0700/0600, whatever the caller's umask.
  if (consent.enabled) process.umask(0o077);
  const emitter = new Emitter(settings, consent, correlation, { dryRun: values["dry-run"] === true, log });
  if (!emitter.enabled) {
    if (values["dry-run"]) log.info(`telemetry is disabled (${consent.reason}): nothing would be sent`);
    return 0;
  }
  try {
    // The command ends right after: queue only, the background flusher delivers (an inline
    // attempt cut off by the exit would be sent twice).
    await emitter.emit(
      { name: subject, command: values.command, result, scenario: values.scenario, level, durationMs },
      correlation,
      { final: true },
    );
  } catch (error) {
    if (error instanceof v.ValiError) {
      const problems = describeIssues(error.issues);
      const named = Object.entries(FIELD_TO_OPTION).reduce(
        (text, [field, option]) => text.replaceAll(field, option),
        problems,
      );
      throw new UsageError(`invalid event: ${named}`);
    }
    throw error;
  }
  await emitter.settle();
  return 0;
}

if (import.meta.main) await runMain("pk3s-emit", USAGE, main);
