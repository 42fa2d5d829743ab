// Emitter: how a command reports its events without being held hostage by the network.
// Each event is first made durable in the outbox. An event emitted while the command still has
// work to do (a matrix or scenario starting) gets one inline delivery attempt alongside that
// work; an event emitted as the command ends (everything pk3s-emit sends, a run's completion)
// is only queued — an inline attempt would be cut off by the exit and sent twice. When the
// command ends, whatever is still queued (its own events, or older ones) is handed to a
// detached background flusher. Disabled consent: nothing at all happens. A run whose own
// deliveries failed says once, as it ends, how many events wait and why (settle).

import { type Logger, printOut } from "../cli/log.ts";
import { recordNames } from "../privacy/names.ts";
import { errorCode } from "../util/fs.ts";
import type { Consent } from "./consent.ts";
import type { Correlation } from "./correlation.ts";
import type { ProblemKind } from "./delivery-state.ts";
import { buildEvent, type EventInput, type TelemetryEvent } from "./event.ts";
import { handOff } from "./handoff.ts";
import { Outbox, OutboxRefused } from "./outbox.ts";
import { containsToken, deliveryBlocked, requestHeaders, TOKEN_UNFIT } from "./request.ts";
import type { Settings } from "./settings.ts";

/** How long a finishing command waits for its in-flight inline deliveries. */
export const SETTLE_BUDGET_MS = 40;

/** What a caller gives; the ids come from the correlation, client.script from the logger's program. */
export type EmitFields = Omit<EventInput, "sessionId" | "runId" | "parentRunId" | "script">;

export interface EmitterOptions {
  /** Print what would be sent; send and queue nothing. */
  dryRun: boolean;
  log: Logger;
  write?: (text: string) => void;
}

