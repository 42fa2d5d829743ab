// Output: what the runner does with a scenario's output (README › Behaviour of a run). Each
// stream is cut into lines and every line has the bearer token redacted (also when an escape
// sequence or a zero-width character splits it) before it is shown or kept. Only a bounded tail
// is kept (the last 200 lines / 64 KiB, with a count of what was cut), plus the few lines
// classification needs (the first [SKIP] line, make's "***" error lines): memory stays bounded
// whatever a scenario prints. Live output is streamed line by line; the scenario's own [SKIP]
// line and make's error lines are held back until the result is known, so a skip prints one
// line, ours.
import { redactShown, visibleText } from "../cli/visible.ts";
import { isMakeErrorLine } from "./classify.ts";

export const TAIL_LINES = 200;
export const TAIL_BYTES = 64 * 1024;
/** A line longer than this is passed on in pieces (never held whole). */
const MAX_LINE = 64 * 1024;
/** Kept back from a cut piece so a token on the cut is still seen whole by the redaction. */
const CUT_OVERLAP = 1024;
/** make's error lines kept for classification (the chain of nested makes is a few lines). */
const MAKE_LINES = 16;
/** Bytes of the first [SKIP] line kept (the reason is capped again before it is recorded). */
const SKIP_LINE_BYTES = 4096;

export type StreamName = "stdout" | "stderr";
export type Echo = (text: string, stream: StreamName) => void;

const SKIP_LINE = /^\s*\[SKIP\]/;

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** The last TAIL_LINES lines and at most TAIL_BYTES of text, with a count of what was cut. */
export class OutputTail {
  private readonly pieces: string[] = [];
  private bytes = 0;
  cutLines = 0;
  cutBytes = 0;

  constructor(
    private readonly maxLines = TAIL_LINES,
    private readonly maxBytes = TAIL_BYTES,
  ) {}

  push(piece: string): void {
    const size = Buffer.byteLength(piece);
    this.pieces.push(piece);
    this.bytes += size;
    while (this.pieces.length > this.maxLines || (this.bytes > this.maxBytes && this.pieces.length > 1)) {
      const dropped = this.pieces.shift() as string;
      const droppedSize = Buffer.byteLength(dropped);
      this.bytes -= droppedSize;
      this.cutBytes += droppedSize;
      if (dropped.endsWith("\n")) this.cutLines++;
    }
    if (this.bytes > this.maxBytes) {
      // one piece alone over the bound: keep its end
      const only = this.pieces[0] as string;
      const kept = only.slice(-this.maxBytes);
      this.cutBytes += this.bytes - Buffer.byteLength(kept);
      this.pieces[0] = kept;
      this.bytes = Buffer.byteLength(kept);
    }
  }

  text(): string {
    return this.pieces.join("");
  }

  /** "… N earlier lines (X MiB) cut …", or null when nothing was cut. */
  note(): string | null {
    if (this.cutBytes === 0) return null;
    const lines = this.cutLines === 1 ? "1 earlier line" : `${this.cutLines} earlier lines`;
    return `[... ${lines} (${formatBytes(this.cutBytes)}) cut: only the last ${this.maxLines} lines / ${formatBytes(this.maxBytes)} are kept]`;
  }
}

interface Held {
  text: string;
  stream: StreamName;
}

/** One scenario's output, as it arrives from make's stdout and stderr. */
export class ScenarioOutput {
  readonly tail = new OutputTail();
  private readonly pending: Record<StreamName, string> = { stdout: "", stderr: "" };
  private readonly decoders: Record<StreamName, TextDecoder> = {
    stdout: new TextDecoder(),
    stderr: new TextDecoder(),
  };
  private firstSkip: string | null = null;
  private readonly makeErrors: string[] = [];
  private readonly held: Held[] = [];

  /** `echo`: stream each line as it completes (live level); null to only keep the tail. */
  constructor(private readonly echo: Echo | null) {}

  feed(stream: StreamName, chunk: Uint8Array): void {
    let text = this.pending[stream] + this.decoders[stream].decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      this.line(stream, text.slice(start, nl + 1));
      start = nl + 1;
    }
    text = text.slice(start);
    while (text.length > MAX_LINE) {
      this.piece(stream, text.slice(0, MAX_LINE - CUT_OVERLAP));
      text = text.slice(MAX_LINE - CUT_OVERLAP);
    }
    this.pending[stream] = text;
  }

  /** The stream ended: what is left without a newline is a last line. */
  end(stream: StreamName): void {
    const rest = this.pending[stream] + this.decoders[stream].decode();
    this.pending[stream] = "";
    if (rest) this.line(stream, `${rest}\n`);
  }

  private line(stream: StreamName, raw: string): void {
    const text = redactShown(raw);
    const visible = visibleText(text);
    if (this.firstSkip === null && SKIP_LINE.test(visible)) {
      this.firstSkip = text.slice(0, SKIP_LINE_BYTES);
      if (this.echo) {
        this.held.push({ text, stream });
        this.tail.push(text);
        return;
      }
    } else if (isMakeErrorLine(visible)) {
      this.makeErrors.push(visible.trimEnd());
      if (this.makeErrors.length > MAKE_LINES) this.makeErrors.shift();
      if (this.echo) {
        this.held.push({ text, stream });
        this.tail.push(text);
        return;
      }
    }
    this.tail.push(text);
    this.echo?.(text, stream);
  }

  private piece(stream: StreamName, raw: string): void {
    const text = redactShown(raw);
    this.tail.push(text);
    this.echo?.(text, stream);
  }

  /** What classification reads: the first [SKIP] line and make's error lines, in order. */
  classificationText(): string {
    return [...(this.firstSkip === null ? [] : [this.firstSkip.trimEnd()]), ...this.makeErrors].join("\n");
  }

  /** Streamed output: show what was held back, unless the result was a skip (our line says it). */
  release(isSkip: boolean): void {
    if (!this.echo || isSkip) return;
    for (const held of this.held.splice(0)) this.echo(held.text, held.stream);
  }

  /** The kept tail for the operator, with the note of what was cut first. */
  shown(): string {
    const note = this.tail.note();
    return `${note ? `${note}\n` : ""}${this.tail.text()}`;
  }
}
