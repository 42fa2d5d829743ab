// A REAL pseudo-terminal for a command: `script` (util-linux) gives it a pty sized 100x50 with
// stty (a pty made by `script` from a pipe has 0 columns otherwise), keystrokes are typed only
// once the question is on screen, and the caller builds the environment from scratch (no CI
// markers of the runner). Used by the consent prompt and `telemetry status` tests.
import { PROMPT_PHRASE } from "../../lib/cli/prompt.ts";
import { REPO, waitFor } from "./run.ts";

export const PROMPT_APPEARS_MS = 15_000;
export const RUN_TIMEOUT_MS = 40_000;
export const COLUMNS = 100;

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[()][0-9A-Za-z]|\u001b[=>78]/g;
export const plain = (text: string) => text.replace(ANSI, "");

export const shq = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * How many times a question was asked. The prompt redraws the question when it is answered
 * (◇ accepted, ■ cancelled), so count only the first frame of each question: the phrase behind
 * the active-step marker (◆, or `*` on terminals without Unicode).
 */
export function promptCount(output: string): number {
  const text = plain(output);
  let count = 0;
  for (const marker of ["\u25C6  ", "*  "]) count += text.split(`${marker}${PROMPT_PHRASE}`).length - 1;
  return count;
}

export interface Pty {
  proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  output(): string;
  type(keys: string): void;
  /** Exit status of the command (script -e passes it through); kills it on timeout. */
  exited(timeoutMs?: number): Promise<number>;
}

const live = new Set<Pty>();

export function pty(argv: string[], env: Record<string, string>, cwd = REPO): Pty {
  const command = `stty cols ${COLUMNS} rows 50 2>/dev/null; exec ${argv.map(shq).join(" ")}`;
  const proc = Bun.spawn(["script", "-qfec", command, "/dev/null"], {
    cwd,
    env,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  const handle: Pty = {
    proc,
    output: () => text,
    type(keys) {
      proc.stdin.write(keys);
      proc.stdin.flush();
    },
    async exited(timeoutMs = RUN_TIMEOUT_MS) {
      const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
      try {
        const code = await proc.exited;
        await pumped;
        return code;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  live.add(handle);
  return handle;
}

/** Kill every pty session still running (afterEach). */
export function killPtys(): void {
  for (const session of live) if (session.proc.exitCode === null) session.proc.kill("SIGKILL");
  live.clear();
}

/** Wait until the question is on screen, then answer it. */
export async function answer(session: Pty, keys: string): Promise<void> {
  await waitFor(
    () => promptCount(session.output()) >= 1,
    PROMPT_APPEARS_MS,
    "the consent prompt to appear",
    25,
  );
  session.type(keys);
}

/**
 * For runs that must not ask: wait for the exit; should a question appear anyway, cancel it so the
 * test fails on its assertions instead of hanging.
 */
export async function exitWithoutAnswering(session: Pty): Promise<number> {
  let cancelled = false;
  const watch = setInterval(() => {
    if (!cancelled && promptCount(session.output()) > 0) {
      cancelled = true;
      session.type("\x03");
    }
  }, 50);
  try {
    return await session.exited();
  } finally {
    clearInterval(watch);
  }
}
