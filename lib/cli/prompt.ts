// Prompt: the one consent question (docs/privacy-and-telemetry.md › Consent), asked with @clack/prompts at a terminal.
// Enter accepts the default Yes; Ctrl-C aborts the whole command with exit 130, nothing written.
// Only the root programs (run-matrix, run-scenario) load this module: it keeps the terminal
// libraries out of pk3s-emit and pk3s-flush, which start faster without them.
import { cancel, confirm, isCancel } from "@clack/prompts";
import { isCI } from "std-env";
import { ExitError } from "./args.ts";
import type { Asker } from "./context.ts";

export const PROMPT_MESSAGE =
  "Share anonymous usage telemetry for this run? (infra.command.* events: command, scenario, level, result, duration; no hosts, users, paths or IPs). The choice applies to the whole command chain, including nested productive-k3s-core bootstraps.";

/** Ask once. `output` is stderr when stdout is captured (e.g. `pk3s-emit consent` in a Makefile). */
export async function askConsent(output: NodeJS.WritableStream = process.stdout): Promise<boolean> {
  const answer = await confirm({ message: PROMPT_MESSAGE, initialValue: true, output: output as never });
  if (isCancel(answer)) {
    cancel("Aborted: nothing was run or written.", { output: output as never });
    throw new ExitError("aborted at the telemetry prompt", 130);
  }
  return answer;
}

/** Interactive: stdin and the prompt's output are terminals, and this is not CI. */
export function isInteractive(output: { isTTY?: boolean } = process.stdout): boolean {
  return Boolean(process.stdin.isTTY && output.isTTY) && !isCI;
}

/** The asker for a root execution: the clack question when interactive, else none. */
export function terminalAsker(output: NodeJS.WriteStream = process.stdout): Asker | undefined {
  return isInteractive(output) ? () => askConsent(output) : undefined;
}
