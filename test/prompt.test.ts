// The consent prompt under a REAL pseudo-terminal: `script` (util-linux) gives the command a pty,
// keystrokes are written only once the question is on screen, and the environment is built from
// scratch (no CI markers, no TELEMETRY_*, no DO_NOT_TRACK) so the runner's own CI=true cannot
// leak in. The consent rules (docs/privacy-and-telemetry.md): one question per command chain, default Yes, Ctrl-C aborts with 130 and
// nothing written, no question when the flag, the environment, DO_NOT_TRACK or CI decide.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PROMPT_MESSAGE } from "../lib/cli/prompt.ts";
import type { Receiver } from "./support/receiver.ts";
import { filesUnder, REPO, running, stopBackgroundFlusher, waitFor } from "./support/run.ts";
import { useScope } from "./support/scope.ts";

const BUN = process.execPath;
const FIXTURES = ["fx-alpha", "fx-beta", "fx-gamma", "fx-delta"];
/** A distinctive phrase of the question (the whole message fits on one line of the wide pty). */
const PHRASE = "Share anonymous usage telemetry";
const PROMPT_APPEARS_MS = 15_000;
const RUN_TIMEOUT_MS = 40_000;

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[()][0-9A-Za-z]|\u001b[=>78]/g;
const plain = (text: string) => text.replace(ANSI, "");

/**
 * How many times a question was asked. The prompt library redraws the question when it is
 * answered (◇ accepted, ■ cancelled), so count only the first frame of each question: the
 * phrase behind the active-step marker (◆, or `*` on terminals without Unicode).
 */
function promptCount(output: string): number {
  const text = plain(output);
  let count = 0;
  for (const marker of ["\u25C6  ", "*  "]) {
    count += text.split(`${marker}${PHRASE}`).length - 1;
  }
  return count;
}

const shq = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

interface Pty {
  proc: ReturnType<typeof spawnPty>["proc"];
  output(): string;
  type(keys: string): void;
  /** Exit status of the command (script -e passes it through); kills everything on timeout. */
  exited(timeoutMs?: number): Promise<number>;
}

const live = new Set<Pty>();

