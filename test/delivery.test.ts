// Delivery (docs/privacy-and-telemetry.md › Usage events): the pure rules, deliver() against a real loopback receiver, and the same
// behaviour end to end through a real `pk3s-flush` process.
import { describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import {
  backoffMs,
  classifyStatus,
  deliver,
  parseRetryAfter,
  reachable,
  retryDelay,
} from "../lib/telemetry/delivery.ts";
import { outboxReport } from "../lib/telemetry/delivery-state.ts";
import { type DeliveryConfig, plainHttpProxied, tokenAllowed } from "../lib/telemetry/request.ts";
import { makeEvent, queuedText, queueEvents } from "./support/events.ts";
import { connectionsSoFar } from "./support/hostile.ts";
import { refusedPort } from "./support/receiver.ts";
import { baseEnv, counts, linesWith, REPO, run, waitFor } from "./support/run.ts";
import { useScope } from "./support/scope.ts";

const scope = useScope();
const VERSION = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version as string;
const DEFAULT_UA = `pk3s-infra-telemetry/${VERSION}`;
const TOKEN = "tok-delivery-test-5f4e3d";
const REFUSAL = "refusing to send the bearer token over plain http to a non-loopback host";

function config(endpoint: string | null, overrides: Partial<DeliveryConfig> = {}): DeliveryConfig {
  return {
    endpoint,
    marker: "pk3s-public-v1",
    token: null,
    userAgent: DEFAULT_UA,
    maxRetries: 3,
    connectTimeoutSeconds: 2,
    requestTimeoutSeconds: 2,
    ...overrides,
  };
}

describe("classifyStatus", () => {
  test.each([200, 201, 204, 299])("%d is delivered", (status) => {
    expect(classifyStatus(status)).toBe("delivered");
  });
  test.each([408, 429, 500, 503, 599])("%d is retried", (status) => {
    expect(classifyStatus(status)).toBe("retry");
  });
  test.each([400, 401, 403, 404, 409, 410, 422])("%d is rejected", (status) => {
    expect(classifyStatus(status)).toBe("reject");
  });
});

describe("tokenAllowed", () => {
  test.each([
    ["https://telemetry.example.com/t", true],
    ["https://10.0.0.1/t", true],
    ["http://127.0.0.1:8080/t", true],
    ["http://127.5.6.7/t", true],
    ["http://localhost:9/t", true],
    ["http://[::1]:9/t", true],
    ["http://10.0.0.1/t", false],
    ["http://example.com/t", false],
    ["http://0.0.0.0:9/t", false],
    ["http://127.0.0.1.example.com/t", false],
  ] as const)("%s with a token: %p", (endpoint, allowed) => {
    expect(tokenAllowed(endpoint, "secret-token")).toBe(allowed);
  });
  test.each(["http://10.0.0.1/t", "http://example.com/t", "https://example.com/t"])(
    "%s without a token: allowed",
    (endpoint) => {
      expect(tokenAllowed(endpoint, null)).toBe(true);
      expect(tokenAllowed(endpoint, "")).toBe(true);
    },
  );
});

describe("plainHttpProxied: would fetch send a plain-http request through a proxy?", () => {
  test.each([
    ["http://127.0.0.1:9/t", {}, false],
    ["http://127.0.0.1:9/t", { HTTP_PROXY: "http://proxy.example.com:3128" }, true],
    ["http://localhost:9/t", { http_proxy: "http://proxy.example.com:3128" }, true],
    ["http://[::1]:9/t", { ALL_PROXY: "http://proxy.example.com:3128" }, true],
    ["http://127.0.0.1:9/t", { all_proxy: "http://proxy.example.com:3128" }, true],
    ["http://127.0.0.1:9/t", { HTTP_PROXY: "http://p:3128", NO_PROXY: "localhost, 127.0.0.1" }, false],
    ["http://127.0.0.1:9/t", { HTTP_PROXY: "http://p:3128", no_proxy: "*" }, false],
    ["http://[::1]:9/t", { HTTP_PROXY: "http://p:3128", NO_PROXY: "::1" }, false],
    ["http://localhost:9/t", { HTTP_PROXY: "http://p:3128", NO_PROXY: "127.0.0.1" }, true],
    ["https://telemetry.example.com/t", { HTTP_PROXY: "http://p:3128" }, false],
    ["https://telemetry.example.com/t", { HTTPS_PROXY: "http://p:3128" }, false],
  ] as const)("%s with %j: %p", (endpoint, env, proxied) => {
    expect(plainHttpProxied(endpoint, env)).toBe(proxied);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-02T03:04:05.000Z");
  test.each([
    ["1", 1000],
    ["0", 0],
    ["120", 120_000],
    ["1.5", 1500],
    [" 2 ", 2000],
    [new Date(now + 5000).toUTCString(), 5000],
    [new Date(now - 60_000).toUTCString(), 0],
  ] as const)("%p → %p ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
  test.each([null, "", "soon", "abc", "1s", "-"])("%p → null", (value) => {
    expect(parseRetryAfter(value, now)).toBeNull();
  });
});

describe("retryDelay: how long before the next attempt", () => {
  const now = Date.parse("2026-01-02T03:04:05.000Z");
  test.each([
    [null, 1, 100],
    ["0", 1, 100],
    ["1", 1, 1000],
    ["1", 5, 1600],
    ["10", 1, 10_000],
    [new Date(now + 4000).toUTCString(), 1, 4000],
    ["11", 1, null],
    ["3600", 1, null],
    [new Date(now + 3600_000).toUTCString(), 2, null],
  ] as const)("Retry-After %p after attempt %d: %p ms (null: keep it for later)", (header, attempt, ms) => {
    expect(retryDelay(header, attempt, now, () => 0)).toBe(ms);
  });
});

describe("backoffMs", () => {
  test.each([
    [1, 100, 200],
    [2, 200, 400],
    [3, 400, 800],
    [5, 1600, 3200],
    [6, 2000, 4000],
    [10, 2000, 4000],
  ] as const)("retry %d stays within [%d, %d]", (retry, low, high) => {
    expect(backoffMs(retry, () => 0)).toBe(low);
    expect(backoffMs(retry, () => 0.999999)).toBeLessThanOrEqual(high);
    expect(backoffMs(retry, () => 0.999999)).toBeGreaterThan(high - 2);
    const mid = backoffMs(retry, () => 0.5);
    expect(mid).toBeGreaterThanOrEqual(low);
    expect(mid).toBeLessThanOrEqual(high);
  });
});

describe("deliver() against a loopback receiver", () => {
  test("exact headers and body; no Authorization without a token", async () => {
    const receiver = scope.receiver();
    const event = makeEvent();
    expect(await deliver(event, config(receiver.url))).toEqual({
      kind: "delivered",
      status: 202,
      attempts: 1,
    });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/telemetry");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["x-productive-k3s-telemetry"]).toBe("pk3s-public-v1");
    expect(request?.headers["user-agent"]).toBe(DEFAULT_UA);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body).toBe(JSON.stringify(event));
  });

  test("a token, a custom marker and user agent travel as headers", async () => {
    const receiver = scope.receiver({ statuses: [200] });
    const event = makeEvent();
    const outcome = await deliver(
      event,
      config(receiver.url, { token: TOKEN, marker: "custom-marker-7", userAgent: "ops-bot/2 (matrix)" }),
    );
    expect(outcome.kind).toBe("delivered");
    const headers = receiver.requests[0]?.headers ?? {};
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers["x-productive-k3s-telemetry"]).toBe("custom-marker-7");
    expect(headers["user-agent"]).toBe("ops-bot/2 (matrix)");
    expect(receiver.requests[0]?.body).not.toContain(TOKEN);
  });

  test("500 then 202: delivered on the second attempt", async () => {
    const receiver = scope.receiver({ statuses: [500, 202] });
    expect(await deliver(makeEvent(), config(receiver.url))).toEqual({
      kind: "delivered",
      status: 202,
      attempts: 2,
    });
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[0]?.body).toBe(receiver.requests[1]?.body as string);
  });

  test("400 is rejected after exactly one request", async () => {
    const receiver = scope.receiver({ statuses: [400] });
    expect(await deliver(makeEvent(), config(receiver.url))).toEqual({
      kind: "rejected",
      status: 400,
      attempts: 1,
    });
    expect(receiver.requests).toHaveLength(1);
  });

  test("a final non-2xx, non-error status (300) is not counted as delivered", async () => {
    const receiver = scope.receiver({ statuses: [300] });
    const outcome = await deliver(makeEvent(), config(receiver.url));
    expect(outcome.kind).not.toBe("delivered");
    expect(receiver.requests).toHaveLength(1);
  });

  test("500 forever: kept after exactly maxRetries attempts", async () => {
    const receiver = scope.receiver({ statuses: [500] });
    const outcome = await deliver(makeEvent(), config(receiver.url, { maxRetries: 4 }));
    expect(outcome).toMatchObject({ kind: "kept", status: 500, attempts: 4 });
    expect(receiver.requests).toHaveLength(4);
  });

  test("429 with Retry-After: 1 is retried, and the retry is delivered", async () => {
    const receiver = scope.receiver({
      behaviour: (_r, i) => (i === 0 ? { status: 429, headers: { "retry-after": "1" } } : { status: 202 }),
    });
    expect(await deliver(makeEvent(), config(receiver.url))).toEqual({
      kind: "delivered",
      status: 202,
      attempts: 2,
    });
    expect(receiver.requests).toHaveLength(2);
  });

  test("a Retry-After beyond the cap keeps the event instead of waiting", async () => {
    const receiver = scope.receiver({ statuses: [503], headers: { "retry-after": "3600" } });
    const outcome = await deliver(makeEvent(), config(receiver.url));
    expect(outcome).toMatchObject({ kind: "kept", attempts: 1 });
    expect(receiver.requests).toHaveLength(1);
  });

  test("a server that accepts and never answers: kept after the request timeout, every attempt", async () => {
    const silent = scope.silent();
    const outcome = await deliver(
      makeEvent(),
      config(silent.url, { maxRetries: 2, requestTimeoutSeconds: 0.3 }),
    );
    expect(outcome).toEqual({
      kind: "kept",
      reason: "request timed out (no answer within 0.3s)",
      problem: "timeout",
      attempts: 2,
    });
    expect(silent.connections).toBeGreaterThanOrEqual(1);
  });

  test("an aborted delivery (hanging endpoint) is kept, not retried", async () => {
    const receiver = scope.receiver({ hang: true });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const outcome = await deliver(makeEvent(), config(receiver.url, { requestTimeoutSeconds: 30 }), {
      signal: abort.signal,
    });
    expect(outcome).toMatchObject({ kind: "kept", attempts: 1 });
    expect(receiver.requests).toHaveLength(1);
  });

  test("connection refused: kept, and said so", async () => {
    const outcome = await deliver(
      makeEvent(),
      config(`http://127.0.0.1:${refusedPort()}/t`, { maxRetries: 2 }),
    );
    expect(outcome).toEqual({ kind: "kept", reason: "connection refused", problem: "refused", attempts: 2 });
  });

  test("no endpoint: kept without any attempt", async () => {
    expect(await deliver(makeEvent(), config(null))).toEqual({
      kind: "kept",
      reason: "no endpoint configured",
      attempts: 0,
    });
  });

  test("a token over plain http to a non-loopback host is refused before connecting", async () => {
    // 0.0.0.0 is not a loopback *name*, but Linux routes a connect to it to this host: a local
    // listener therefore sees any connection the code would wrongly open.
    const silent = scope.silent();
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: "0.0.0.0", port: silent.port });
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", reject);
    });
    await waitFor(() => silent.connections === 1, 10_000, "the probe connection"); // a connection would be seen
    const endpoint = `http://0.0.0.0:${silent.port}/telemetry`;
    expect(await deliver(makeEvent(), config(endpoint, { token: TOKEN }))).toEqual({
      kind: "kept",
      reason: REFUSAL,
      attempts: 0,
    });
    expect(await connectionsSoFar(silent)).toBe(1);
  });
});

