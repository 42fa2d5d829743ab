// Next run: for `pk3s-emit env` at a terminal, whose TELEMETRY_ENABLED says false only because
// pk3s-emit never asks — what a run started at this terminal would do (README › Telemetry
// commands). Loaded through import() by pk3s-emit's env alone: its start-up never carries it.
import { resolveConsent } from "../telemetry/consent.ts";
import { recall } from "../telemetry/decision.ts";
import type { Settings } from "../telemetry/settings.ts";
import { isInteractive } from "./terminal.ts";

/** The note to print, or null when not at a terminal. */
export function nextRunNote(settings: Settings): string | null {
  if (!isInteractive()) return null;
  const decision = resolveConsent({
    telemetryEnabled: settings.enabledRaw,
    doNotTrack: settings.doNotTrack,
    interactive: true,
    recall: () => recall(settings.configHome),
  });
  const next = decision.ask
    ? "would ask first (default Yes)"
    : `would run with telemetry ${decision.consent.enabled ? "on" : "off"} (${decision.consent.reason})`;
  return `TELEMETRY_ENABLED is false here because pk3s-emit never asks; a run started at this terminal ${next}. Forward a decision with --telemetry enable|disable.`;
}
