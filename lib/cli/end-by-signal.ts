// End by a signal: how a command whose Ctrl-C was read as a key (the consent question) still
// ends the way the terminal's Ctrl-C ends things — README › Make targets. runMain loads it only
// when a command ends so.

/**
 * End as the terminal's Ctrl-C would have ended things: `signal` goes to this process's group —
 * the job at the terminal, e.g. a make and the runner it started, which the prompt only could
 * read from — and its default action ends this process by it. A parent make is then interrupted
 * too (it reports "Interrupt" and the shell sees 130) rather than reporting "Error 130" and
 * exiting 2. What was written is flushed first; where no signal can be sent, the exit code stands.
 */
export async function endBySignal(signal: "SIGINT" = "SIGINT"): Promise<void> {
  const flushed = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      stream.write("", () => resolve());
    });
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.removeAllListeners(signal);
  try {
    process.kill(0, signal);
  } catch {
    return;
  }
  // Delivered to this process before kill() returns: only where it is not does this go on.
  await Bun.sleep(1_000);
}
