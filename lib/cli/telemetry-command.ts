// Telemetry command: `<program> telemetry status|enable|disable|reset` (README › Telemetry
// commands), reached from every binary and from `make telemetry-*`. status says on or off and
// which rule decided it, the remembered answers, the endpoint's host, and what the outbox holds
// (--json: the StatusSchema shape); enable/disable remember a decision for runs at a terminal;
// reset forgets it. Loaded through import() only when asked for.
import * as v from "valibot";
import { resolveConsent } from "../telemetry/consent.ts";
import {
  cliConfigPath,
  decisionPath,
  forgetDecision,
  readCliAnswer,
  readDecision,
  rememberDecision,
} from "../telemetry/decision.ts";
import { outboxReport } from "../telemetry/delivery-state.ts";
import type { Settings } from "../telemetry/settings.ts";
import { StatusSchema, statusText, telemetryStatus } from "../telemetry/status.ts";
import { parseCli, quoted, telemetryFlag, UsageError, unexpectedArgument } from "./args.ts";
import { readSettings } from "./context.ts";
import { type Logger, printOut } from "./log.ts";
import { endpointHost } from "./prompt.ts";
import { isInteractive } from "./terminal.ts";

export const TELEMETRY_ACTIONS = ["status", "enable", "disable", "reset"] as const;

export const TELEMETRY_USAGE = `telemetry status [--json]     on or off, which rule decided, endpoint host, outbox
telemetry enable | disable    remember the answer for runs at a terminal (CI stays off)
telemetry reset               forget it: the next run at a terminal asks again`;

function status(settings: Settings, flagRaw: string | undefined, json: boolean): void {
  const report = telemetryStatus({
    settings,
    flag: telemetryFlag(flagRaw),
    interactive: isInteractive(),
    decision: readDecision(settings.configHome),
    decisionFile: decisionPath(settings.configHome),
    cliAnswer: readCliAnswer(settings.configHome),
    endpointHost: endpointHost(settings.endpoint),
    outbox: outboxReport(settings.outboxDir),
  });
  printOut(json ? `${JSON.stringify(v.parse(StatusSchema, report), null, 2)}\n` : statusText(report));
}

/** After enable/disable/reset: say when a rule of this environment still decides instead. */
function stillDecidedBy(settings: Settings): string | null {
  const decision = resolveConsent({
    telemetryEnabled: settings.enabledRaw,
    doNotTrack: settings.doNotTrack,
    interactive: true,
  });
  if (decision.ask) return null;
  return `note: here ${decision.consent.reason}, which comes first`;
}

export async function telemetryCommand(argv: string[], log: Logger): Promise<number> {
  const { values, positionals } = parseCli(argv, { json: { type: "boolean" } });
  const [action, extra] = positionals;
  if (action === undefined) throw new UsageError(`missing action: telemetry ${TELEMETRY_ACTIONS.join("|")}`);
  if (!(TELEMETRY_ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`unknown telemetry action ${quoted(action)}: use ${TELEMETRY_ACTIONS.join(", ")}`);
  }
  if (extra !== undefined) throw unexpectedArgument(extra);
  if (values.json && action !== "status") throw new UsageError(`option "--json" is for telemetry status`);
  const settings = readSettings(log);

  if (action === "status") {
    status(settings, values.telemetry, values.json === true);
    return 0;
  }
  if (values.telemetry !== undefined) {
    throw new UsageError(`option "--telemetry" is for a run; use telemetry ${action} alone`);
  }
  if (action === "reset") {
    const forgot = forgetDecision(settings.configHome);
    const path = decisionPath(settings.configHome);
    printOut(
      forgot
        ? `forgot the remembered answer (${path}): the next run at a terminal asks again\n`
        : `nothing was remembered (${path ?? "no config directory"})\n`,
    );
    const cli = readCliAnswer(settings.configHome).value;
    if (cli !== null) {
      printOut(
        `productive-k3s-cli's answer (${cli ? "yes" : "no"}, in ${cliConfigPath(settings.configHome)}) counts until you answer here: telemetry enable|disable, or change it in productive-k3s-cli\n`,
      );
    }
  } else {
    const enabled = action === "enable";
    const path = rememberDecision(settings.configHome, enabled);
    printOut(
      `telemetry ${enabled ? "enabled" : "disabled"} for runs at a terminal, remembered in ${path}${enabled ? " (CI and other non-interactive runs stay off unless TELEMETRY_ENABLED=true)" : ""}\n`,
    );
  }
  const note = stillDecidedBy(settings);
  if (note) log.info(note);
  return 0;
}
