// Prompt: the one consent question (SPEC §2 step 4), asked with @clack/prompts at a terminal.
// Enter accepts the default Yes; Ctrl-C aborts the whole command with exit 130, nothing written.
import { cancel, confirm, isCancel } from "@clack/prompts";
import { ExitError } from "./cli.ts";

export const PROMPT_MESSAGE =
  "Share anonymous usage telemetry for this run? (infra.command.* events: command, scenario, level, result, duration; no hosts, users, paths or IPs). The choice applies to the whole command chain, including nested productive-k3s-core bootstraps.";

export async function askConsent(): Promise<boolean> {
  const answer = await confirm({ message: PROMPT_MESSAGE, initialValue: true });
  if (isCancel(answer)) {
    cancel("Aborted: nothing was run or written.");
    throw new ExitError("aborted at the telemetry prompt", 130);
  }
  return answer;
}
