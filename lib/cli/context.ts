// Context: how every execution starts — settings parsed (each warning printed once), consent
// resolved (asked at most once, and only by a root that may prompt), correlation ids made.

import { type Consent, parseTelemetryFlag, resolveConsent } from "../telemetry/consent.ts";
import { type Correlation, correlate } from "../telemetry/correlation.ts";
import { parseSettings, type Settings } from "../telemetry/settings.ts";
import { UsageError } from "./args.ts";
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
   * How to ask the operator (docs/privacy-and-telemetry.md › Consent); absent: never ask. Only a root execution (a
   * matrix, or a scenario run directly) passes one, and only at a terminal (prompt.ts).
   */
  ask?: Asker | undefined;
  log: Logger;
  env?: Record<string, string | undefined>;
}

/** The one question, injected so this module stays free of terminal code (and fast to load). */
export type Asker = () => Promise<boolean>;

export function readSettings(log: Logger, env: Record<string, string | undefined> = process.env): Settings {
  const { settings, warnings } = parseSettings(env);
  registerSecret(settings.token);
  for (const warning of warnings) log.warn(warning);
  return settings;
}

export async function resolveExecutionConsent(
  flagRaw: string | undefined,
  settings: Settings,
  options: { ask?: Asker | undefined; log: Logger; env?: Record<string, string | undefined> },
): Promise<Consent> {
  const flag = parseTelemetryFlag(flagRaw);
  if (flag === "invalid") throw new UsageError("--telemetry must be 'enable' or 'disable'");
  const env = options.env ?? process.env;
  const ask = options.ask;
  const decision = resolveConsent({
    flag,
    telemetryEnabled: settings.enabledRaw,
    doNotTrack: env.DO_NOT_TRACK,
    interactive: ask !== undefined,
  });
  if (decision.warning) options.log.warn(decision.warning);
  if (!decision.ask || !ask) return decision.ask ? nonInteractive() : decision.consent;
  const yes = await ask();
  return { enabled: yes, source: "prompt", reason: yes ? "operator accepted" : "operator declined" };
}

function nonInteractive(): Consent {
  return {
    enabled: false,
    source: "non-interactive",
    reason: "not interactive and TELEMETRY_ENABLED is unset",
  };
}

export async function startExecution(options: StartOptions): Promise<ExecutionContext> {
  const settings = readSettings(options.log, options.env);
  const consent = await resolveExecutionConsent(options.flag, settings, options);
  return { settings, consent, correlation: correlate(settings) };
}
