// Progress: the one status line a matrix shows at a terminal (README › Behaviour of a run),
// redrawn in place with a carriage return, cut to the terminal's width (80 when the terminal
// reports 0 columns), and cleared before any other output, so result lines print cleanly with
// nothing left between them. Never reads the keyboard: Ctrl-C stays an ordinary SIGINT.

const FRAMES = ["|", "/", "-", "\\"];
const FRAME_MS = 250;
const CLEAR_LINE = "\r\x1b[2K";

/** Usable width of a terminal stream: its columns, or 80 when it reports none (0 or unset). */
export function terminalColumns(stream: { columns?: number } = process.stdout): number {
  const columns = stream.columns;
  return typeof columns === "number" && Number.isFinite(columns) && columns > 0 ? columns : 80;
}

export interface StatusLine {
  /** Show `message` (replacing the previous one). */
  set(message: string): void;
  /** Remove the line, run `print` (which writes whole lines), then show `next` (or nothing). */
  around(print: () => void, next: string | null): void;
  /** Remove the line for good. */
  stop(): void;
}

/** A status line on `out` (a terminal); `write` is how text reaches it. */
export function statusLine(
  write: (text: string) => void,
  columns: () => number = () => terminalColumns(),
): StatusLine {
  let message = "";
  let frame = 0;
  let shown = false;
  let stopped = false;
  const draw = () => {
    if (stopped || !message) return;
    const width = Math.max(10, columns() - 1);
    const text = `${FRAMES[frame % FRAMES.length]} ${message}`;
    write(`${CLEAR_LINE}${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    shown = true;
  };
  const clear = () => {
    if (shown) write(CLEAR_LINE);
    shown = false;
  };
  const timer = setInterval(() => {
    frame++;
    draw();
  }, FRAME_MS);
  timer.unref();
  return {
    set(next) {
      message = next;
      draw();
    },
    around(print, next) {
      clear();
      print();
      if (next === null) this.stop();
      else this.set(next);
    },
    stop() {
      if (stopped) return;
      clearInterval(timer);
      clear();
      stopped = true;
    },
  };
}
