// Helpers for tests that run compiled binaries where nothing of the repository can help them:
// a bounded exec, a PATH holding only make and the coreutils the scenario recipes use, and the
// clean-up of a compiled background flusher.
import { expect } from "bun:test";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { BACKGROUND_FLUSH_ARG } from "../../lib/telemetry/handoff.ts";
import { cmdline, lockPid, running, waitFor } from "./run.ts";

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export async function exec(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 30_000,
): Promise<Result> {
  const proc = Bun.spawn(argv, { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** A PATH directory holding make, sh and the coreutils the scenario recipes use: no Bun, no Node.js. */
export function makeOnlyPath(dir: string): string {
  const tools = join(dir, "tools");
  mkdirSync(tools);
  for (const tool of ["make", "sh", "mkdir", "rm", "mv", "cat"]) {
    const found = Bun.which(tool);
    if (!found) throw new Error(`${tool} is needed to run the scenario Makefiles`);
    symlinkSync(found, join(tools, tool));
  }
  for (const absent of ["bun", "node", "npm"]) expect(Bun.which(absent, { PATH: tools })).toBeNull();
  return tools;
}

/** A compiled binary hands undelivered events to itself with the hidden flush argument. */
export async function stopCompiledFlusher(outbox: string): Promise<void> {
  const pid = lockPid(outbox);
  if (pid === null || !running(pid) || !cmdline(pid).includes(BACKGROUND_FLUSH_ARG)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  await waitFor(() => !running(pid), 5_000, "background flusher to die").catch(() => {});
}