/** Where the operator looks at the queue and the last delivery problem. */
export const STATUS_HINT = "pk3s-run-matrix telemetry status";

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
  /** Something of ours is left in the outbox for the background flusher. */
  private queued = false;
  private readonly warned = new Set<string>();
  /** No endpoint, or a token that must not travel: a background flusher could not send either. */
  private misconfigured = false;
  /** What went wrong with this run's own deliveries, for the closing message. */
  private readonly problems = new Set<ProblemKind>();

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
   * Build, validate and queue one event, and — unless `final` (the command is about to end) —
   * start delivering it inline. Resolves once it is durable, to the event (null when disabled
   * or dropped).
   */
  async emit(
    fields: EmitFields,
    correlation: Correlation = this.correlation,
    options: { final?: boolean } = {},
  ): Promise<TelemetryEvent | null> {
    if (!this.consent.enabled) return null;
    // Names are the only caller-given strings in an event (the ids were checked when the
    // settings were read): sanitised, guarded for this machine's identifiers, reduced again.
    const names = recordNames({ command: fields.command, scenario: fields.scenario || null });
    const event = buildEvent({
      ...fields,
      command: names.command ?? "unknown",
      scenario: names.scenario,
      sessionId: correlation.sessionId,
      runId: correlation.runId,
      parentRunId: correlation.parentRunId,
      script: this.options.log.program,
    });
    // A field that carries the token (e.g. a scenario name set from the wrong variable) would
    // put it on disk, on stdout (preview) and in the body: drop the event, never the command.
    if (containsToken(JSON.stringify(event), this.settings.token)) {
      this.options.log.warn(
        "an event field contains the bearer token: the event is dropped, not queued or sent",
      );
      return null;
    }
    if (this.options.dryRun || this.settings.debug) {
      (this.options.write ?? printOut)(preview(event, this.settings));
      return event;
    }
    let name: string;
    try {
      name = this.outbox.enqueue(event);
    } catch (error) {
      // Best-effort: an unusable outbox (refused as not private, read-only, full, not a
      // directory) costs the event, never the operator's command. Said once; nothing is
      // queued, so nothing is handed off.
      const reason =
        error instanceof OutboxRefused
          ? error.message
          : `cannot queue events in TELEMETRY_OUTBOX_DIR (${errorCode(error) ?? "error"})`;
      if (!this.warned.has(reason)) {
        this.warned.add(reason);
        this.options.log.warn(`${reason}; telemetry events of this run are not queued`);
      }
      return null;
    }
    if (options.final) {
      // Queued for the background flusher — unless it could not send it either: then say why
      // (an unfit token was named when the settings were read).
      const blocked = deliveryBlocked(this.settings);
      if (blocked === TOKEN_UNFIT) this.misconfigured = true;
      else if (blocked) this.warnOnce(`${blocked}; the event stays queued`, true);
      else this.queued = true;
      return event;
    }
    const task = this.deliverInline(name, event).finally(() => this.inflight.delete(task));
    this.inflight.add(task);
    return event;
  }

  /** The event just queued, sent from memory (the file is the durable copy of the same bytes). */
  private async deliverInline(name: string, event: TelemetryEvent): Promise<void> {
    try {
      // Loaded on first use: pk3s-emit, which only queues, never loads ofetch.
      const { deliver, rememberProblem } = await import("./delivery.ts");
      const { clearProblem, retryAfterUntil } = await import("./delivery-state.ts");
      // The endpoint asked not to be contacted yet: it stays queued, not a knock more.
      if (retryAfterUntil(this.outbox.dir)) {
        this.queued = true;
        this.problems.add("wait");
        return;
      }
      const claim = this.outbox.claim(name);
      if (!claim) return; // a background flusher already took it
      // One attempt here; retries are the background flusher's job.
      const outcome = await deliver(
        event,
        { ...this.settings, maxRetries: 1 },
        { signal: this.abort.signal },
      );
      rememberProblem(this.outbox, outcome);
      if (outcome.kind === "delivered") {
        this.outbox.done(claim);
        clearProblem(this.outbox);
      } else if (outcome.kind === "rejected") this.outbox.deadLetter(claim, outcome.status, event);
      else {
        this.outbox.release(claim);
        this.queued = true;
        if (outcome.problem) this.problems.add(outcome.problem);
        // Zero attempts means a configuration problem, not the network: say so, once.
        if (outcome.reason === TOKEN_UNFIT)
          this.misconfigured = true; // named at start already
        else if (outcome.attempts === 0) this.warnOnce(`${outcome.reason}; the event stays queued`, true);
      }
    } catch (error) {
      // The outbox changed under us (removed, made read-only): best-effort, never the command.
      this.queued = true;
      this.warnOnce(`outbox problem during delivery (${errorCode(error) ?? "error"})`);
    }
  }

  private warnOnce(message: string, configuration = false): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    if (configuration) this.misconfigured = true;
    this.options.log.warn(message);
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
    if (!this.consent.enabled || this.misconfigured || this.options.dryRun || this.settings.debug) return;
    await this.sayWhatWaits();
    // Ours, or older events a previous run left behind: the background flusher takes them.
    // Only an enabled emitter gets here, and --telemetry enable wins for the whole chain: the
    // flusher must not read a TELEMETRY_ENABLED=false that the flag overrode.
    let waiting = this.queued;
    if (!waiting) {
      try {
        this.outbox.ensure(); // a refused outbox is not looked into (its pending/ may be a link)
        waiting = this.outbox.pending().length > 0;
      } catch {
        waiting = false;
      }
    }
    if (waiting) handOff({ TELEMETRY_ENABLED: "true" });
  }

  /**
   * This run's own deliveries failed: say once how many events wait in the outbox and why, and
   * where to look. Nothing when everything went out (or nothing was tried).
   */
  private async sayWhatWaits(): Promise<void> {
    if (this.problems.size === 0) return;
    const { PROBLEM_WORDS } = await import("./delivery-state.ts");
    let waiting: number;
    try {
      this.outbox.ensure();
      waiting = this.outbox.pending().length;
    } catch {
      return;
    }
    if (waiting === 0) return;
    const why = [...this.problems].map((kind) => PROBLEM_WORDS[kind]).join(", ");
    this.options.log.warn(
      `${waiting} telemetry event(s) queued, not delivered (${why}); they stay queued for a later flush — see \`${STATUS_HINT}\``,
    );
  }
}
