// Hand-off: how a command that has queued events returns at once while a detached process
// delivers them. Any pk3s binary started with the hidden BACKGROUND_FLUSH_ARG becomes that
// background flusher (background.ts, loaded only then: pk3s-emit's own start-up never pays for
// the delivery code).

/** The hidden argument that turns any pk3s binary into a background flusher. */
export const BACKGROUND_FLUSH_ARG = "__pk3s-background-flush";

/** Is `path` inside a `bun build --compile` binary (Bun's embedded /$bunfs/, B:/~BUN/ on Windows)? */
export function isCompiledPath(path: string): boolean {
  return path.startsWith("/$bunfs/") || path.startsWith("B:/~BUN/");
}

/** The current program, as argv, whether compiled (`dist/pk3s-*`) or run by Bun from source. */
export function selfCommand(): string[] {
  return isCompiledPath(Bun.main) ? [process.execPath] : [process.execPath, Bun.main];
}

/**
 * Start a detached background flusher for this outbox. If one is already draining, the new one
 * waits for it in the single waiting slot (superseding any older waiter), so the events just
 * queued are always drained with the settings of the latest hand-off. The environment (with
 * the token) is inherited, with `overrides` on top (the consent this execution resolved);
 * nothing secret is on the command line.
 */
export function handOff(overrides: Record<string, string> = {}): void {
  const [cmd, ...args] = selfCommand();
  try {
    const child = Bun.spawn([cmd as string, ...args, BACKGROUND_FLUSH_ARG], {
      detached: true,
      stdio: ["ignore", "ignore", "ignore"],
      env: { ...process.env, ...overrides },
    });
    child.unref();
  } catch {
    // best-effort: the events stay queued for the next flush
  }
}

/** Every script calls this first: started as a background flusher, it flushes and exits. */
export async function runBackgroundFlushIfAsked(argv: string[]): Promise<void> {
  if (argv[0] !== BACKGROUND_FLUSH_ARG) return;
  const { runBackgroundFlush } = await import("./background.ts");
  await runBackgroundFlush();
}
