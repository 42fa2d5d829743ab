// The bearer token must never be written to disk, printed, put in a body or on a command line
// (docs/privacy-and-telemetry.md › Usage events). A recognisable canary token and fake identity values ride through every emit and
// flush mode; afterwards everything the runs wrote, printed and sent is searched for them.
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ageBeyondWriteGrace, queueEvents } from "./support/events.ts";
import type { RecordedRequest } from "./support/receiver.ts";
import {
  baseEnv,
  cmdline,
  counts,
  filesUnder,
  finish,
  lockPid,
  type RunResult,
  run,
  running,
  scriptProcesses,
  start,
  type TestDirs,
  waitFor,
} from "./support/run.ts";
import { useScope } from "./support/scope.ts";

const scope = useScope();
const CANARY = "tok-CANARY-9f8e7d6c5b4a";
const FAKE = {
  USER: "canary-user-q7x",
  LOGNAME: "canary-user-q7x",
  HOSTNAME: "canary-host-q7x.corp.example",
};
const COMPLETED = [
  "infra.command.completed",
  "--command",
  "run-matrix",
  "--result",
  "failed",
  "--level",
  "live",
  "--duration-ms",
  "42",
];

function canaryEnv(dirs: TestDirs, endpoint: string, extra: Record<string, string> = {}) {
  return baseEnv(dirs, {
    ...FAKE,
    TELEMETRY_ENABLED: "true",
    TELEMETRY_ENDPOINT: endpoint,
    TELEMETRY_BEARER_TOKEN: CANARY,
    ...extra,
  });
}

/** Nothing the runs left on disk, printed or sent carries the token (except where allowed). */
function assertNoLeak(dirs: TestDirs, outputs: RunResult[], requests: RecordedRequest[]): void {
  const files = filesUnder(dirs.root);
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const content = readFileSync(file, "latin1");
    if (content.includes(CANARY)) throw new Error(`token written to ${file}`);
  }
  for (const output of outputs) {
    expect(output.stdout).not.toContain(CANARY);
    expect(output.stderr).not.toContain(CANARY);
  }
  for (const request of requests) {
    expect(request.headers.authorization).toBe(`Bearer ${CANARY}`);
    for (const [name, value] of Object.entries(request.headers)) {
      if (name !== "authorization") expect(value).not.toContain(CANARY);
    }
    expect(request.path).not.toContain(CANARY);
    expect(request.body).not.toContain(CANARY);
    for (const identity of [FAKE.USER, FAKE.HOSTNAME, dirs.home, dirs.root]) {
      expect(request.body).not.toContain(identity);
    }
  }
}

/** Outbox files must not carry the fake identity either. */
function assertNoIdentityInOutbox(dirs: TestDirs): void {
  for (const file of filesUnder(dirs.outbox)) {
    const content = readFileSync(file, "utf8");
    for (const identity of [FAKE.USER, FAKE.HOSTNAME, dirs.home]) expect(content).not.toContain(identity);
  }
}

