// Status: what `telemetry status` reports (README › Telemetry commands) — on or off and which
// rule decided it, the remembered answers, where events go (the endpoint's host only: never its
// path, query or credentials), and what the outbox holds. Pure: the caller reads the files and
// the outbox; the valibot schema is the shape of `--json`.
import * as v from "valibot";
import { type ConsentDecision, resolveConsent, type TelemetryFlag } from "./consent.ts";
import { type Decision, decideRemembered, rememberedFrom } from "./decision.ts";
import { type OutboxReport, PROBLEM_WORDS, type ProblemKind } from "./delivery-state.ts";
import { CHANGE_LATER, DISCLOSURE_VERSION } from "./disclosure.ts";
import type { Settings } from "./settings.ts";

export const DECIDED_BY = [
  "flag",
  "env",
  "env-invalid",
  "do-not-track",
  "remembered",
  "productive-k3s-cli",
  "prompt-pending",
  "non-interactive",
] as const;
export type DecidedBy = (typeof DECIDED_BY)[number];

const nullableText = v.nullable(v.string());

export const StatusSchema = v.strictObject({
  /** null: nothing decides yet — the next run at a terminal asks (default Yes). */
  enabled: v.nullable(v.boolean()),
  decided_by: v.picklist(DECIDED_BY),
  reason: v.string(),
  /** Whether this status was taken at a terminal (remembered answers count only there). */
  interactive: v.boolean(),
  remembered: v.nullable(
    v.strictObject({
      enabled: v.boolean(),
      decided_at: v.string(),
      disclosure_version: v.number(),
      /** It answered the current disclosure (else the next run at a terminal asks again). */
      current: v.boolean(),
    }),
  ),
  remembered_file: nullableText,
  remembered_problem: nullableText,
  productive_k3s_cli: v.nullable(v.strictObject({ enabled: v.boolean() })),
  productive_k3s_cli_problem: nullableText,
  endpoint_host: nullableText,
  outbox: v.strictObject({
    dir: v.string(),
    queued: v.pipe(v.number(), v.integer(), v.minValue(0)),
    oldest_age_seconds: v.nullable(v.number()),
    last_problem: v.nullable(
      v.strictObject({ kind: v.string(), status: v.optional(v.number()), at: v.string() }),
    ),
    retry_after_until: nullableText,
    refused: nullableText,
  }),
});
export type Status = v.InferOutput<typeof StatusSchema>;

export interface StatusInput {
  settings: Settings;
  flag: TelemetryFlag | undefined;
  interactive: boolean;
  decision: { value: Decision | null; problem?: string };
  decisionFile: string | null;
  cliAnswer: { value: boolean | null; problem?: string };
  endpointHost: string | null;
  outbox: OutboxReport;
}

function pendingReason(decision: Extract<ConsentDecision, { ask: true }>): string {
  return decision.why === "disclosure-changed"
    ? "your remembered answer was to an earlier version of what is sent: the next run at a terminal asks again"
    : "nothing decided yet: the next run at a terminal asks once (default Yes)";
}

export function telemetryStatus(input: StatusInput): Status {
  const { settings, decision, cliAnswer } = input;
  const resolved = resolveConsent({
    flag: input.flag,
    telemetryEnabled: settings.enabledRaw,
    doNotTrack: settings.doNotTrack,
    interactive: input.interactive,
    recall: () => decideRemembered(rememberedFrom(decision.value, cliAnswer.value)),
  });
  const own = decision.value;
  return {
    enabled: resolved.ask ? null : resolved.consent.enabled,
    // (A status never asks, so "prompt" — answered just now — cannot be its source.)
    decided_by:
      resolved.ask || resolved.consent.source === "prompt" ? "prompt-pending" : resolved.consent.source,
    reason: resolved.ask ? pendingReason(resolved) : resolved.consent.reason,
    interactive: input.interactive,
    remembered: own
      ? {
          enabled: own.enabled,
          decided_at: own.decided_at,
          disclosure_version: own.disclosure_version,
          current: own.disclosure_version === DISCLOSURE_VERSION,
        }
      : null,
    remembered_file: input.decisionFile,
    remembered_problem: decision.problem ?? null,
    productive_k3s_cli: cliAnswer.value === null ? null : { enabled: cliAnswer.value },
    productive_k3s_cli_problem: cliAnswer.problem ?? null,
    endpoint_host: input.endpointHost,
    outbox: {
      dir: settings.outboxDir,
      queued: input.outbox.queued,
      oldest_age_seconds: input.outbox.oldestAgeSeconds,
      last_problem: input.outbox.lastProblem,
      retry_after_until: input.outbox.retryAfterUntil,
      refused: input.outbox.refused ?? null,
    },
  };
}

const yesNo = (enabled: boolean) => (enabled ? "yes" : "no");

/** "42 s", "5 min", "3 h", "2 d". */
export function age(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** The status as lines for a person. */
export function statusText(status: Status): string {
  const state = status.enabled === null ? "not decided" : status.enabled ? "on" : "off";
  const rows: Array<[string, string]> = [["decided by", `${status.decided_by} (${status.reason})`]];
  if (!status.interactive && status.decided_by === "non-interactive") {
    rows.push(["", "remembered answers count only at a terminal; CI stays off unless told explicitly"]);
  }
  const own = status.remembered;
  const where = status.remembered_file ? ` in ${status.remembered_file}` : "";
  rows.push([
    "remembered",
    own
      ? `${yesNo(own.enabled)}, ${own.decided_at}${own.current ? "" : " (to an earlier disclosure: asked again)"}${where}`
      : status.remembered_problem
        ? `ignored: ${status.remembered_problem}${where}`
        : `none${where ? ` (would be${where})` : ""}`,
  ]);
  const cli = status.productive_k3s_cli;
  rows.push([
    "productive-k3s-cli",
    cli
      ? `${yesNo(cli.enabled)}${own ? " (Infra's own answer comes first)" : " (counts as the remembered answer)"}`
      : status.productive_k3s_cli_problem
        ? `ignored: its config is ${status.productive_k3s_cli_problem}`
        : "no answer",
  ]);
  rows.push(["endpoint", status.endpoint_host ?? "none configured (events stay queued)"]);
  const box = status.outbox;
  rows.push(["outbox", box.dir]);
  rows.push([
    "queued",
    box.refused
      ? `unknown: ${box.refused}`
      : box.queued === 0
        ? "nothing"
        : `${box.queued} event${box.queued === 1 ? "" : "s"}${box.oldest_age_seconds === null ? "" : `, oldest ${age(box.oldest_age_seconds)} old`}`,
  ]);
  const problem = box.last_problem;
  rows.push([
    "last problem",
    problem
      ? `${PROBLEM_WORDS[problem.kind as ProblemKind] ?? problem.kind}${problem.status === undefined ? "" : ` (HTTP ${problem.status})`} at ${problem.at}`
      : "none",
  ]);
  rows.push(["retry after", box.retry_after_until ?? "none"]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(
    ([label, value]) => `  ${label ? `${label}:`.padEnd(width + 1) : " ".repeat(width + 1)} ${value}`,
  );
  return `telemetry: ${state}\n${lines.join("\n")}\n${CHANGE_LATER}\n`;
}
