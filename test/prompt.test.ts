// The consent prompt under a REAL pseudo-terminal: `script` (util-linux) gives the command a pty,
// keystrokes are written only once the question is on screen, and the environment is built from
// scratch (no CI markers, no TELEMETRY_*, no DO_NOT_TRACK) so the runner's own CI=true cannot
// leak in. The consent rules (docs/privacy-and-telemetry.md): one question per command chain, default Yes, Ctrl-C aborts with 130 and
// nothing written, no question when the flag, the environment, DO_NOT_TRACK or CI decide.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { ExitError } from "../lib/cli/args.ts";
import {
  askConsent,
  CANCELLED_MESSAGE,
  endpointHost,
  InterruptedByKey,
  PROMPT_PHRASE,
  promptMessage,
} from "../lib/cli/prompt.ts";
import { DISCLOSURE_VERSION, WHAT_IS_SENT } from "../lib/telemetry/disclosure.ts";
import { answer, exitWithoutAnswering, killPtys, plain, promptCount, pty, shq } from "./support/pty.ts";
import type { Receiver } from "./support/receiver.ts";
import { filesUnder, finish, REPO, running, stopBackgroundFlusher, waitFor } from "./support/run.ts";
import { useScope } from "./support/scope.ts";

const BUN = process.execPath;
const FIXTURES = ["fx-alpha", "fx-beta", "fx-gamma", "fx-delta"];

// ---- per-test temp tree and fixture scenarios ----------------------------------------------

interface Tree {
  root: string;
  home: string;
  /** XDG_CONFIG_HOME: where the remembered answer (and productive-k3s-cli's config) live. */
  config: string;
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
    config: join(root, "config"),
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
    XDG_CONFIG_HOME: t.config,
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
  killPtys();
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
  expect(promptMessage("example.test").startsWith(PROMPT_PHRASE)).toBe(true);
});

// ---- askConsent driven through streams, as clack's own tests drive prompts ------------------

/** Answer the question with `keys` through an input stream; the frames land in `text`. */
async function askWith(keys: string, columns = 100) {
  const input = new PassThrough();
  let text = "";
  const output = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }),
    { columns, isTTY: false },
  );
  const asked = askConsent(promptMessage("telemetry.example.test"), { input, output });
  await waitFor(() => text.includes(PROMPT_PHRASE), 5_000, "the question");
  input.write(keys);
  try {
    return { answer: await asked, text: plain(text) };
  } catch (error) {
    return { error, text: plain(text) };
  }
}