function spawnPty(argv: string[], env: Record<string, string>, cwd = REPO) {
  // A pty created by `script` from a pipe has no size (0 columns), which makes the prompt wrap
  // after every character: give it a wide window first, then replace the shell by the command.
  const command = `stty cols 400 rows 50 2>/dev/null; exec ${argv.map(shq).join(" ")}`;
  const proc = Bun.spawn(["script", "-qfec", command, "/dev/null"], {
    cwd,
    env,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  return { proc };
}

function pty(argv: string[], env: Record<string, string>, cwd = REPO): Pty {
  const { proc } = spawnPty(argv, env, cwd);
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

/** Wait until the question is on screen, then answer it. */
async function answer(session: Pty, keys: string): Promise<void> {
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
async function exitWithoutAnswering(session: Pty): Promise<number> {
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

// ---- per-test temp tree and fixture scenarios ----------------------------------------------

interface Tree {
  root: string;
  home: string;
  outbox: string;
  artifacts: string;
  scenarios: string;
  records: string;
}

const scope = useScope();
const trees: Tree[] = [];

function tree(): Tree {
  const root = mkdtempSync(join(tmpdir(), "pk3s-prompt-"));
  const t: Tree = {
    root,
    home: join(root, "home"),
    outbox: join(root, "outbox"),
    artifacts: join(root, "artifacts"),
    scenarios: join(root, "scenarios"),
    records: join(root, "records"),
  };
  mkdirSync(t.home);
  mkdirSync(t.records);
  // Each level's target records the TELEMETRY_ENABLED it received, then succeeds.
  for (const name of FIXTURES) {
    const dir = join(t.scenarios, name);
    mkdirSync(dir, { recursive: true });
    const record = (level: string) =>
      `scenario-test-${level}:\n\t@printf '%s\\n' "$$TELEMETRY_ENABLED" > ${shq(join(t.records, `${name}.${level}`))}\n`;
    writeFileSync(
      join(dir, "Makefile"),
      `.PHONY: scenario-test-static scenario-test-contract scenario-test-live\n${["static", "contract", "live"].map(record).join("")}`,
    );
  }
  trees.push(t);
  return t;
}

/** What a fixture recorded at a level (null: the target never ran). */
function recorded(t: Tree, name: string, level = "static"): string | null {
  const path = join(t.records, `${name}.${level}`);
  return existsSync(path) ? readFileSync(path, "utf8").trim() : null;
}

/** The environment from scratch: nothing of the runner's (CI=true on CI!) reaches the pty. */
function ptyEnv(t: Tree, receiver: Receiver, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${dirname(BUN)}:/usr/bin:/bin`,
    TERM: "xterm",
    SHELL: "/bin/sh",
    LANG: "C.UTF-8",
    HOME: t.home,
    TEST_ARTIFACTS_DIR: t.artifacts,
    TELEMETRY_OUTBOX_DIR: t.outbox,
    TELEMETRY_ENDPOINT: receiver.url,
    ...extra,
  };
}

const matrixArgv = (t: Tree, ...extra: string[]) => [
  BUN,
  "scripts/run-matrix.ts",
  "static",
  ...FIXTURES,
  "--scenarios-dir",
  t.scenarios,
  ...extra,
];

/** Processes whose environment names this tree (the command, its makes, background flushers). */
function processesOf(t: Tree): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "utf8").includes(t.root)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

afterEach(async () => {
  for (const session of live) {
    if (session.proc.exitCode === null) session.proc.kill("SIGKILL");
  }
  live.clear();
  for (const t of trees.splice(0)) {
    await stopBackgroundFlusher(t.outbox);
    for (const pid of processesOf(t)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await waitFor(() => processesOf(t).every((pid) => !running(pid)), 5_000, "leftover processes").catch(
      () => {},
    );
    rmSync(t.root, { recursive: true, force: true });
  }
});

beforeAll(() => {
  expect(Bun.which("script")).not.toBeNull();
  // The phrase counted below really is the start of the question.
  expect(PROMPT_MESSAGE.startsWith(PHRASE)).toBe(true);
});

// ---- the root under test: a matrix of four scenarios ----------------------------------------

describe("run-matrix under a pty", () => {
  test("asks exactly once for four scenarios; Enter (default Yes) enables telemetry for all", async () => {
    const t = tree();
    const receiver = scope.receiver();
    const session = pty(matrixArgv(t), ptyEnv(t, receiver));
    await answer(session, "\r");
    const code = await session.exited();
    const out = session.output();

    expect(code).toBe(0);
    expect(promptCount(out)).toBe(1);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("true");
    expect(plain(out)).toContain("[PASS] fx-alpha scenario-test-static");

    // started + completed for the matrix and for each of the four scenarios.
    await waitFor(() => receiver.requests.length >= 10, 15_000, "ten events at the receiver");
    const bodies = receiver.bodies() as Array<{
      event_name: string;
      session_id: string;
      run_id: string;
      parent_run_id: string | null;
      command: { name: string; scenario: string | null };
    }>;
    expect(bodies).toHaveLength(10);
    expect(new Set(bodies.map((b) => b.session_id)).size).toBe(1);
    const matrix = bodies.filter((b) => b.command.name === "run-matrix");
    expect(matrix.map((b) => b.event_name).sort()).toEqual([
      "infra.command.completed",
      "infra.command.started",
    ]);
    const scenarios = bodies.filter((b) => b.command.name !== "run-matrix");
    expect(new Set(scenarios.map((b) => b.command.scenario))).toEqual(new Set(FIXTURES));
    for (const b of scenarios) expect(b.parent_run_id).toBe(matrix[0]?.run_id ?? "missing");
  });

  test('"n" declines for the whole matrix: every scenario sees false, nothing sent or queued', async () => {
    const t = tree();
    const receiver = scope.receiver();
    const session = pty(matrixArgv(t), ptyEnv(t, receiver));
    await answer(session, "n");
    const code = await session.exited();

    expect(code).toBe(0);
    expect(promptCount(session.output())).toBe(1);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("false");
    await Bun.sleep(300); // a late (background) delivery would show up here
    expect(receiver.requests).toHaveLength(0);
    expect(existsSync(t.outbox)).toBe(false);
  });

  test("Ctrl-C at the prompt aborts with 130 and writes nothing", async () => {
    const t = tree();
    const receiver = scope.receiver();
    const session = pty(matrixArgv(t), ptyEnv(t, receiver));
    await answer(session, "\x03");
    const code = await session.exited();

    expect(code).toBe(130);
    expect(promptCount(session.output())).toBe(1);
    expect(filesUnder(t.artifacts)).toEqual([]);
    expect(existsSync(t.outbox)).toBe(false);
    expect(readdirSync(t.records)).toEqual([]);
    expect(receiver.requests).toHaveLength(0);
  });

  const decided: Array<[string, Record<string, string>, string[], "true" | "false"]> = [
    ["TELEMETRY_ENABLED=true", { TELEMETRY_ENABLED: "true" }, [], "true"],
    ["--telemetry disable", {}, ["--telemetry", "disable"], "false"],
    ["DO_NOT_TRACK=1", { DO_NOT_TRACK: "1" }, [], "false"],
    ["CI=true", { CI: "true" }, [], "false"],
  ];
  for (const [label, extraEnv, extraArgs, expected] of decided) {
    test(`${label}: no prompt, every scenario sees TELEMETRY_ENABLED=${expected}`, async () => {
      const t = tree();
      const receiver = scope.receiver();
      const session = pty(matrixArgv(t, ...extraArgs), ptyEnv(t, receiver, extraEnv));
      const code = await exitWithoutAnswering(session);

      expect(promptCount(session.output())).toBe(0);
      expect(code).toBe(0);
      for (const name of FIXTURES) expect(recorded(t, name)).toBe(expected);
      if (expected === "true") {
        await waitFor(() => receiver.requests.length >= 10, 15_000, "ten events at the receiver");
      } else {
        await Bun.sleep(300);
        expect(receiver.requests).toHaveLength(0);
        expect(existsSync(t.outbox)).toBe(false);
      }
    });
  }
});

// ---- pk3s-run-matrix consent, and make test-matrix-all asking once for three levels --------

describe("pk3s-run-matrix consent under a pty", () => {
  test("draws the question on stderr and prints true after Enter", async () => {
    const t = tree();
    const receiver = scope.receiver();
    // stdout goes to a file, as in `TELEMETRY_ENABLED=$(pk3s-run-matrix consent)`: the question must
    // still reach the terminal, so it can only have come through stderr.
    const answerFile = join(t.root, "answer");
    const session = pty(
      ["/bin/sh", "-c", `exec ${shq(BUN)} scripts/run-matrix.ts consent > ${shq(answerFile)}`],
      ptyEnv(t, receiver),
    );
    await answer(session, "\r");
    const code = await session.exited();

    expect(code).toBe(0);
    expect(promptCount(session.output())).toBe(1);
    expect(readFileSync(answerFile, "utf8")).toBe("true\n");
  });

  test("on the terminal's stdout the answer follows the question", async () => {
    const t = tree();
    const receiver = scope.receiver();
    const session = pty([BUN, "scripts/run-matrix.ts", "consent"], ptyEnv(t, receiver));
    await answer(session, "\r");
    expect(await session.exited()).toBe(0);
    const lines = plain(session.output()).trim().split(/\r?\n/);
    expect(lines.at(-1)?.trim()).toBe("true");
    expect(promptCount(session.output())).toBe(1);
  });

  test("make test-matrix-all asks once for static, contract and live", async () => {
    const t = tree();
    const receiver = scope.receiver();
    const session = pty(
      ["make", "-C", REPO, "test-matrix-all", `SCENARIOS=${FIXTURES.join(" ")}`],
      ptyEnv(t, receiver, { PK3S_SCENARIOS_DIR: t.scenarios }),
    );
    await answer(session, "\r");
    const code = await session.exited(90_000);
    const out = session.output();

    expect(promptCount(out)).toBe(1);
    expect(code).toBe(0);
    for (const level of ["static", "contract", "live"]) {
      for (const name of FIXTURES) expect(recorded(t, name, level)).toBe("true");
    }
    // Three matrices, each one summary under the temp artifacts dir.
    const summaries = readdirSync(t.artifacts).filter((f) => f.endsWith("-summary.json"));
    expect(summaries).toHaveLength(3);
  });
});