describe("a proxy for plain http", () => {
  test("a token for a loopback http endpoint never goes to an HTTP_PROXY in clear text", async () => {
    // Bun's fetch sends a plain-http request to HTTP_PROXY (or ALL_PROXY) with every header:
    // a proxy on another machine would read the token. This receiver stands in for that proxy.
    const dirs = scope.dirs();
    const proxy = scope.receiver({ statuses: [202] });
    const [event] = await queueEvents(dirs.outbox, 1);
    const env = baseEnv(dirs, {
      TELEMETRY_ENDPOINT: `http://127.0.0.1:${refusedPort()}/telemetry`,
      TELEMETRY_BEARER_TOKEN: TOKEN,
      HTTP_PROXY: proxy.url,
    });
    const result = await run("flush", [], env);
    expect(proxy.requests).toHaveLength(0);
    expect(result.stderr).toContain("refusing to send the bearer token over plain http through a proxy");
    expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN);
    expect(dirs.list("pending")).toEqual([`${event?.event_id}.json`]);
    // Listed in NO_PROXY, the endpoint is dialled directly (here: refused), the proxy never sees it.
    const direct = await run("flush", [], { ...env, NO_PROXY: "127.0.0.1" });
    expect(direct.stderr).toContain("connection refused");
    expect(proxy.requests).toHaveLength(0);
  });
});

