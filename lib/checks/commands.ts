// Scenario check commands: the hidden subcommands through which the bundled scenarios' Makefiles
// and bootstrap.sh reach their checks (static-check, contract-check, scenario-env) in whatever
// runs them — `bun scripts/run-scenario.ts` from source, or a compiled pk3s-run-scenario /
// pk3s-run-matrix on a runner with no Bun at all. The runner exports its own command line as
// PK3S_RUN_SCENARIO for the nested make (self.ts); docs/scenarios.md › The scenario checks.

/** The hidden subcommands, each handled by a check module loaded only when asked for. */
export const CHECK_COMMANDS = ["__static-check", "__contract-check", "__scenario-env"] as const;
export type CheckCommand = (typeof CHECK_COMMANDS)[number];

export function isCheckCommand(arg: string | undefined): arg is CheckCommand {
  return (CHECK_COMMANDS as readonly string[]).includes(arg ?? "");
}

async function runCheck(command: CheckCommand, args: string[]): Promise<number> {
  switch (command) {
    case "__static-check":
      return (await import("./static-check.ts")).staticCheckMain(args);
    case "__contract-check":
      return (await import("./contract-check.ts")).contractCheckMain(args);
    case "__scenario-env":
      return (await import("./scenario-env.ts")).scenarioEnvMain(args);
  }
}

/** The runner scripts call this first: started as a check, it runs it and exits with its code. */
export async function runScenarioCheckIfAsked(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (!isCheckCommand(command)) return;
  process.exit(await runCheck(command, args));
}
