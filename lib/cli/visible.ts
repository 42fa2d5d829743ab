// Visible: text as a terminal shows it — escape sequences, control and zero-width characters
// removed — and the redaction of the bearer token in a scenario's output, which must also catch
// a token split by such characters (README › Behaviour of a run). Kept out of log.ts, which
// pk3s-emit loads at every start.
import { redactSecrets, secretPatterns } from "./log.ts";

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
 * Replace every registered secret in `text` by `***`, also where it shows on a terminal only:
 * a token split by a colour code or a zero-width character is still caught, and that line is
 * then printed without its escape sequences.
 */
export function redactShown(text: string): string {
  const patterns = secretPatterns();
  if (patterns.length === 0) return text;
  const out = redactSecrets(text);
  if (!HIDING.test(out)) return out;
  return out
    .split("\n")
    .map((line) => {
      const visible = visibleText(line);
      return visible === line || !patterns.some((p) => visible.search(p) >= 0)
        ? line
        : redactSecrets(visible);
    })
    .join("\n");
}
