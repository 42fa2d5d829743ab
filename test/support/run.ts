// Running the repo's scripts as real subprocesses, in a clean environment of their own:
// every TELEMETRY_*, DO_NOT_TRACK, CI-ish and proxy variable of the test runner removed, and a
// private temp HOME / XDG_STATE_HOME / TELEMETRY_OUTBOX_DIR per test, so tests never share an
// outbox (background flushers are detached and outlive the script that started them).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { waiterPid } from "../../lib/telemetry/background.ts";
import { Outbox } from "../../lib/telemetry/outbox.ts";

export const REPO = resolve(import.meta.dir, "..", "..");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the process, in milliseconds. */
  ms: number;
  pid: number;
}

export type Env = Record<string, string>;

const CI_EXACT = new Set([
  "CI",
  "CONTINUOUS_INTEGRATION",
  "BUILD_ID",
  "BUILD_NUMBER",
  "RUN_ID",
  "TF_BUILD",
  "JENKINS_URL",
  "TEAMCITY_VERSION",
  "BUILDKITE",
  "CIRCLECI",
  "TRAVIS",
  "GITLAB_CI",
  "APPVEYOR",
  "DRONE",
  "SEMAPHORE",
  "NETLIFY",
  "VERCEL",
  "NOW_BUILDER",
  "CODESANDBOX_SSE",
  "STACKBLITZ",
  "HUDSON_URL",
  "BITRISE_IO",
  "CF_PAGES",
  "RENDER",
  "CIRRUS_CI",
  "WOODPECKER",
  "HEROKU_TEST_RUN_ID",
  "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI",
  "DO_NOT_TRACK",
]);
const CI_PREFIXES = [
  "TELEMETRY_",
  "GITHUB_",
  "GITLAB_",
  "RUNNER_",
  "BUILDKITE_",
  "CIRCLE_",
  "TRAVIS_",
  "JENKINS_",
  "BITBUCKET_",
  "CODEBUILD_",
  "DRONE_",
  "APPVEYOR_",
  "AZURE_",
  "TEAMCITY_",
  "CI_",
];
const PROXIES = new Set(["http_proxy", "https_proxy", "all_proxy", "no_proxy"]);

/** A private temp tree for one test: root/{home,state,config,outbox}. */
export class TestDirs {
  readonly root: string;
  readonly home: string;
  readonly state: string;
  /** XDG_CONFIG_HOME: remembered telemetry answers never touch the real ~/.config. */
  readonly config: string;
  readonly outbox: string;

  constructor(prefix = "pk3s-test-") {
    this.root = mkdtempSync(join(tmpdir(), prefix));
    this.home = join(this.root, "home");
    this.state = join(this.root, "state");
    this.config = join(this.root, "config");
    this.outbox = join(this.root, "outbox");
  }

  box(): Outbox {
    return new Outbox(this.outbox);
  }

  /** Files of one outbox area (pending, claimed, dead-letter, quarantine, tmp). */
  list(area: string): string[] {
    try {
      return readdirSync(join(this.outbox, area)).sort();
    } catch {
      return [];
    }
  }

  /** Kill this test's background flusher (if any) and remove the tree. */
  async cleanup(): Promise<void> {
    await stopBackgroundFlusher(this.outbox);
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * The runner's environment minus TELEMETRY_*, DO_NOT_TRACK, CI markers and proxies, with a
 * private HOME, XDG_STATE_HOME, XDG_CONFIG_HOME and TELEMETRY_OUTBOX_DIR; `extra` is applied last (a value of
 * undefined removes the variable again).
 */
export function baseEnv(dirs: TestDirs, extra: Record<string, string | undefined> = {}): Env {
  const env: Env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (CI_EXACT.has(key) || PROXIES.has(key.toLowerCase())) continue;
    if (CI_PREFIXES.some((p) => key.startsWith(p))) continue;
    env[key] = value;
  }
  env.HOME = dirs.home;
  env.XDG_STATE_HOME = dirs.state;
  env.XDG_CONFIG_HOME = dirs.config;
  env.TELEMETRY_OUTBOX_DIR = dirs.outbox;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export function scriptArgv(name: string, args: string[]): string[] {
  return [process.execPath, `scripts/${name}.ts`, ...args];
}

/** Start a script without waiting for it. */
export function start(name: string, args: string[], env: Env): Subprocess<"ignore", "pipe", "pipe"> {
  return Bun.spawn(scriptArgv(name, args), {
    cwd: REPO,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Wait for a started script and collect what it printed. */
export async function finish(
  proc: Subprocess<"ignore", "pipe", "pipe">,
  startedAt = performance.now(),
): Promise<RunResult> {
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr, ms: performance.now() - startedAt, pid: proc.pid };
}

/** Run a script to completion; killed (and the test failed by the caller) after `timeoutMs`. */
export async function run(name: string, args: string[], env: Env, timeoutMs = 30_000): Promise<RunResult> {
  const startedAt = performance.now();
  const proc = start(name, args, env);
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  try {
    return await finish(proc, startedAt);
  } finally {
    clearTimeout(timer);
  }
}

/** Poll until `predicate` holds; throws with `what` when it does not within `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = "condition",
  intervalMs = 20,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(intervalMs);
  }
}

/** Is `pid` a running (not exited, not zombie) process? */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Pid in the outbox's background-flusher lock file, if any. */
export function lockPid(outboxDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(outboxDir, "flusher.lock"), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Kill (by pid) the background flushers this test's outbox names (holder, waiter), if running. */
export async function stopBackgroundFlusher(outboxDir: string): Promise<void> {
  for (const pid of [lockPid(outboxDir), waiterPid(outboxDir)]) {
    if (pid === null || !running(pid) || !isOurFlusher(pid)) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      continue;
    }
    await waitFor(() => !running(pid), 5_000, `background flusher ${pid} to die`).catch(() => {});
  }
}

/** The command line of `pid` as its arguments (empty when unreadable). */
export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

function isOurFlusher(pid: number): boolean {
  return cmdline(pid).some((arg) => arg.startsWith(join(REPO, "scripts")) || arg.startsWith("scripts/"));
}

/** Pids of live processes whose command line runs one of the repo's scripts. */
export function scriptProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (running(pid) && isOurFlusher(pid)) pids.push(pid);
  }
  return pids;
}

/** Every regular file under `dir` (recursive). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(d, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) out.push(path);
    }
  };
  walk(dir);
  return out;
}

/** Parse a flush counts line: "delivered=1 kept=0 rejected=0 quarantined=0". */
export function counts(stdout: string): Record<string, number> {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  return Object.fromEntries(
    line
      .split(/\s+/)
      .filter((part) => part.includes("="))
      .map((part) => {
        const [key, value] = part.split("=");
        return [key as string, Number(value)];
      }),
  );
}

/** Lines of `text` that mention `needle`. */
export function linesWith(text: string, needle: string): string[] {
  return text.split("\n").filter((line) => line.includes(needle));
}
