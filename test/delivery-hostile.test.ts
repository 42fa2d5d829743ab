// Delivery does what the server says and nothing else (docs/privacy-and-telemetry.md › Delivery):
// redirects are never followed, a 2xx counts when its status arrives whatever the body does,
// a long Retry-After is remembered so later commands do not knock, a pass stops after repeated
// failures, problems are named (refused, timed out, TLS), an unfit token is never sent and a
// short one does not cost events. Real loopback servers (HTTP, raw TCP, TLS) and real processes.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { redactSecrets, registerSecret } from "../lib/cli/log.ts";
import { deliver, networkProblem } from "../lib/telemetry/delivery.ts";
import { outboxReport } from "../lib/telemetry/delivery-state.ts";
import { containsToken, type DeliveryConfig, TOKEN_UNFIT } from "../lib/telemetry/request.ts";
import { parseSettings } from "../lib/telemetry/settings.ts";
import { makeEvent, queueEvents } from "./support/events.ts";
import { backgroundFlushers, flushersDone } from "./support/hostile.ts";
import { refusedPort } from "./support/receiver.ts";
import { baseEnv, counts, linesWith, REPO, run, waitFor } from "./support/run.ts";
import { withSandbox } from "./support/sandbox.ts";
import { useScope } from "./support/scope.ts";

const scope = useScope();
const STARTED = ["infra.command.started", "--command", "run-scenario", "--result", "started"];

function config(endpoint: string, overrides: Partial<DeliveryConfig> = {}): DeliveryConfig {
  return {
    endpoint,
    marker: "pk3s-public-v1",
    token: null,
    userAgent: "pk3s-test",
    maxRetries: 3,
    connectTimeoutSeconds: 2,
    requestTimeoutSeconds: 30,
    ...overrides,
  };
}

describe("redirects are never followed", () => {
  test.each([301, 302, 307, 308])(
    "%d: the event stays queued, the target never sees it, said once",
    async (status) => {
      const dirs = scope.dirs();
      const target = scope.receiver();
      const redirecting = scope.receiver({
        behaviour: () => ({ status, headers: { location: target.url } }),
      });
      const events = await queueEvents(dirs.outbox, 3);
      const env = baseEnv(dirs, {
        TELEMETRY_ENDPOINT: redirecting.url,
        TELEMETRY_BEARER_TOKEN: "tok-redirect-1a2b3c4d",
      });
      const result = await run("flush", ["--concurrency", "1"], env);
      expect(result.code).toBe(0);
      expect(counts(result.stdout)).toEqual({ delivered: 0, kept: 3, rejected: 0, quarantined: 0 });
      expect(redirecting.requests).toHaveLength(1); // one knock, then the pass stops
      expect(target.requests).toHaveLength(0);
      const said = linesWith(result.stderr, "redirects");
      expect(said).toHaveLength(1);
      expect(said[0]).toContain(`endpoint redirects (${status})`);
      expect(result.stderr).toContain("2 more event(s) not tried");
      expect(result.stderr).not.toContain(String(target.port)); // the status, never the Location
      expect(dirs.list("pending")).toEqual(events.map((e) => `${e.event_id}.json`));
      const report = outboxReport(dirs.outbox);
      expect(report.queued).toBe(3);
      expect(report.lastProblem).toMatchObject({ kind: "redirect", status });
      expect(JSON.stringify(report)).not.toContain(String(redirecting.port));
    },
  );
});

describe("a 2xx is a delivery when its status arrives; no body is read", () => {
  test("200 followed by a body that never ends: delivered (not timed out)", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      idleTimeout: 0,
      fetch: () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode("partial"));
              // never closed: a client that waits for the body waits for ever
            },
          }),
          { status: 200 },
        ),
    });
    scope.defer(() => server.stop(true));
    const outcome = await deliver(
      makeEvent(),
      config(`http://127.0.0.1:${server.port}/t`, { maxRetries: 1 }),
    );
    expect(outcome).toEqual({ kind: "delivered", status: 200, attempts: 1 });
  });

  test("200 with a 50 MB body: delivered, and the body is not taken in", async () => {
    const total = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 97);
    let written = 0;
    let closed = false;
    const pump = (socket: { write(data: Uint8Array): number }) => {
      while (written < total) {
        const n = socket.write(chunk);
        written += n;
        if (n < chunk.length) return; // wait for drain
      }
    };
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket) {
          if (written > 0) return;
          socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${total}\r\n\r\n`);
          pump(socket);
        },
        drain: (socket) => pump(socket),
        close: () => {
          closed = true;
        },
      },
    });
    scope.defer(() => listener.stop(true));
    const outcome = await deliver(
      makeEvent(),
      config(`http://127.0.0.1:${listener.port}/t`, { maxRetries: 1 }),
    );
    expect(outcome).toEqual({ kind: "delivered", status: 200, attempts: 1 });
    await waitFor(() => closed, 20_000, "the client to drop the connection");
    expect(written).toBeLessThan(total); // it stopped reading: the rest was never sent
  });
});

