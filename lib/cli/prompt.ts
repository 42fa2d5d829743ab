// Prompt: the one consent question (docs/privacy-and-telemetry.md › Consent), asked at a terminal
// with @clack/core's confirm and a frame of our own: it says what is sent, that the choice
// reaches nested productive-k3s-core bootstraps, where events go and how to change the answer
// later. Enter accepts the default Yes; the answer is remembered (decision.ts). Ctrl-C ends the
// command by SIGINT (exit status 130) with one message — the cancelled frame's own — and nothing
// written or remembered; a make that started it is interrupted as by any Ctrl-C. Only the root
// programs load this module: it keeps the terminal libraries out of pk3s-emit and pk3s-flush,
// which start faster without them.
import { styleText } from "node:util";
import { ConfirmPrompt, isCancel, wrapTextWithPrefix } from "@clack/core";
import { S_BAR, S_BAR_END, S_RADIO_ACTIVE, S_RADIO_INACTIVE, symbol } from "@clack/prompts";
import { recall, rememberDecision } from "../telemetry/decision.ts";
import { CHANGE_LATER, WHAT_IS_SENT } from "../telemetry/disclosure.ts";
import type { Settings } from "../telemetry/settings.ts";
import { ExitError } from "./args.ts";
import type { Operator } from "./context.ts";
import type { Logger } from "./log.ts";
import { isInteractive } from "./terminal.ts";

/**
 * Ctrl-C read as a key, so the terminal sent no SIGINT: quiet (the cancelled frame said it),
 * exit status 130, and runMain then ends the command by SIGINT (end-by-signal.ts).
 */
export class InterruptedByKey extends ExitError {
  readonly signal = "SIGINT";
  constructor(message: string) {
    super(message, 130, { quiet: true });
  }
}

/** The first words of the question (tests find the question by them). */
export const PROMPT_PHRASE = "Share anonymous usage telemetry?";
export const CANCELLED_MESSAGE = "Cancelled: nothing was run, written or remembered.";

/** The endpoint's host (and port) only: never its path, query or credentials. */
export function endpointHost(endpoint: string | null): string | null {
  if (!endpoint) return null;
  try {
    return new URL(endpoint).host || null;
  } catch {
    return null;
  }
}

/** The question, with where events go. */
export function promptMessage(host: string | null): string {
  return [
    `${PROMPT_PHRASE} Asked once: the answer is remembered for your user.`,
    `Sent: ${WHAT_IS_SENT}.`,
    "The choice applies to the whole command chain, including nested productive-k3s-core bootstraps.",
    host ? `Events go to ${host}.` : "No endpoint is configured: events would stay queued on this machine.",
    CHANGE_LATER,
  ].join("\n");
}

export interface PromptStreams {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream & { columns?: number; isTTY?: boolean };
}

/** A terminal that reports 0 columns (a pty nobody sized) is drawn as 80 wide. */
export const FALLBACK_COLUMNS = 80;

/**
 * Ask once. `output` is stderr when stdout is captured (e.g. `pk3s-run-matrix consent` in a
 * Makefile). Resolves to the answer; Ctrl-C throws a quiet ExitError(130): the frame said it,
 * and the command then ends by SIGINT, as the key would have ended it without the question.
 */
export async function askConsent(message: string, streams: PromptStreams = {}): Promise<boolean> {
  const input = streams.input ?? process.stdin;
  const output = streams.output ?? process.stdout;
  // clack wraps every frame to the stream's width: 0 would put one character on each line.
  if (typeof output.columns === "number" && !(output.columns > 0)) output.columns = FALLBACK_COLUMNS;
  const prompt = new ConfirmPrompt({
    active: "Yes",
    inactive: "No",
    initialValue: true,
    input: input as never,
    output: output as never,
    render() {
      const bar = styleText("gray", S_BAR);
      const title = `${bar}\n${wrapTextWithPrefix(output as never, message, `${bar}  `, `${symbol(this.state)}  `)}\n`;
      if (this.state === "submit") return `${title}${bar}  ${styleText("dim", this.value ? "Yes" : "No")}`;
      // Cancelled: the one message of a Ctrl-C, and no answer shown as if it had been given.
      if (this.state === "cancel") return `${title}${styleText("gray", S_BAR_END)}  ${CANCELLED_MESSAGE}\n`;
      const yes = this.value
        ? `${styleText("green", S_RADIO_ACTIVE)} Yes`
        : `${styleText("dim", S_RADIO_INACTIVE)} ${styleText("dim", "Yes")}`;
      const no = this.value
        ? `${styleText("dim", S_RADIO_INACTIVE)} ${styleText("dim", "No")}`
        : `${styleText("green", S_RADIO_ACTIVE)} No`;
      return `${title}${styleText("cyan", S_BAR)}  ${yes} ${styleText("dim", "/")} ${no}\n${styleText("cyan", S_BAR_END)}\n`;
    },
  });
  const answer = await prompt.prompt();
  if (isCancel(answer) || answer === undefined) {
    throw new InterruptedByKey("aborted at the telemetry prompt");
  }
  return answer;
}

/**
 * The operator of a root execution at a terminal (else none): the remembered answer, the
 * question, and remembering the answer given — a failure to remember warns and the run goes on.
 */
export function terminalOperator(
  settings: Settings,
  log: Logger,
  output: NodeJS.WriteStream = process.stdout,
): Operator | undefined {
  if (!isInteractive(output)) return undefined;
  return {
    recall: () => recall(settings.configHome),
    async ask() {
      const yes = await askConsent(promptMessage(endpointHost(settings.endpoint)), { output });
      try {
        rememberDecision(settings.configHome, yes);
      } catch (error) {
        log.warn(`${(error as Error).message}: the answer is not remembered and will be asked again`);
      }
      return { enabled: yes, source: "prompt", reason: yes ? "operator accepted" : "operator declined" };
    },
  };
}
