// Self: how a nested make reaches the runner that started it. PK3S_RUN_SCENARIO holds this
// program's own command line, shell-quoted (the compiled binary alone, or Bun and the script from
// source), so the bundled scenarios' recipes can call `$(PK3S_RUN_SCENARIO) __static-check …`
// with no Bun on PATH (lib/checks/commands.ts; docs/scenarios.md › The scenario checks).
import { selfCommand } from "../telemetry/handoff.ts";
import { shellQuote } from "../telemetry/propagation.ts";

export const RUNNER_COMMAND_VAR = "PK3S_RUN_SCENARIO";

/** This program as one shell word list: `'<binary>'` compiled, `'<bun>' '<script>'` from source. */
export function runnerShellCommand(argv: string[] = selfCommand()): string {
  return argv.map(shellQuote).join(" ");
}
