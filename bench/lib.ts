// Bench helpers: wall-time of a process, medians, the results table, and a loopback receiver
// that runs in a process of its own (`bun bench/lib.ts serve answer|hang`) so it never competes
// with the measuring process's event loop. Nothing here listens on or dials a non-loopback address.

export interface Timed {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env: Record<string, string>;
  cwd?: string;
  /** Kill after this long (the figure is then reported as a crash). */
  timeoutMs?: number;
}

/** Run a command to completion; `ms` is the wall time from spawn to exit. */
export async function timed(argv: string[], options: RunOptions): Promise<Timed> {
  const started = performance.now();
  const proc = Bun.spawn(argv, {
    env: options.env,
    cwd: options.cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { ms: performance.now() - started, code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Like `timed`, but a non-zero exit is a crash of the bench, with the command's output. */
export async function timedOk(argv: string[], options: RunOptions): Promise<Timed> {
  const result = await timed(argv, options);
  if (result.code !== 0) {
    throw new Error(`${argv.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export type Verdict = "PASS" | "MISS" | "info" | "skip";

export interface Row {
  figure: string;
  value: string;
  target: string;
  verdict: Verdict;
  note?: string;
}

export const fmtMs = (ms: number) => `${ms.toFixed(1)} ms`;

/** Print rows as an aligned table. */
export function printTable(title: string, rows: Row[]): void {
  const header: Row = { figure: "figure", value: "median", target: "target", verdict: "info", note: "" };
  const cells = (r: Row, head = false) => [
    r.figure,
    r.value,
    r.target,
    head ? "result" : r.verdict,
    r.note ?? "",
  ];
  const all = [cells(header, true), ...rows.map((r) => cells(r))];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    [
      (c[0] as string).padEnd(widths[0] as number),
      (c[1] as string).padStart(widths[1] as number),
      (c[2] as string).padEnd(widths[2] as number),
      (c[3] as string).padEnd(widths[3] as number),
      c[4] as string,
    ]
      .join("  ")
      .trimEnd();
  const lines = all.map(line);
  console.log(`\n${title}`);
  console.log(lines[0]);
  console.log("-".repeat(Math.max(...lines.map((l) => l.length))));
  for (const l of lines.slice(1)) console.log(l);
}

// ---- the out-of-process loopback receiver ---------------------------------------------------

export interface ReceiverProcess {
  url: string;
  /** Requests answered so far (asked of the receiver process). */
  count(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Start `bun bench/lib.ts serve <mode>`: "answer" replies 202 to every POST and counts them;
 * "hang" accepts TCP connections and never writes a byte back.
 */
export async function startReceiverProcess(mode: "answer" | "hang"): Promise<ReceiverProcess> {
  const proc = Bun.spawn([process.execPath, import.meta.path, "serve", mode], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = proc.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the bench receiver exited before listening");
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const [port, controlPort] = text.trim().split(/\s+/).map(Number);
  return {
    url: `http://127.0.0.1:${port}/telemetry`,
    async count() {
      if (!controlPort) return 0;
      return Number(await (await fetch(`http://127.0.0.1:${controlPort}/count`)).text());
    },
    async stop() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

function serve(mode: string): void {
  if (mode === "hang") {
    const sockets: unknown[] = [];
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open: (socket) => {
          sockets.push(socket); // held open, never answered
        },
        data: () => {},
      },
    });
    console.log(`${listener.port} 0`);
    return;
  }
  let count = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      await request.arrayBuffer();
      count++;
      return new Response("", { status: 202 });
    },
  });
  const control = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Response(String(count)),
  });
  console.log(`${server.port} ${control.port}`);
}

if (import.meta.main && process.argv[2] === "serve") serve(process.argv[3] ?? "answer");
