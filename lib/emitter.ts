// Emitter: how a command reports its events without being held hostage by the network.
// Each event is first made durable in the outbox, then one inline delivery attempt runs
// alongside the command (its connection may be opened early, by warmUp, while the event is
// built and queued; nothing is sent before the event is durable); when the command ends,
// whatever has not been delivered within a short budget is handed to a detached background
// flusher. Disabled consent: nothing at all happens.
import type { Consent } from "./consent.ts";
import type { Correlation } from "./correlation.ts";
import { deliver, requestHeaders, warmUp } from "./delivery.ts";
import { buildEvent, type EventInput, type TelemetryEvent } from "./event.ts";
import { handOff } from "./flusher.ts";
import { guardValue, type Identifier, machineIdentifiers, mayHoldAddress } from "./guard.ts";
import type { Logger } from "./log.ts";
import { Outbox } from "./outbox.ts";
import { sanitizeName } from "./privacy.ts";
import type { Settings } from "./settings.ts";

/** How long a finishing command waits for its own in-flight deliveries. */
export const SETTLE_BUDGET_MS = 40;

export type EmitFields = Omit<EventInput, "sessionId" | "runId" | "parentRunId">;

export interface EmitterOptions {
  /** Print what would be sent; send and queue nothing. */
  dryRun: boolean;
  log: Logger;
  write?: (text: string) => void;
}

/** The exact request a delivery would make, for --dry-run and TELEMETRY_DEBUG=1. */
export function preview(event: TelemetryEvent, settings: Settings): string {
  const headers = requestHeaders(settings, true);
  const target = settings.endpoint
    ? redactUserinfo(settings.endpoint)
    : "(no endpoint configured: it would stay queued)";
  const lines = [`POST ${target}`, ...Object.entries(headers).map(([k, val]) => `${k}: ${val}`), ""];
  return `${lines.join("\n")}\n${JSON.stringify(event)}\n`;
}

function redactUserinfo(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.username || url.password) {
    url.username = "***";
    url.password = "";
  }
  return url.toString();
}

export class Emitter {
  private readonly outbox: Outbox;
  private readonly inflight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private undelivered = 0;
  private readonly warned = new Set<string>();
  /** This machine's identifiers: all of them, and without the interface addresses and MACs. */
  private identifiers: Identifier[] | null = null;
  private namedIdentifiers: Identifier[] | null = null;

  constructor(
    private readonly settings: Settings,
    private readonly consent: Pick<Consent, "enabled">,
    private readonly correlation: Correlation,
    private readonly options: EmitterOptions,
  ) {
    this.outbox = new Outbox(settings.outboxDir);
  }

  get enabled(): boolean {
    return this.consent.enabled;
  }

  /**
   * About to emit: let the connection of the inline delivery open while the event is built and
   * queued (nothing is sent before it is durable). Only when an emit would deliver at all.
   */
  warmUp(): void {
    if (this.consent.enabled && !this.options.dryRun && !this.settings.debug) warmUp(this.settings);
  }

  /** Build, validate, queue and start delivering one event. Returns it (null when disabled). */
  emit(fields: EmitFields, correlation: Correlation = this.correlation): TelemetryEvent | null {
    if (!this.consent.enabled) return null;
    // Names are the only caller-given strings in an event: sanitised, then the final guard
    // for this machine's own identifiers, then reduced to identifiers again. Names that cannot
    // hold an address or a MAC (mayHoldAddress) need no network interfaces read.
    const given = { command: sanitizeName(fields.command), scenario: fields.scenario ?? null };
    if (given.scenario !== null) given.scenario = sanitizeName(given.scenario);
    const ids = this.identifiersFor([given.command, given.scenario]);
    const guarded = guardValue(given, ids).value; // one guard pass for both names
    const reduce = (name: string | null) => (name === null ? null : sanitizeName(name));
    const event = buildEvent({
      ...fields,
      command: reduce(guarded.command) ?? "unknown",
      scenario: reduce(guarded.scenario),
      sessionId: correlation.sessionId,
      runId: correlation.runId,
      parentRunId: correlation.parentRunId,
    });
    // A field that carries the token (e.g. a scenario name set from the wrong variable) would
    // put it on disk, on stdout (preview) and in the body: drop the event, never the command.
    if (this.settings.token && JSON.stringify(event).includes(this.settings.token)) {
      this.options.log.warn(
        "an event field contains the bearer token: the event is dropped, not queued or sent",
      );
      return null;
    }
    if (this.options.dryRun || this.settings.debug) {
      (this.options.write ?? ((t) => process.stdout.write(t)))(preview(event, this.settings));
      return event;
    }
    let name: string;
    try {
      name = this.outbox.enqueue(event);
    } catch (error) {
      // Best-effort: an unusable outbox (read-only, full, not a directory) costs the event,
      // never the operator's command. Said once; nothing is queued, so nothing is handed off.
      const reason = `cannot queue events in TELEMETRY_OUTBOX_DIR (${(error as { code?: string }).code ?? "error"})`;
      if (!this.warned.has(reason)) {
        this.warned.add(reason);
        this.options.log.warn(`${reason}; telemetry events of this run are dropped`);
      }
      return null;
    }
    const task = this.deliverInline(name, event).finally(() => this.inflight.delete(task));
    this.inflight.add(task);
    return event;
  }

  /** Identifiers enough to guard `names`: the interfaces are read only if an address could occur. */
  private identifiersFor(names: ReadonlyArray<string | null>): Identifier[] {
    for (const name of names) {
      if (name === null || !mayHoldAddress(name)) continue;
      this.identifiers ??= machineIdentifiers();
      return this.identifiers;
    }
    this.namedIdentifiers ??= machineIdentifiers(process.env, undefined, { addresses: false });
    return this.namedIdentifiers;
  }

  /** The event just queued, sent from memory (the file is the durable copy of the same bytes). */
  private async deliverInline(name: string, event: TelemetryEvent): Promise<void> {
    const claim = this.outbox.claim(name);
    if (!claim) return; // a background flusher already took it
    // One attempt here; retries are the background flusher's job.
    const outcome = await deliver(event, { ...this.settings, maxRetries: 1 }, { signal: this.abort.signal });
    if (outcome.kind === "delivered") this.outbox.done(claim);
    else if (outcome.kind === "rejected") this.outbox.deadLetter(claim, outcome.status);
    else {
      this.outbox.release(claim);
      this.undelivered++;
      // Zero attempts means a configuration problem, not the network: say so, once.
      if (outcome.attempts === 0 && !this.warned.has(outcome.reason)) {
        this.warned.add(outcome.reason);
        this.options.log.warn(`${outcome.reason}; the event stays queued`);
      }
    }
  }

  /**
   * The command is ending: wait at most `budgetMs` for in-flight deliveries, defer the rest,
   * and hand anything undelivered to a background flusher.
   */
  async settle(budgetMs = SETTLE_BUDGET_MS): Promise<void> {
    if (this.inflight.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const budget = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, budgetMs);
      });
      await Promise.race([Promise.all(this.inflight), budget]);
      clearTimeout(timer);
      if (this.inflight.size > 0) {
        this.abort.abort();
        await Promise.all(this.inflight);
      }
    }
    // Only an enabled emitter queues, and --telemetry enable wins for the whole chain: the
    // background flusher must not read a TELEMETRY_ENABLED=false the flag overrode.
    if (this.undelivered > 0 && this.warned.size === 0)
      handOff(this.outbox.dir, { TELEMETRY_ENABLED: "true" });
  }
}
