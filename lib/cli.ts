// CLI: argument parsing shared by the four scripts (node:util parseArgs, strict), the usage
// error type (exit 2), and the main wrapper that turns errors into one clear line.
import { parseArgs } from "node:util";
import { LEVELS, type TestLevel } from "./event.ts";
import { createLogger, type Logger } from "./log.ts";
import { VERSION } from "./version.ts";

export class UsageError extends Error {}

/** An error that ends the command with a given exit code (e.g. 130 after Ctrl-C). */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/** Options every script accepts. */
export const COMMON_OPTIONS = {
  telemetry: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const satisfies OptionSpec;

export function parseCli<T extends OptionSpec>(argv: string[], options: T) {
  try {
    return parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
}

export function parseLevel(raw: string | undefined): TestLevel {
  if (!raw) throw new UsageError("missing <level> (static, contract or live)");
  if (!(LEVELS as readonly string[]).includes(raw)) {
    throw new UsageError(`unknown level ${JSON.stringify(raw)}: use static, contract or live`);
  }
  return raw as TestLevel;
}

/** A whole number option, or a usage error naming it. */
export function intOption(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

/**
 * Run a script's main: --version/--help handled by the caller's parse; a UsageError prints the
 * message and usage and exits 2; any other error prints one line and exits 1.
 */
export async function runMain(
  program: string,
  usage: string,
  main: (argv: string[], log: Logger) => Promise<number>,
): Promise<never> {
  const log = createLogger(program);
  let code: number;
  try {
    const argv = process.argv.slice(2);
    if (argv.includes("--version")) {
      process.stdout.write(`${program} ${VERSION}\n`);
      code = 0;
    } else if (argv.includes("--help") || argv.includes("-h")) {
      process.stdout.write(usage);
      code = 0;
    } else {
      code = await main(argv, log);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      log.error(error.message);
      process.stderr.write(usage);
      code = 2;
    } else if (error instanceof ExitError) {
      log.error(error.message);
      code = error.code;
    } else {
      log.error(error instanceof Error ? error.message : String(error));
      code = 1;
    }
  }
  process.exit(code);
}
