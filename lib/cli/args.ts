// CLI: argument parsing shared by the four scripts (strict: unknown options are usage errors),
// the usage error type (exit 2), and the main wrapper that turns errors into one clear line.
// The parser is a small one of our own rather than node:util's parseArgs: loading node:util
// costs pk3s-emit about a millisecond of start-up, and start-up is most of its run time.
import { parseTelemetryFlag, type TelemetryFlag } from "../telemetry/consent.ts";
import { LEVELS, type TestLevel } from "../telemetry/event.ts";
import { createLogger, type Logger, printErr, printOut } from "./log.ts";
import { versionLine } from "./version.ts";

/** Wrong arguments: the message (values quoted) and the usage are printed, exit status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * An error that ends the command with a given exit code (e.g. 130 after Ctrl-C). `quiet`: the
 * message was already shown to the operator (the cancelled prompt says it), so nothing more is
 * printed. One with a `signal` (prompt.ts's InterruptedByKey) ends by SIGINT (end-by-signal.ts).
 */
export class ExitError extends Error {
  override readonly name = "ExitError";
  readonly quiet: boolean;
  constructor(
    message: string,
    readonly code: number,
    options?: { cause?: unknown; quiet?: boolean },
  ) {
    super(message, options);
    this.quiet = options?.quiet === true;
  }
}

/** A value as it is shown in a message: quoted (JSON string syntax, so control characters show). */
export const quoted = (value: string): string => JSON.stringify(value);

export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string }>;

/** Options every script accepts. */
export const COMMON_OPTIONS = {
  telemetry: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const satisfies OptionSpec;

type Values<T extends OptionSpec> = {
  [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : string;
};

/**
 * `--name value`, `--name=value`, `--flag`, `-h`; everything after `--` is positional.
 * Unknown options, a missing value and a value given to a flag are usage errors.
 */
export function parseCli<T extends OptionSpec>(
  argv: string[],
  options: T,
): { values: Values<T & typeof COMMON_OPTIONS>; positionals: string[] } {
  const spec: OptionSpec = { ...COMMON_OPTIONS, ...options };
  const shorts = new Map<string, string>();
  for (const name in spec) {
    const short = spec[name]?.short;
    if (short) shorts.set(short, name);
  }
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const long = arg.startsWith("--");
    const key = long ? arg.slice(2, eq === -1 ? undefined : eq) : shorts.get(arg.slice(1));
    const option = key === undefined ? undefined : spec[key];
    if (key === undefined || !option)
      throw new UsageError(`unknown option ${quoted(long ? (arg.split("=")[0] as string) : arg)}`);
    if (option.type === "boolean") {
      if (long && eq !== -1) throw new UsageError(`option "--${key}" does not take a value`);
      values[key] = true;
      continue;
    }
    let value: string | undefined;
    if (long && eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && isValue(argv[i + 1] as string)) value = argv[++i];
    if (value === undefined) throw new UsageError(`option "--${key}" needs a value`);
    values[key] = value;
  }
  return { values: values as Values<T & typeof COMMON_OPTIONS>, positionals };
}

/**
 * Can `arg` be the value of the option before it? Anything but an option: a word, "-" alone, or
 * a negative number (`--jobs -1` is then refused by the option's own range check, not taken
 * for a missing value).
 */
function isValue(arg: string): boolean {
  return !arg.startsWith("-") || arg === "-" || NEGATIVE_NUMBER.test(arg);
}
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

/** The usage error for a positional argument the command does not take. */
export function unexpectedArgument(arg: string): UsageError {
  return new UsageError(`unexpected argument ${quoted(arg)}`);
}

/** `--telemetry enable|disable` (undefined when not given); anything else is a usage error. */
export function telemetryFlag(raw: string | undefined): TelemetryFlag | undefined {
  const flag = parseTelemetryFlag(raw);
  if (flag === "invalid") {
    throw new UsageError(`--telemetry must be "enable" or "disable" (got ${quoted(raw ?? "")})`);
  }
  return flag;
}

export function parseLevel(raw: string | undefined): TestLevel {
  if (!raw) throw new UsageError("missing <level> (static, contract or live)");
  if (!(LEVELS as readonly string[]).includes(raw)) {
    throw new UsageError(`unknown level ${quoted(raw)}: use static, contract or live`);
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
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got ${quoted(raw)})`);
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
      printOut(`${versionLine(program)}\n`);
      code = 0;
    } else if (argv.includes("--help") || argv.includes("-h")) {
      printOut(usage);
      code = 0;
    } else {
      code = await main(argv, log);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      log.error(error.message);
      printErr(usage);
      code = 2;
    } else if (error instanceof ExitError) {
      if (!error.quiet) log.error(error.message);
      code = error.code;
      // Loaded only then: pk3s-emit's start-up never carries it.
      if ("signal" in error) await (await import("./end-by-signal.ts")).endBySignal();
    } else {
      log.error(error instanceof Error ? error.message : String(error));
      code = 1;
    }
  }
  process.exit(code);
}