describe("askConsent({ input, output })", () => {
  test.each([
    ["Enter takes the default Yes", "\r", true],
    ["y", "y", true],
    ["n", "n", false],
    ["an arrow toggles to No", "\u001b[C\r", false],
    ["two arrows toggle back to Yes", "\u001b[D\u001b[D\r", true],
  ])("%s", async (_label, keys, want) => {
    const { answer: got, text } = await askWith(keys);
    expect(got).toBe(want);
    expect(text).toContain(`\u25C7  ${PROMPT_PHRASE}`); // redrawn as answered
  });

  test("the question says what is sent, nested bootstraps, where events go, and how to change it", async () => {
    const { text } = await askWith("\r");
    for (const part of [
      WHAT_IS_SENT,
      "nested productive-k3s-core bootstraps",
      "Events go to telemetry.example.test.",
      "make telemetry-enable",
      "telemetry-reset",
      "TELEMETRY_ENABLED=true|false",
      "DO_NOT_TRACK=1",
    ]) {
      expect(text.replace(/\s*\n\u2502\s+/g, " ")).toContain(part);
    }
  });

  test("the endpoint is named by its host alone: never its path, query or credentials", () => {
    expect(endpointHost("https://user:secret@t.example.test:8443/ingest/v1?key=abc")).toBe(
      "t.example.test:8443",
    );
    expect(endpointHost(null)).toBeNull();
    expect(promptMessage(null)).toContain("No endpoint is configured");
  });

  test("Ctrl-C: a quiet ExitError(130) that ends by SIGINT, the cancelled frame says it once and shows no answer", async () => {
    const { error, text } = await askWith("\x03");
    expect(error).toBeInstanceOf(ExitError);
    expect(error).toBeInstanceOf(InterruptedByKey);
    const exit = error as InterruptedByKey;
    expect([exit.code, exit.quiet, exit.signal]).toEqual([130, true, "SIGINT"]);
    const cancelled = text.slice(text.lastIndexOf(`\u25A0  ${PROMPT_PHRASE}`));
    expect(cancelled.trim().endsWith(CANCELLED_MESSAGE)).toBe(true);
    expect(cancelled).not.toMatch(/\bYes\b|\bNo\b/);
    expect(text.split(CANCELLED_MESSAGE)).toHaveLength(2);
  });

  test("a terminal reporting 0 columns is drawn 80 wide, not one character per line", async () => {
    const { text } = await askWith("\r", 0);
    const lines = text.split("\n").filter((line) => line.startsWith("\u2502  "));
    expect(lines.length).toBeGreaterThan(3);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(80);
    expect(Math.max(...lines.map((line) => line.length))).toBeGreaterThan(60);
  });
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

  test("Ctrl-C at the prompt aborts with 130, one message, nothing written or remembered", async () => {
    const t = tree();
    const receiver = scope.receiver();
    const session = pty(matrixArgv(t), ptyEnv(t, receiver));
    await answer(session, "\x03");
    const code = await session.exited();
    const out = plain(session.output());

    expect(code).toBe(130);
    expect(promptCount(session.output())).toBe(1);
    // One message: the cancelled frame's own line — no second "error:" line, and the cancelled
    // question shows no answer (no "Yes" after the cancel marker).
    expect(out.split(CANCELLED_MESSAGE)).toHaveLength(2);
    expect(out).not.toContain("error");
    expect(out).not.toContain("aborted");
    const cancelled = out.slice(out.lastIndexOf(`\u25A0  ${PROMPT_PHRASE}`));
    expect(cancelled).toContain(CANCELLED_MESSAGE);
    expect(cancelled).not.toMatch(/\bYes\b/);
    expect(cancelled.trim().endsWith(CANCELLED_MESSAGE)).toBe(true);
    expect(filesUnder(t.artifacts)).toEqual([]);
    expect(existsSync(t.outbox)).toBe(false);
    expect(filesUnder(t.config)).toEqual([]);
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

describe("Ctrl-C at the question through a Make target", () => {
  // The question reads Ctrl-C as a key, so the terminal sends no SIGINT: the runner ends by
  // SIGINT itself, sent to its process group (make, what it started, the shell that started
  // make: all that the terminal's Ctrl-C reaches), so make is interrupted exactly as by a Ctrl-C
  // while scenarios run. The shell traps SIGINT to outlive make: it says how make ended
  // (130: killed by SIGINT), then shows the terminal's modes.
  test.each(["test-matrix-all", "test-static"])(
    "make %s: make is interrupted (Interrupt, 130 — never Error 130 and exit 2), nothing runs, the terminal is restored",
    async (target) => {
      const t = tree();
      const receiver = scope.receiver();
      const make = ["make", "--no-print-directory", "-C", REPO, target, `SCENARIOS=${FIXTURES.join(" ")}`];
      const session = pty(
        [
          "/bin/sh",
          "-c",
          `trap 'echo shell-got-int' INT; ${make.map(shq).join(" ")}; echo "make-exit=$?"; stty -a`,
        ],
        ptyEnv(t, receiver, { PK3S_SCENARIOS_DIR: t.scenarios }),
      );
      await answer(session, "\x03");
      expect(await session.exited(60_000)).toBe(0); // the shell's own exit: it outlived make
      const out = plain(session.output());

      expect(out).toContain("make-exit=130");
      expect(out).toMatch(new RegExp(`\\*\\*\\* \\[Makefile:\\d+: ${target}\\] Interrupt`));
      expect(out).not.toContain("Error 130");
      expect(out.split(CANCELLED_MESSAGE)).toHaveLength(2);
      expect(promptCount(session.output())).toBe(1);
      // The question left the terminal as it found it: line editing and Ctrl-C as a signal.
      const modes = out.slice(out.indexOf("make-exit=130"));
      expect(modes).toMatch(/(^|\s)icanon(\s|$)/m);
      expect(modes).toMatch(/(^|\s)isig(\s|$)/m);
      expect(modes).toMatch(/(^|\s)echo(\s|$)/m);
      // Nothing ran, nothing was written or remembered.
      expect(readdirSync(t.records)).toEqual([]);
      expect(filesUnder(t.artifacts)).toEqual([]);
      expect(filesUnder(t.config)).toEqual([]);
      expect(existsSync(t.outbox)).toBe(false);
      expect(receiver.requests).toHaveLength(0);
    },
    90_000,
  );
});

// ---- the remembered answer: asked once across runs, reset, a changed disclosure ------------

const decisionFile = (t: Tree) => join(t.config, "pk3s-infra-telemetry", "consent.json");

function clearRecords(t: Tree): void {
  for (const name of readdirSync(t.records)) rmSync(join(t.records, name));
}

/** Run the matrix under the pty; answer `keys` if given, else it must not ask. */
async function matrixRun(t: Tree, receiver: Receiver, keys?: string, extra: Record<string, string> = {}) {
  clearRecords(t);
  const session = pty(matrixArgv(t), ptyEnv(t, receiver, extra));
  if (keys !== undefined) await answer(session, keys);
  const code = keys === undefined ? await exitWithoutAnswering(session) : await session.exited();
  return { code, asked: promptCount(session.output()), out: plain(session.output()) };
}

/** `pk3s-run-matrix telemetry <action>` without a terminal. */
async function telemetry(t: Tree, receiver: Receiver, ...args: string[]) {
  const proc = Bun.spawn([BUN, "scripts/run-matrix.ts", "telemetry", ...args], {
    cwd: REPO,
    env: ptyEnv(t, receiver),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return finish(proc);
}

function writeDecision(t: Tree, record: unknown): void {
  mkdirSync(dirname(decisionFile(t)), { recursive: true, mode: 0o700 });
  writeFileSync(decisionFile(t), JSON.stringify(record), { mode: 0o600 });
}

describe("the remembered answer under a pty", () => {
  test("asked once across two separate runs: remembered (0600 in 0700, three fields) and used", async () => {
    const t = tree();
    const receiver = scope.receiver();
    const first = await matrixRun(t, receiver, "\r");
    expect([first.code, first.asked]).toEqual([0, 1]);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("true");

    expect(statSync(decisionFile(t)).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(decisionFile(t))).mode & 0o777).toBe(0o700);
    const record = JSON.parse(readFileSync(decisionFile(t), "utf8"));
    expect(Object.keys(record).sort()).toEqual(["decided_at", "disclosure_version", "enabled"]);
    expect(record).toMatchObject({ enabled: true, disclosure_version: DISCLOSURE_VERSION });
    expect(record.decided_at).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);

    const second = await matrixRun(t, receiver);
    expect([second.code, second.asked]).toEqual([0, 0]);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("true");
  });

  test("a remembered no is used; telemetry reset forgets it and the next run asks again", async () => {
    const t = tree();
    const receiver = scope.receiver();
    expect((await matrixRun(t, receiver, "n")).asked).toBe(1);
    const again = await matrixRun(t, receiver);
    expect([again.code, again.asked]).toEqual([0, 0]);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("false");

    const reset = await telemetry(t, receiver, "reset");
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain("the next run at a terminal asks again");
    expect(existsSync(decisionFile(t))).toBe(false);

    const third = await matrixRun(t, receiver, "\r");
    expect([third.code, third.asked]).toEqual([0, 1]);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("true");
    // The declined runs sent nothing: only the third run's ten events arrive.
    await waitFor(() => receiver.requests.length >= 10, 15_000, "ten events at the receiver");
    await Bun.sleep(300);
    expect(receiver.requests).toHaveLength(10);
  });

  test("an answer to an earlier disclosure asks again, and the new answer replaces it", async () => {
    const t = tree();
    const receiver = scope.receiver();
    writeDecision(t, {
      enabled: false,
      decided_at: "2026-01-01T00:00:00.000Z",
      disclosure_version: DISCLOSURE_VERSION - 1,
    });
    const run = await matrixRun(t, receiver, "\r");
    expect([run.code, run.asked]).toEqual([0, 1]);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("true");
    const record = JSON.parse(readFileSync(decisionFile(t), "utf8"));
    expect(record).toMatchObject({ enabled: true, disclosure_version: DISCLOSURE_VERSION });
  });

  test("telemetry enable / disable decide later runs at a terminal without asking", async () => {
    const t = tree();
    const receiver = scope.receiver();
    expect((await telemetry(t, receiver, "disable")).code).toBe(0);
    const off = await matrixRun(t, receiver);
    expect([off.code, off.asked]).toEqual([0, 0]);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("false");
    expect((await telemetry(t, receiver, "enable")).code).toBe(0);
    const on = await matrixRun(t, receiver);
    expect([on.code, on.asked]).toEqual([0, 0]);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("true");
  });

  test("a remembered yes never turns on a non-interactive run (no terminal, or CI at one)", async () => {
    const t = tree();
    const receiver = scope.receiver();
    expect((await telemetry(t, receiver, "enable")).code).toBe(0);
    // stdin not a terminal
    const proc = Bun.spawn(matrixArgv(t), {
      cwd: REPO,
      env: ptyEnv(t, receiver),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await proc.exited).toBe(0);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("false");
    // a terminal, but CI
    const ci = await matrixRun(t, receiver, undefined, { CI: "true" });
    expect([ci.code, ci.asked]).toEqual([0, 0]);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("false");
    await Bun.sleep(300);
    expect(receiver.requests).toHaveLength(0);
  });

  test("productive-k3s-cli's answer counts when Infra has none; nothing else of its file shows", async () => {
    const t = tree();
    const receiver = scope.receiver();
    const token = "tok-CANARY-cli-config-7731";
    mkdirSync(join(t.config, "productive-k3s-cli"), { recursive: true });
    writeFileSync(
      join(t.config, "productive-k3s-cli", "config.json"),
      JSON.stringify({ auth: { token }, telemetry: { enabled: true, endpoint: "https://cli.example" } }),
      { mode: 0o600 },
    );
    const run = await matrixRun(t, receiver);
    expect([run.code, run.asked]).toEqual([0, 0]);
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("true");
    expect(existsSync(decisionFile(t))).toBe(false); // not copied: the CLI's answer stays the CLI's
    expect(run.out).not.toContain(token);
    await waitFor(() => receiver.requests.length >= 10, 15_000, "ten events at the receiver");
    expect(JSON.stringify(receiver.requests.map((r) => r.body))).not.toContain(token);
  });

  test("a decision file that is a symlink is neither followed nor written through", async () => {
    const t = tree();
    const receiver = scope.receiver();
    const elsewhere = join(t.root, "elsewhere.json");
    const planted = JSON.stringify({
      enabled: true,
      decided_at: "2026-12-01T00:00:00.000Z",
      disclosure_version: 1,
    });
    writeFileSync(elsewhere, planted, { mode: 0o600 });
    mkdirSync(dirname(decisionFile(t)), { recursive: true, mode: 0o700 });
    symlinkSync(elsewhere, decisionFile(t));

    const run = await matrixRun(t, receiver, "n");
    expect([run.code, run.asked]).toEqual([0, 1]); // the planted yes was not used
    for (const name of FIXTURES) expect(recorded(t, name)).toBe("false");
    expect(readFileSync(elsewhere, "utf8")).toBe(planted);
    expect(lstatSync(decisionFile(t)).isFile()).toBe(true); // replaced by a file of our own
    expect(JSON.parse(readFileSync(decisionFile(t), "utf8")).enabled).toBe(false);
  });
});
