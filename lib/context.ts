// Context: how every execution starts — settings parsed (each warning printed once), consent
// resolved (asked at most once, and only by a root that may prompt), correlation ids made.
import { isCI } from "std-env";
import { UsageError } from "./cli.ts";
import { type Consent, parseTelemetryFlag, resolveConsent } from "./consent.ts";
import { type Correlation, correlate } from "./correlation.ts";
import { type Logger, registerSecret } from "./log.ts";
import { askConsent } from "./prompt.ts";
import { parseSettings, type Settings } from "./settings.ts";

export interface ExecutionContext {
  settings: Settings;
  consent: Consent;
  correlation: Correlation;
}

export interface StartOptions {
  /** The raw --telemetry value, if given. */
  flag: string | undefined;
  /** Only a root execution (matrix, or a scenario run directly) may ask the operator. */
  mayPrompt: boolean;
  log: Logger;
  env?: Record<string, string | undefined>;
}

/** Interactive: stdin and stdout (or the given output) are terminals, and this is not CI. */
export function isInteractive(output: { isTTY?: boolean } = process.stdout): boolean {
  return Boolean(process.stdin.isTTY && output.isTTY) && !isCI;
}

export function readSettings(log: Logger, env: Record<string, string | undefined> = process.env): Settings {
  const { settings, warnings } = parseSettings(env);
  registerSecret(settings.token);
  for (const warning of warnings) log.warn(warning);
  return settings;
}

export async function resolveExecutionConsent(
  flagRaw: string | undefined,
  settings: Settings,
  options: {
    mayPrompt: boolean;
    log: Logger;
    env?: Record<string, string | undefined>;
    /** Where the prompt is drawn (default stdout). */
    promptOutput?: NodeJS.WriteStream;
  },
): Promise<Consent> {
  const flag = parseTelemetryFlag(flagRaw);
  if (flag === "invalid") throw new UsageError("--telemetry must be 'enable' or 'disable'");
  const env = options.env ?? process.env;
  const decision = resolveConsent({
    flag,
    telemetryEnabled: settings.enabledRaw,
    doNotTrack: env.DO_NOT_TRACK,
    interactive: options.mayPrompt && isInteractive(options.promptOutput),
  });
  if (decision.warning) options.log.warn(decision.warning);
  if (!decision.ask) return decision.consent;
  const yes = await askConsent(options.promptOutput);
  return { enabled: yes, source: "prompt", reason: yes ? "operator accepted" : "operator declined" };
}

export async function startExecution(options: StartOptions): Promise<ExecutionContext> {
  const settings = readSettings(options.log, options.env);
  const consent = await resolveExecutionConsent(options.flag, settings, options);
  return { settings, consent, correlation: correlate(settings) };
}