describe("reachable: the connect-timeout probe", () => {
  test("a listening loopback port is reachable, a closed one is not", async () => {
    const silent = scope.silent();
    expect(await reachable(`http://127.0.0.1:${silent.port}/t`, 1, {})).toBe(true);
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = closed.port;
    closed.stop(true);
    expect(await reachable(`http://127.0.0.1:${port}/t`, 1, {})).toBe(false);
  });

  test("a proxy in the environment (any spelling): assumed reachable, no direct connection", async () => {
    for (const name of ["HTTP_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]) {
      const silent = scope.silent();
      const before = silent.connections;
      expect(await reachable(`http://127.0.0.1:${silent.port}/t`, 1, { [name]: "http://127.0.0.1:9/" })).toBe(
        true,
      );
      expect(await connectionsSoFar(silent)).toBe(before);
    }
  });
});

describe("pk3s-flush against a loopback receiver", () => {
  test("custom marker, user agent and token: exact headers, body as queued, removed after 2xx", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ statuses: [201] });
    const [event] = await queueEvents(dirs.outbox, 1);
    if (!event) throw new Error("no event");
    const queued = queuedText(dirs.outbox, event);
    const env = baseEnv(dirs, {
      TELEMETRY_ENDPOINT: receiver.url,
      TELEMETRY_BEARER_TOKEN: TOKEN,
      TELEMETRY_MARKER: "matrix-marker-v9",
      TELEMETRY_USER_AGENT: "pk3s-ci/7 (nightly)",
    });
    const result = await run("flush", [], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(counts(result.stdout)).toEqual({ delivered: 1, kept: 0, rejected: 0, quarantined: 0 });
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0];
    expect(request?.method).toBe("POST");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["x-productive-k3s-telemetry"]).toBe("matrix-marker-v9");
    expect(request?.headers["user-agent"]).toBe("pk3s-ci/7 (nightly)");
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.body).toBe(queued);
    expect(JSON.parse(request?.body ?? "")).toEqual(event);
    expect(dirs.list("pending")).toEqual([]);
    expect(dirs.list("claimed")).toEqual([]);
  });

  test("defaults: marker pk3s-public-v1, user agent from package.json, no Authorization", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ statuses: [204] });
    await queueEvents(dirs.outbox, 1);
    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url }));
    expect(result.code).toBe(0);
    const headers = receiver.requests[0]?.headers ?? {};
    expect(headers["x-productive-k3s-telemetry"]).toBe("pk3s-public-v1");
    expect(headers["user-agent"]).toBe(DEFAULT_UA);
    expect(headers.authorization).toBeUndefined();
    expect(dirs.list("pending")).toEqual([]);
  });

  test("400: moved to dead-letter/ once, never retried", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ statuses: [400] });
    const [event] = await queueEvents(dirs.outbox, 1);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url });
    const first = await run("flush", [], env);
    expect(first.code).toBe(0);
    expect(counts(first.stdout)).toMatchObject({ delivered: 0, rejected: 1 });
    expect(first.stderr).toContain("dead-letter");
    expect(receiver.requests).toHaveLength(1);
    expect(dirs.list("pending")).toEqual([]);
    const letters = dirs.list("dead-letter");
    expect(letters).toEqual([`${event?.event_id}.json`]);
    const path = join(dirs.outbox, "dead-letter", letters[0] as string);
    const record = JSON.parse(readFileSync(path, "utf8"));
    expect(record.status).toBe(400);
    expect(record.event).toEqual(event);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const second = await run("flush", [], env);
    expect(counts(second.stdout)).toMatchObject({ delivered: 0, rejected: 0 });
    expect(receiver.requests).toHaveLength(1);
  });

  test("500 then 202: delivered after two requests", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ statuses: [500, 202] });
    await queueEvents(dirs.outbox, 1);
    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url }));
    expect(counts(result.stdout)).toMatchObject({ delivered: 1, kept: 0 });
    expect(receiver.requests).toHaveLength(2);
    expect(dirs.list("pending")).toEqual([]);
  });

  test("500 forever: kept after exactly TELEMETRY_MAX_RETRIES requests", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ statuses: [500] });
    const [event] = await queueEvents(dirs.outbox, 1);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url, TELEMETRY_MAX_RETRIES: "2" });
    const result = await run("flush", [], env);
    expect(result.code).toBe(0);
    expect(counts(result.stdout)).toMatchObject({ delivered: 0, kept: 1 });
    expect(result.stderr).toContain("endpoint answered 500");
    expect(receiver.requests).toHaveLength(2);
    expect(dirs.list("pending")).toEqual([`${event?.event_id}.json`]);
    expect(dirs.list("claimed")).toEqual([]);
  });

  test("429 with Retry-After: 1: retried within the flush and delivered, nothing remembered", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({
      behaviour: (_r, i) => (i === 0 ? { status: 429, headers: { "Retry-After": "1" } } : { status: 202 }),
    });
    await queueEvents(dirs.outbox, 1);
    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url }));
    expect(counts(result.stdout)).toMatchObject({ delivered: 1 });
    expect(receiver.requests).toHaveLength(2);
    expect(outboxReport(dirs.outbox)).toMatchObject({ queued: 0, retryAfterUntil: null, lastProblem: null });
  });

  test("an endpoint that never answers: kept, and flush returns", async () => {
    const dirs = scope.dirs();
    const silent = scope.silent();
    await queueEvents(dirs.outbox, 1);
    const env = baseEnv(dirs, {
      TELEMETRY_ENDPOINT: silent.url,
      TELEMETRY_REQUEST_TIMEOUT_SECONDS: "0.3",
    });
    const result = await run("flush", [], env, 20_000);
    expect(result.code).toBe(0);
    expect(counts(result.stdout)).toMatchObject({ delivered: 0, kept: 1 });
    expect(result.stderr).toContain("request timed out (no answer within 0.3s)");
    expect(dirs.list("pending")).toHaveLength(1);
    expect(dirs.list("claimed")).toEqual([]);
    expect(silent.connections).toBeGreaterThanOrEqual(1);
  });

  test("connection refused: kept", async () => {
    const dirs = scope.dirs();
    await queueEvents(dirs.outbox, 2);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: `http://127.0.0.1:${refusedPort()}/telemetry` });
    const result = await run("flush", [], env);
    expect(result.code).toBe(0);
    expect(counts(result.stdout)).toMatchObject({ delivered: 0, kept: 2 });
    expect(
      linesWith(result.stderr, "endpoint not reachable (connection refused): 2 event(s) stay queued"),
    ).toHaveLength(1);
    expect(dirs.list("pending")).toHaveLength(2);
  });

  test("token + http:// to a non-loopback host (TEST-NET): refused with a warning, event kept", async () => {
    const dirs = scope.dirs();
    await queueEvents(dirs.outbox, 1);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: "http://192.0.2.1:9/", TELEMETRY_BEARER_TOKEN: TOKEN });
    const result = await run("flush", [], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(REFUSAL);
    // Refused before any connection attempt: no reachability probe ran either.
    expect(result.stderr).not.toContain("not reachable");
    expect(counts(result.stdout)).toMatchObject({ delivered: 0, kept: 1 });
    expect(dirs.list("pending")).toHaveLength(1);
    expect(result.stderr + result.stdout).not.toContain(TOKEN);
  });

  test("token + http:// to a non-loopback name: no connection is even opened", async () => {
    const dirs = scope.dirs();
    const silent = scope.silent();
    await queueEvents(dirs.outbox, 1);
    const env = baseEnv(dirs, {
      TELEMETRY_ENDPOINT: `http://0.0.0.0:${silent.port}/telemetry`,
      TELEMETRY_BEARER_TOKEN: TOKEN,
    });
    const result = await run("flush", [], env);
    expect(result.stderr).toContain(REFUSAL);
    expect(counts(result.stdout)).toMatchObject({ delivered: 0, kept: 1 });
    expect(await connectionsSoFar(silent)).toBe(0);
    expect(dirs.list("pending")).toHaveLength(1);
  });

  test('TELEMETRY_ENDPOINT="": nothing sent, events kept', async () => {
    const dirs = scope.dirs();
    await queueEvents(dirs.outbox, 3);
    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: "" }));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("kept for a later flush: no endpoint configured");
    expect(result.stderr).not.toContain("not reachable");
    expect(counts(result.stdout)).toMatchObject({ delivered: 0, kept: 3 });
    expect(dirs.list("pending")).toHaveLength(3);
  });

  test("TELEMETRY_ENDPOINT=ftp://x: a warning naming it, nothing sent, not even to the default", async () => {
    const dirs = scope.dirs();
    await queueEvents(dirs.outbox, 1);
    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: "ftp://x" }));
    expect(result.code).toBe(0);
    expect(linesWith(result.stderr, "TELEMETRY_ENDPOINT")).toHaveLength(1);
    expect(result.stderr).toContain("kept for a later flush: no endpoint configured");
    // Falling back to the default https endpoint would have probed it (and failed: no network).
    expect(result.stderr).not.toContain("not reachable");
    expect(result.stderr).not.toContain("telemetry.productive-k3s.io");
    expect(counts(result.stdout)).toMatchObject({ delivered: 0, kept: 1 });
    expect(dirs.list("pending")).toHaveLength(1);
  });
});

