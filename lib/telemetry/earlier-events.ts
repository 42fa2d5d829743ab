// Earlier events: events queued by an earlier version of this tool, before the wire types
// followed the reference's (client.telemetry_enabled a boolean, parent_run_id and
// command.scenario null when none, no client.script). A flush after an upgrade sends them in
// today's shape instead of quarantining them. Pure; only the flusher's read path uses it.

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The earlier shape brought to today's; anything else is returned as it is. */
export function upgradeEarlierEvent(raw: unknown): unknown {
  if (!isObject(raw) || !isObject(raw.client) || raw.client.telemetry_enabled !== true) return raw;
  const command = isObject(raw.command) ? raw.command : undefined;
  return {
    ...raw,
    parent_run_id: raw.parent_run_id ?? "",
    ...(command ? { command: { ...command, scenario: command.scenario ?? "" } } : {}),
    // The sender was not recorded then; "pk3s-infra-telemetry" says only that it was one of ours.
    client: { script: "pk3s-infra-telemetry", ...raw.client, telemetry_enabled: "true" },
  };
}
