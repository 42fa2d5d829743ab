// Log: one-line messages on stderr, prefixed with the program name. Every line passes
// `redactSecrets`, so the bearer token can never be printed even by accident. Also how text
// reaches stdout and stderr at all: through Bun's native console, since the first use of
// Node's process.stdout/stderr streams costs a short-lived binary about 6 ms.

import { wholeTokenPattern } from "../telemetry/request.ts";

let secrets: Array<{ value: string; pattern: RegExp }> = [];

/**
 * Register values that must never be printed (the bearer token). Only whole-token occurrences
 * are replaced, and values too short to look for safely are ignored: a token "7f" must not
 * turn every id in a message into "***".
 */
export function registerSecret(value: string | null | undefined): void {
  if (!value || secrets.some((s) => s.value === value)) return;
  const pattern = wholeTokenPattern(value);
  if (pattern) secrets = [...secrets, { value, pattern }];
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) out = out.replace(s.pattern, "***");
  return out;
}

export interface Logger {
  warn(message: string): void;
  error(message: string): void;
  info(message: string): void;
}

export function createLogger(program: string, sink: (line: string) => void = writeStderr): Logger {
  const line = (kind: string, message: string) =>
    sink(redactSecrets(`${program}: ${kind ? `${kind}: ` : ""}${message}`));
  return {
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