describe("Retry-After longer than a flush may wait is remembered", () => {
  test("429 with Retry-After: 3600: one request; later flushes and emits do not knock again", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ statuses: [429], headers: { "retry-after": "3600" } });
    await queueEvents(dirs.outbox, 2);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url, TELEMETRY_ENABLED: "true" });
    const first = await run("flush", ["--concurrency", "1"], env);
    expect(counts(first.stdout)).toMatchObject({ delivered: 0, kept: 2 });
    expect(receiver.requests).toHaveLength(1);
    expect(first.stderr).toContain("the endpoint asked to wait until");
    const report = outboxReport(dirs.outbox);
    expect(report.lastProblem).toMatchObject({ kind: "wait" });
    const until = Date.parse(report.retryAfterUntil ?? "");
    const asked = Date.parse(report.lastProblem?.at ?? "") + 3600_000;
    expect(Math.abs(until - asked)).toBeLessThan(60_000); // the time the server gave, not a cap
    // The state file holds times and a kind: no endpoint, no body.
    const state = readFileSync(join(dirs.outbox, "state.json"), "utf8");
    expect(state).not.toContain(String(receiver.port));

    for (let i = 0; i < 3; i++) expect((await run("emit", STARTED, env)).code).toBe(0);
    await flushersDone(dirs.outbox);
    const again = await run("flush", [], env);
    expect(again.code).toBe(0);
    expect(counts(again.stdout)).toMatchObject({ delivered: 0, kept: 5 });
    expect(again.stderr).toContain("the endpoint asked to wait until");
    expect(receiver.requests).toHaveLength(1);
  });
});

describe("repeated failures stop a pass; problems are named", () => {
  test("an endpoint that never answers: two timed-out events, then the pass stops", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ hang: true });
    await queueEvents(dirs.outbox, 6);
    const env = baseEnv(dirs, {
      TELEMETRY_ENDPOINT: receiver.url,
      TELEMETRY_MAX_RETRIES: "1",
      TELEMETRY_REQUEST_TIMEOUT_SECONDS: "0.3",
    });
    const result = await run("flush", ["--concurrency", "1"], env);
    expect(result.code).toBe(0);
    expect(counts(result.stdout)).toEqual({ delivered: 0, kept: 6, rejected: 0, quarantined: 0 });
    expect(receiver.requests).toHaveLength(2);
    expect(result.stderr).toContain(
      "2 event(s) kept for a later flush: request timed out (no answer within 0.3s)",
    );
    expect(result.stderr).toContain("4 more event(s) not tried in this pass after repeated failures");
    expect(outboxReport(dirs.outbox).lastProblem).toMatchObject({ kind: "timeout" });
  });

  test("a refused connection is said as such, at once (no 'within 5s')", async () => {
    const dirs = scope.dirs();
    await queueEvents(dirs.outbox, 1);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: `http://127.0.0.1:${refusedPort()}/t` });
    const result = await run("flush", [], env);
    expect(result.stderr.trim()).toBe(
      "pk3s-flush: warning: endpoint not reachable (connection refused): 1 event(s) stay queued",
    );
    expect(outboxReport(dirs.outbox).lastProblem).toMatchObject({ kind: "refused" });
  });

  test("a self-signed TLS endpoint: TLS certificate problem", async () => {
    const dirs = scope.dirs();
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: {
        cert: readFileSync(join(REPO, "test/testdata/selfsigned-cert.pem"), "utf8"),
        key: readFileSync(join(REPO, "test/testdata/selfsigned-key.pem"), "utf8"),
      },
      fetch: () => new Response("", { status: 202 }),
    });
    scope.defer(() => server.stop(true));
    await queueEvents(dirs.outbox, 1);
    const env = baseEnv(dirs, {
      TELEMETRY_ENDPOINT: `https://127.0.0.1:${server.port}/t`,
      TELEMETRY_MAX_RETRIES: "1",
    });
    const result = await run("flush", [], env);
    expect(counts(result.stdout)).toMatchObject({ delivered: 0, kept: 1 });
    expect(result.stderr).toContain("1 event(s) kept for a later flush: TLS certificate problem");
    expect(outboxReport(dirs.outbox).lastProblem).toMatchObject({ kind: "tls" });
  });

  test.each([
    ["ECONNREFUSED", "refused"],
    ["ENOTFOUND", "unresolved"],
    ["EAI_AGAIN", "unresolved"],
    ["ETIMEDOUT", "timeout"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "tls"],
    ["SELF_SIGNED_CERT_IN_CHAIN", "tls"],
    ["CERT_HAS_EXPIRED", "tls"],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "tls"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "tls"],
    ["ECONNRESET", "other"],
    [undefined, "other"],
  ] as const)("error code %p is %p", (code, kind) => {
    expect(networkProblem(code)).toBe(kind);
  });
});

