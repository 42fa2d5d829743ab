// Disclosure: what the consent question says is sent, and its version, which every remembered
// answer records (docs/privacy-and-telemetry.md › The remembered answer). A change to what is
// sent must bump DISCLOSURE_VERSION: every operator is then asked again. Kept out of consent.ts
// so that pk3s-emit, which never asks, does not carry the text.

export const WHAT_IS_SENT =
  "infra.command.* events: command, scenario, level, result, duration, and random run and session ids; never hosts, users, paths or IP addresses";
export const DISCLOSURE_VERSION = 1;

/** How the answer is changed later: the commands and the variables. */
export const CHANGE_LATER =
  "Change it later with make telemetry-enable, telemetry-disable or telemetry-reset (or pk3s-run-matrix telemetry enable|disable|reset|status); for one run: TELEMETRY_ENABLED=true|false, DO_NOT_TRACK=1 or --telemetry enable|disable.";