describe("the canary token", () => {
  test("emit and flush in every mode: the token only ever travels in the Authorization header", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const env = canaryEnv(dirs, receiver.url);
    const outputs: RunResult[] = [];
    const go = async (name: string, args: string[], e = env) => {
      const result = await run(name, args, e);
      outputs.push(result);
      return result;
    };

    // emit: delivered, previews, warnings
    expect((await go("emit", COMPLETED)).code).toBe(0);
    expect((await go("emit", [...COMPLETED, "--scenario", "multipass"])).code).toBe(0);
    expect((await go("emit", [...COMPLETED, "--dry-run"])).stdout).toContain("Authorization: Bearer ***");
    expect((await go("emit", COMPLETED, { ...env, TELEMETRY_DEBUG: "1" })).stdout).toContain("Bearer ***");
    await go("emit", COMPLETED, { ...env, TELEMETRY_MAX_RETRIES: "abc", TELEMETRY_TYPO_VAR: CANARY });
    // The token as a field value (a variable mix-up) must not leak through the event either:
    // it is replaced or the event dropped, and the command still succeeds.
    for (const extra of [[], ["--dry-run"]]) {
      const args = ["infra.command.started", "--command", CANARY, "--result", "started", ...extra];
      expect((await go("emit", args)).code).toBe(0);
    }

    // env: without the token in every format; --include-token is the one place it is asked for
    for (const format of ["shell", "dotenv", "json"]) {
      const result = await go("emit", ["env", "--format", format]);
      expect(result.stdout).toContain("TELEMETRY_SESSION_ID");
    }
    const withToken = await run("emit", ["env", "--format", "shell", "--include-token"], env);
    expect(withToken.stdout).toContain(`export TELEMETRY_BEARER_TOKEN='${CANARY}'`);
    expect(withToken.stderr).not.toContain(CANARY);

    await waitFor(
      () => dirs.list("pending").length === 0 && dirs.list("claimed").length === 0,
      15_000,
      "the emitted events to be delivered",
    );
    await waitFor(() => {
      const pid = lockPid(dirs.outbox);
      return pid === null || !running(pid);
    }, 15_000);

    // flush: dry-run, json, rejected (dead-letter), quarantined, refused, disabled, purge
    await queueEvents(dirs.outbox, 2);
    expect((await go("flush", ["--dry-run"])).stdout).toContain("Bearer ***");
    expect(JSON.parse((await go("flush", ["--json"])).stdout).delivered).toBe(2);
    receiver.behave({ statuses: [403] });
    await queueEvents(dirs.outbox, 1);
    writeFileSync(join(dirs.outbox, "pending", "0000-corrupt.json"), "{not json");
    ageBeyondWriteGrace(join(dirs.outbox, "pending", "0000-corrupt.json"));
    const rejected = await go("flush", [], { ...env, TELEMETRY_REQUEST_TIMEOUT_SECONDS: "0" });
    expect(counts(rejected.stdout)).toMatchObject({ rejected: 1, quarantined: 1 });
    expect(dirs.list("dead-letter")).toHaveLength(1);
    receiver.behave({ statuses: [202] });
    await queueEvents(dirs.outbox, 1);
    const refused = await go("flush", [], { ...env, TELEMETRY_ENDPOINT: "http://192.0.2.1:9/" });
    expect(refused.stderr).toContain("refusing to send the bearer token");
    await go("flush", ["--telemetry", "disable"]);
    await go("flush", [], { ...env, TELEMETRY_ENDPOINT: "ftp://x" });
    expect(counts((await go("flush", ["--purge"])).stdout)).toMatchObject({ purged: 1 });

    expect(receiver.requests.length).toBeGreaterThanOrEqual(5);
    assertNoLeak(dirs, outputs, receiver.requests);
    assertNoIdentityInOutbox(dirs);
  });

  test("never-answering endpoint: no process command line carries it, then flush delivers", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ hang: true });
    const env = canaryEnv(dirs, receiver.url, {
      TELEMETRY_REQUEST_TIMEOUT_SECONDS: "2",
      TELEMETRY_MAX_RETRIES: "1",
    });
    const outputs: RunResult[] = [];
    const seen = new Map<number, string[]>();
    const look = () => {
      for (const pid of scriptProcesses()) seen.set(pid, cmdline(pid));
    };

    const emit = start("emit", COMPLETED, env);
    let exited = false;
    const done = finish(emit).then((r) => {
      exited = true;
      return r;
    });
    while (!exited) {
      look();
      await Bun.sleep(2);
    }
    const emitted = await done;
    outputs.push(emitted);
    expect(emitted.code).toBe(0);

    // The background flusher is alive and stuck on the endpoint: inspect every command line.
    await waitFor(() => lockPid(dirs.outbox) !== null, 5_000, "a background flusher");
    const flusher = lockPid(dirs.outbox) as number;
    expect(running(flusher)).toBe(true);
    look();
    expect(seen.has(flusher)).toBe(true);
    expect(seen.get(flusher)?.join(" ")).toContain("scripts/emit.ts");
    for (const [pid, args] of seen) {
      if (args.join("\0").includes(CANARY)) throw new Error(`token on the command line of ${pid}`);
    }

    // It gives up after its one 2 s attempt; the event is back in pending, then delivered.
    await waitFor(() => !running(flusher), 15_000, "the background flusher to give up");
    expect(dirs.list("pending")).toHaveLength(1);
    receiver.behave({ statuses: [202] });
    receiver.release();
    const flushed = await run("flush", [], env);
    outputs.push(flushed);
    expect(counts(flushed.stdout)).toMatchObject({ delivered: 1 });
    expect(dirs.list("pending")).toEqual([]);
    // the background flusher's held attempt, then the flush's delivery
    expect(receiver.requests.length).toBeGreaterThanOrEqual(2);

    assertNoLeak(dirs, outputs, receiver.requests);
    assertNoIdentityInOutbox(dirs);
  });

  test("under a fake identity (unshare -u): the host name, in every spelling, and the user never leave the machine", async () => {
    expect(Bun.spawnSync(["unshare", "-u", "true"]).exitCode).toBe(0);
    const host = "canaryhostq7";
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const env = canaryEnv(dirs, receiver.url, {
      HOSTNAME: host,
      TELEMETRY_SESSION_ID: `${host}_build`,
      TELEMETRY_PARENT_RUN_ID: `ip-${host}.ec2.internal`,
      TELEMETRY_MARKER: host,
      TELEMETRY_USER_AGENT: `${host}/1.0`,
    });
    const fullwidth = [...host].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join("");
    const homoglyph = host.replace("a", "\u0430").replace("o", "\u043e");
    const outputs: RunResult[] = [];
    for (const [command, scenario] of [
      [host, `${host}-ci`],
      [host.toUpperCase(), `${FAKE.USER}`],
      [fullwidth, homoglyph],
      [`deploy-${host.replaceAll("-", "_")}`, `x%2F${host}`],
    ] as const) {
      const proc = Bun.spawn(
        [
          "unshare",
          "-u",
          "sh",
          "-c",
          `hostname ${host} && exec "$@"`,
          "sh",
          process.execPath,
          "scripts/emit.ts",
          "infra.command.completed",
          "--command",
          command,
          "--scenario",
          scenario,
          "--result",
          "failed",
        ],
        { cwd: join(import.meta.dir, ".."), env, stdout: "pipe", stderr: "pipe" },
      );
      const [stdout, stderr, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      outputs.push({ code, stdout, stderr, ms: 0, pid: proc.pid });
      expect(code).toBe(0);
    }
    await waitFor(() => receiver.requests.length >= 4, 15_000, "the four events to be delivered");
    await waitFor(() => {
      const pid = lockPid(dirs.outbox);
      return pid === null || !running(pid);
    }, 15_000);
    const sent = receiver.requests.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`).join("\n");
    const queued = filesUnder(dirs.outbox)
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    for (const text of [sent, queued]) {
      for (const form of [host, fullwidth, homoglyph, FAKE.USER])
        expect(text.toLowerCase()).not.toContain(form.toLowerCase());
    }
    for (const request of receiver.requests) {
      expect(request.headers["x-productive-k3s-telemetry"]).toBe("pk3s-public-v1");
      expect(request.headers["user-agent"]).not.toContain(host);
    }
    assertNoLeak(dirs, outputs, receiver.requests);
  });
});
