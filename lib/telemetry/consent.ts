// Consent: the pure resolution in docs/privacy-and-telemetry.md › Consent. Given the --telemetry flag, the environment and
// whether the run is interactive, it decides on/off, or that the operator must be asked once.
// The prompt itself lives in prompt.ts; this file does no I/O.
import { parseBool, switchedOn } from "../util/bool.ts";

export type TelemetryFlag = "enable" | "disable";

export type ConsentSource = "flag" | "env" | "env-invalid" | "do-not-track" | "prompt" | "non-interactive";

export interface Consent {
  enabled: boolean;
  source: ConsentSource;
  reason: string;
}

export interface ConsentInput {
  flag?: TelemetryFlag | undefined;
  telemetryEnabled?: string | undefined;
  doNotTrack?: string | undefined;
  interactive: boolean;
}

/** Either a decision, or "ask the operator" (step 4), plus any warning to print. */
export type ConsentDecision =
  | { ask: false; consent: Consent; warning?: string }
  | { ask: true; warning?: string };

/** DO_NOT_TRACK counts when non-empty and not 0/false (ecosystem convention; also not no/off). */
export function doNotTrackSet(raw: string | undefined): boolean {
  return switchedOn(raw);
}

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

  if (doNotTrackSet(input.doNotTrack)) return decided(false, "do-not-track", "DO_NOT_TRACK is set");
  if (input.interactive) return { ask: true };
  return decided(false, "non-interactive", "not interactive and TELEMETRY_ENABLED is unset");
}

/** Does the chain's consent forbid sending what is already queued? (used by flush) */
export function explicitlyDisabled(input: Omit<ConsentInput, "interactive">): Consent | null {
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