describe("invalid numbers: one warning naming the variable and the default, then the default", () => {
  test.each([
    ["TELEMETRY_MAX_RETRIES", "abc", "default 3"],
    ["TELEMETRY_MAX_RETRIES", "-1", "default 3"],
    ["TELEMETRY_MAX_RETRIES", "0", "default 3"],
    ["TELEMETRY_REQUEST_TIMEOUT_SECONDS", "0", "default 10"],
    ["TELEMETRY_CONNECT_TIMEOUT_SECONDS", "soon", "default 5"],
  ] as const)("%s=%s", async (name, value, fallback) => {
    const dirs = scope.dirs();
    const receiver = scope.receiver();
    await queueEvents(dirs.outbox, 1);
    const result = await run("flush", [], baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url, [name]: value }));
    expect(result.code).toBe(0);
    const warnings = linesWith(result.stderr, name);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("warning");
    expect(warnings[0]).toContain(fallback);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(counts(result.stdout)).toMatchObject({ delivered: 1 });
    expect(receiver.requests).toHaveLength(1);
  });

  test("a failing default of 3 retries is really used after TELEMETRY_MAX_RETRIES=abc", async () => {
    const dirs = scope.dirs();
    const receiver = scope.receiver({ statuses: [503] });
    await queueEvents(dirs.outbox, 1);
    const env = baseEnv(dirs, { TELEMETRY_ENDPOINT: receiver.url, TELEMETRY_MAX_RETRIES: "abc" });
    const result = await run("flush", [], env);
    expect(result.code).toBe(0);
    expect(receiver.requests).toHaveLength(3);
  });
});
