// Context: how every execution starts — settings parsed (each warning printed once), consent
// resolved (asked at most once, and only by a root at a terminal, whose remembered answer is
// used instead of asking), correlation ids made.

import {
  type Consent,
  type ConsentDecision,
  NON_INTERACTIVE_REASON,
  resolveConsent,
} from "../telemetry/consent.ts";
import { type Correlation, correlate } from "../telemetry/correlation.ts";
import { parseSettings, type Settings } from "../telemetry/settings.ts";
import type { Env } from "../util/env.ts";
import { telemetryFlag } from "./args.ts";
import { type Logger, registerSecret } from "./log.ts";

export interface ExecutionContext {
  settings: Settings;
  consent: Consent;
  correlation: Correlation;
}

export interface StartOptions {
  /** The raw --telemetry value, if given. */
  flag: string | undefined;
  /**
   * The operator at a terminal, for the settings read (docs/privacy-and-telemetry.md › Consent);
   * absent or returning none: never ask. Only a root execution (a matrix, or a scenario run
   * directly) passes one (prompt.ts's terminalOperator).
   */
  operator?: ((settings: Settings) => Operator | undefined) | undefined;
  log: Logger;
  env?: Env;
  /**
   * The session when the environment names none (TELEMETRY_SESSION_ID unset): the one every
   * shard of a CI run derives alike (shard-options.ts). The environment's own always wins.
   */
  sessionId?: string | undefined;
}

/**
 * The person at the terminal, injected so this module stays free of terminal and file code (and
 * fast to load): what their remembered answer decides, and the one question — asked, and the
 * answer remembered (prompt.ts).
 */
export interface Operator {
  recall(): ConsentDecision | null;
  ask(): Promise<Consent>;
}

export function readSettings(log: Logger, env: Env = process.env): Settings {
  const { settings, warnings } = parseSettings(env);
  registerSecret(settings.token);
  for (const warning of warnings) log.warn(warning);
  return settings;
}

/**
 * Consent for this execution: decided by the rules, else by the operator's remembered answer,
 * else asked (and the answer remembered). Without an operator a pending question means off.
 */
export async function resolveExecutionConsent(
  flagRaw: string | undefined,
  settings: Settings,
  options: { operator?: Operator | undefined; log: Logger },
): Promise<Consent> {
  const operator = options.operator;
  const decision = resolveConsent({
    flag: telemetryFlag(flagRaw),
    telemetryEnabled: settings.enabledRaw,
    doNotTrack: settings.doNotTrack,
    interactive: operator !== undefined,
    recall: operator ? () => operator.recall() : undefined,
  });
  if (decision.warning) options.log.warn(decision.warning);
  if (!decision.ask) return decision.consent;
  return operator
    ? operator.ask()
    : { enabled: false, source: "non-interactive", reason: NON_INTERACTIVE_REASON };
}

export async function startExecution(options: StartOptions): Promise<ExecutionContext> {
  const read = readSettings(options.log, options.env);
  const settings =
    read.sessionId === null && options.sessionId ? { ...read, sessionId: options.sessionId } : read;
  const operator = options.operator?.(settings);
  const consent = await resolveExecutionConsent(options.flag, settings, { operator, log: options.log });
  return { settings, consent, correlation: correlate(settings) };
}
