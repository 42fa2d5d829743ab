// Log: one-line messages on stderr, prefixed with the program name. Every line passes
// `redactSecrets`, so the bearer token can never be printed even by accident. Also how text
// reaches stdout and stderr at all: through Bun's native console, since the first use of
// Node's process.stdout/stderr streams costs a short-lived binary about 6 ms.

import { wholeTokenPattern } from "../telemetry/request.ts";

let secrets: Array<{ value: string; pattern: RegExp }> = [];

/** From this length a secret is replaced wherever it occurs, even run together with other text. */
const EMBEDDED_MIN_LENGTH = 16;

/**
 * Register values that must never be printed (the bearer token). A short value (8–15
 * characters) is replaced only where it stands as a whole token, and one under 8 is not looked
 * for: a token "7f" must not turn every id in a message into "***". A longer one is replaced
 * wherever it occurs (`x<token>y` too): a match by chance is then out of the question, and a
 * scenario that prints it glued to other text must not show it.
 */
export function registerSecret(value: string | null | undefined): void {
  if (!value || secrets.some((s) => s.value === value)) return;
  const pattern =
    value.length >= EMBEDDED_MIN_LENGTH
      ? new RegExp(value.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"), "g")
      : wholeTokenPattern(value);
  if (pattern) secrets = [...secrets, { value, pattern }];
}

/** Replace every registered secret in `text` by `***` (see visible.ts for a scenario's output). */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) out = out.replace(s.pattern, "***");
  return out;
}

/** The registered secrets' patterns (global regular expressions). */
export function secretPatterns(): readonly RegExp[] {
  return secrets.map((s) => s.pattern);
}

export interface Logger {
  /** The program the lines are prefixed with (also an event's client.script). */
  readonly program: string;
  warn(message: string): void;
  error(message: string): void;
  info(message: string): void;
}

export function createLogger(program: string, sink: (line: string) => void = writeStderr): Logger {
  const line = (kind: string, message: string) =>
    sink(redactSecrets(`${program}: ${kind ? `${kind}: ` : ""}${message}`));
  return {
    program,
    warn: (m) => line("warning", m),
    error: (m) => line("error", m),
    info: (m) => line("", m),
  };
}

function writeStderr(line: string): void {
  console.error(line);
}

/** Print `text` on stdout as it is (a lone string argument is never format-expanded). */
export function printOut(text: string): void {
  if (text) console.log(text.endsWith("\n") ? text.slice(0, -1) : text);
}

/** Print `text` on stderr as it is. */
export function printErr(text: string): void {
  if (text) console.error(text.endsWith("\n") ? text.slice(0, -1) : text);
}
