// Consent: the pure resolution in docs/privacy-and-telemetry.md › Consent. Given the --telemetry
// flag, the environment, whether the run is interactive and — only then — the operator's earlier
// answer, it decides on/off and which rule decided, or that the operator must be asked once.
// The prompt lives in lib/cli/prompt.ts and the remembered answer in decision.ts; no I/O here.
import { parseBool } from "../util/bool.ts";

export type TelemetryFlag = "enable" | "disable";

export type ConsentSource =
  | "flag"
  | "env"
  | "env-invalid"
  | "do-not-track"
  | "remembered"
  | "productive-k3s-cli"
  | "prompt"
  | "non-interactive";

export interface Consent {
  enabled: boolean;
  source: ConsentSource;
  reason: string;
}

/** An earlier answer: Infra's own (current: it answered this disclosure), else productive-k3s-cli's. */
export type Remembered =
  | { by: "infra"; enabled: boolean; decidedAt: string; current: boolean }
  | { by: "productive-k3s-cli"; enabled: boolean };

export interface ConsentInput {
  flag?: TelemetryFlag | undefined;
  telemetryEnabled?: string | undefined;
  /** DO_NOT_TRACK is set (settings.doNotTrack). */
  doNotTrack?: boolean | undefined;
  interactive: boolean;
  /**
   * What the operator's earlier answer decides (decision.ts's decideRemembered), null for none.
   * Called only for an interactive run that nothing else decided: a non-interactive run never
   * reads a remembered decision.
   */
  recall?: (() => ConsentDecision | null) | undefined;
}

/** Why a question is pending: nothing remembered, or an answer to an older disclosure. */
export type AskReason = "no-decision" | "disclosure-changed";

/** Either a decision, or "ask the operator" (step 4), plus any warning to print. */
export type ConsentDecision =
  | { ask: false; consent: Consent; warning?: string }
  | { ask: true; why: AskReason; warning?: string };

export const NON_INTERACTIVE_REASON = "not interactive and TELEMETRY_ENABLED is unset";

export function resolveConsent(input: ConsentInput): ConsentDecision {
  const decided = (enabled: boolean, source: ConsentSource, reason: string, warning?: string) =>
    ({ ask: false, consent: { enabled, source, reason }, ...(warning ? { warning } : {}) }) as const;

  if (input.flag === "enable") return decided(true, "flag", "--telemetry enable");
  if (input.flag === "disable") return decided(false, "flag", "--telemetry disable");

  const env = parseBool(input.telemetryEnabled);
  if (env === true) return decided(true, "env", "TELEMETRY_ENABLED is true");
  if (env === false) return decided(false, "env", "TELEMETRY_ENABLED is false");
  if (env === "invalid") {
    return decided(
      false,
      "env-invalid",
      "TELEMETRY_ENABLED is not a yes/no value",
      "TELEMETRY_ENABLED must be true or false (also 1/0, yes/no, on/off); telemetry is off for this run",
    );
  }

  if (input.doNotTrack) return decided(false, "do-not-track", "DO_NOT_TRACK is set");
  if (!input.interactive) return decided(false, "non-interactive", NON_INTERACTIVE_REASON);

  // What an earlier answer decides is decision.ts's (decideRemembered): pk3s-emit, which never
  // asks, does not carry it.
  return input.recall?.() ?? { ask: true, why: "no-decision" };
}

/** Does the chain's consent forbid sending what is already queued? (used by flush) */
export function explicitlyDisabled(input: Omit<ConsentInput, "interactive" | "recall">): Consent | null {
  const decision = resolveConsent({ ...input, interactive: false });
  if (decision.ask || decision.consent.enabled) return null;
  return decision.consent.source === "non-interactive" ? null : decision.consent;
}

export function parseTelemetryFlag(raw: string | undefined): TelemetryFlag | undefined | "invalid" {
  if (raw === undefined) return undefined;
  const word = raw.trim().toLowerCase();
  if (word === "enable" || word === "disable") return word;
  return "invalid";
}