describe("the bearer token", () => {
  test("with a line break: one warning at start naming the variable, nothing sent, the token never shown", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    await queueEvents(dirs.outbox, 2);
    const token = "tok-split-9f8e\r\nX-Injected: yes";
    const result = await run(
      "flush",
      [],
      baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url, TELEMETRY_BEARER_TOKEN: token }),
    );
    expect(result.code).toBe(0);
    expect(
      linesWith(result.stderr, "TELEMETRY_BEARER_TOKEN has characters an HTTP header cannot carry"),
    ).toHaveLength(2);
    expect(result.stderr.split("\n")[0]).toBe(`pk3s-flush: warning: ${TOKEN_UNFIT}`);
    expect(counts(result.stdout)).toMatchObject({ delivered: 0, kept: 2 });
    expect(receiver.requests).toHaveLength(0);
    expect(result.stderr).not.toContain("tok-split-9f8e");
    expect(parseSettings({ TELEMETRY_BEARER_TOKEN: "tøken-non-ascii-1234" }).warnings).toEqual([TOKEN_UNFIT]);
  });

  test("pk3s-emit with an unfit token: the one warning, the event kept, no background flusher", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    const env = baseEnv(dirs, {
      TELEMETRY_ENABLED: "true",
      TELEMETRY_ENDPOINT: receiver.url,
      TELEMETRY_BEARER_TOKEN: "tok\u0007bell-1234",
    });
    const result = await run("emit", STARTED, env);
    expect(result.code).toBe(0);
    expect(result.stderr.trim().split("\n")).toEqual([`pk3s-emit: warning: ${TOKEN_UNFIT}`]);
    expect(dirs.list("pending")).toHaveLength(1);
    expect(backgroundFlushers(dirs.outbox)).toEqual([]);
    expect(receiver.requests).toHaveLength(0);
  });

  test.each(["7", "a1", "0193"])(
    "a very short token %p drops no event and is sent as given",
    async (token) => {
      const dirs = scope.dirs();
      const receiver = scope.receiver();
      const env = baseEnv(dirs, {
        TELEMETRY_ENABLED: "true",
        TELEMETRY_ENDPOINT: receiver.url,
        TELEMETRY_BEARER_TOKEN: token,
      });
      for (let i = 0; i < 3; i++) {
        const result = await run("emit", STARTED, env);
        expect(result.code).toBe(0);
        expect(result.stderr).toBe("");
      }
      await waitFor(() => receiver.requests.length >= 3, 15_000, "three events");
      await flushersDone(dirs.outbox);
      expect(receiver.requests).toHaveLength(3);
      for (const request of receiver.requests) expect(request.headers.authorization).toBe(`Bearer ${token}`);
    },
  );

  test.each([
    ["tok-1234567", "id 0193-tok-1234567-ab", false],
    ["tok-1234567", "Bearer tok-1234567.", true],
    ["tok-1234567", "token=tok-1234567", true],
    ["tok-1234567", '"tok-1234567"', true],
    ["tok-1234567", "xtok-1234567", false],
    ["abcdef12", "019a2b3c-abcdef12-7000", false],
    ["abc", "abc", false], // too short to look for at all
  ] as const)("token %p in %p: a whole-token match is %p", (token, text, found) => {
    expect(containsToken(text, token)).toBe(found);
    registerSecret(token);
    expect(redactSecrets(text) !== text).toBe(found);
  });
});

describe("the run that saw its deliveries fail says so once, at the end", () => {
  test("connection refused: one line with how many, why, and where to look", () =>
    withSandbox(async (sb) => {
      // The recipe waits until the inline delivery of the started event has failed (its problem
      // is in the outbox state), so the order is fixed by an event, not by a delay.
      const state = join(sb.dirs.outbox, "state.json");
      sb.scenario("waits", {
        "scenario-test-static": [
          `@until grep -q refused "${state}" 2>/dev/null; do sleep 0.05; done; echo done`,
        ],
      });
      const r = await sb.run("run-scenario", ["static", "waits", "--scenarios-dir", sb.scenarios], {
        TELEMETRY_ENABLED: "true",
      });
      expect(r.code).toBe(0);
      const said = linesWith(r.stderr, "telemetry event(s) queued");
      expect(said).toEqual([
        "pk3s-run-scenario: warning: 2 telemetry event(s) queued, not delivered (connection refused); they stay queued for a later flush — see `pk3s-run-matrix telemetry status`",
      ]);
    }));

  test("an answering endpoint: nothing is said", () =>
    withSandbox(async (sb) => {
      const receiver = scope.receiver();
      sb.scenario("quick", { "scenario-test-static": ["@echo done"] });
      const r = await sb.run("run-scenario", ["static", "quick", "--scenarios-dir", sb.scenarios], {
        TELEMETRY_ENABLED: "true",
        TELEMETRY_ENDPOINT: receiver.url,
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      await waitFor(() => receiver.requests.length >= 2, 15_000, "both events");
    }));
});
