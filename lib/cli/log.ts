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

/** Terminal escape sequences: CSI (colours, cursor), OSC (titles, links), two-byte ESC forms. */
const ANSI = /\x1b(?:\[[0-9;:?<=>]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;
/** What can hide inside a word without showing: control and format (zero-width) characters. */
const INVISIBLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f]|\p{Cf}/gu;
const HIDING = /[\x00-\x08\x0b-\x1f\x7f-\x9f]|\p{Cf}/u;

/** A line as a reader sees it: escape sequences, control and zero-width characters removed. */
export function visibleText(line: string): string {
  return line.replace(ANSI, "").replace(INVISIBLE, "");
}

/**
 * Replace every registered secret in `text` by `***`. Each line is also checked as it shows on a
 * terminal: a token split by a colour code or a zero-width character is still caught, and that
 * line is then printed without its escape sequences.
 */
export function redactSecrets(text: string): string {
  if (secrets.length === 0) return text;
  const hide = (line: string) => {
    let out = line;
    for (const s of secrets) out = out.replace(s.pattern, "***");
    return out;
  };
  let out = hide(text);
  if (!HIDING.test(out)) return out;
  out = out
    .split("\n")
    .map((line) => {
      const visible = visibleText(line);
      return visible === line || !secrets.some((s) => visible.search(s.pattern) >= 0) ? line : hide(visible);
    })
    .join("\n");
  return out;
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
