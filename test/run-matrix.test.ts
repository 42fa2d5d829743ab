// pk3s-run-matrix as a real process over fixture scenarios (tiny Makefiles in temp dirs):
// results and the summary (docs/privacy-and-telemetry.md › Test artifacts), privacy of everything written, correlation and
// propagation of the telemetry context (README › Consent, correlation, delivery) against a loopback receiver, robustness,
// interrupts, parallelism, streaming, and the JUnit / step-summary / CI reports.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Manifest } from "../lib/artifacts/records.ts";
import { PROMPT_PHRASE } from "../lib/cli/prompt.ts";
import type { TelemetryEvent } from "../lib/telemetry/event.ts";
import { PROPAGATED_VARIABLES } from "../lib/telemetry/settings.ts";
import { startReceiver } from "./support/receiver.ts";
import { filesUnder, linesWith, REPO, scriptArgv, waitFor } from "./support/run.ts";
import {
  manifestName,
  parseXml,
  processesWithArg,
  type Recipes,
  Sandbox,
  startReading,
  summaryName,
  uniqueSeconds,
  untilProbe,
  withSandbox,
  type XmlElement,
} from "./support/sandbox.ts";
import { validateArtifact } from "./support/schemas.ts";

const LEVELS = ["static", "contract", "live"] as const;

/** The same recipe for the three level targets. */
function allLevels(lines: string[]): Recipes {
  return Object.fromEntries(LEVELS.map((level) => [`scenario-test-${level}`, lines]));
}

const CLUSTER_JSON = '{"productive_k3s":{"source":"release","version":"v1.30.2+k3s1","engine":"k3s"}}';

function referenceScenarios(sb: Sandbox): void {
  sb.scenario("demo-skip", allLevels(['@echo "[SKIP] missing cloud credentials in demo-skip"; exit 3']));
  sb.scenario(
    "demo-pass",
    allLevels([`@mkdir -p generated && printf '%s' '${CLUSTER_JSON}' > generated/cluster.json`]),
  );
}

/** A recipe that records the TELEMETRY_* it received (the token only as unset/blank/nonblank). */
function envProbe(name: string): string[] {
  return [
    `@env | grep '^TELEMETRY_' | grep -v '^TELEMETRY_BEARER_TOKEN=' | sort > "$(PROBE_DIR)/${name}.env"`,
    `@if [ -z "$\${TELEMETRY_BEARER_TOKEN+set}" ]; then echo unset; elif [ -z "$$TELEMETRY_BEARER_TOKEN" ]; then echo blank; else echo nonblank; fi > "$(PROBE_DIR)/${name}.token"`,
  ];
}

function probedEnv(sb: Sandbox, name: string): Record<string, string> {
  const text = sb.probed(`${name}.env`);
  expect(text).not.toBeNull();
  return Object.fromEntries(
    (text as string)
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

describe("reference behaviour", () => {
  test.concurrent("a skip and a pass: lists, verbatim skip reason, cluster.json metadata, exit 0", () =>
    withSandbox(async (sb) => {
      referenceScenarios(sb);
      const r = await sb.run("run-matrix", [
        "live",
        "demo-skip",
        "demo-pass",
        "--scenarios-dir",
        sb.scenarios,
      ]);
      expect(r.stderr).not.toContain("pk3s-run-matrix:"); // no warning or error of its own
      expect(r.code).toBe(0);
      expect(lines(r.stdout)).toContain("[PASS] demo-pass scenario-test-live");
      expect(lines(r.stdout)).toContain(
        "[SKIP] demo-skip scenario-test-live: missing cloud credentials in demo-skip",
      );

      const summary = sb.summary();
      expect(summary.result).toBe("pass");
      expect(summary.test_level).toBe("live");
      expect(summary.execution_kind).toBe("manual");
      expect(summary.ci).toEqual({ provider: "local", workflow: "", run_id: "", system: "" });
      expect(summary.pass).toEqual(["demo-pass"]);
      expect(summary.skip).toEqual(["demo-skip"]);
      expect(summary.fail).toEqual([]);
      expect(summary.interrupted).toEqual([]);
      expect(summary.parent_run_id).toBeNull();
      expect(summary.scenario_results["demo-skip"]?.skip_reason).toBe(
        "missing cloud credentials in demo-skip",
      );
      expect(summary.productive_k3s).toEqual({
        source: "release",
        version: "v1.30.2+k3s1",
        release_repo: "productive-k3s/productive-k3s-core", // not in cluster.json: the default
        engine: "k3s",
        resolved_from_cluster_json: true,
      });
      expect(summary.telemetry.share_metrics_enabled).toBe(false);
      expect(r.stdout).toContain(`summary: ${join(sb.artifacts, summaryName(summary))}`);

      const pass = sb.manifest("demo-pass");
      const skip = sb.manifest("demo-skip");
      expect(pass.result).toBe("pass");
      expect(pass.skip_reason).toBeUndefined();
      expect(pass.productive_k3s.resolved_from_cluster_json).toBe(true);
      expect(pass.productive_k3s.version).toBe("v1.30.2+k3s1");
      expect(skip.result).toBe("skip");
      expect(skip.skip_reason).toBe("missing cloud credentials in demo-skip");
      expect(skip.productive_k3s.resolved_from_cluster_json).toBe(false);
      for (const m of [pass, skip]) {
        expect(m.test_level).toBe("live");
        expect(m.parent_run_id).toBe(summary.run_id);
        expect(m.session_id).toBe(summary.session_id);
        expect(m.run_id).not.toBe(summary.run_id);
        expect(m.phases).toEqual({
          test_live: { status: m.result, duration_seconds: m.duration_seconds, target: "scenario-test-live" },
        });
        expect(summary.scenario_results[m.scenario]).toEqual({
          result: m.result,
          run_id: m.run_id,
          started_at: m.started_at,
          finished_at: m.finished_at,
          duration_seconds: m.duration_seconds,
          ...(m.skip_reason ? { skip_reason: m.skip_reason } : {}),
          manifest: manifestName(m, "matrix"),
        });
        expect(Date.parse(m.finished_at)).toBeGreaterThanOrEqual(Date.parse(m.started_at));
      }
    }));
});

describe("privacy of everything written", () => {
  const LEAKY_LINE = String.raw`\033[31m[SKIP]\033[0m ssh ubuntu@10.20.30.40 (node-a.corp.example.com), key /home/alice/.ssh/id_ed25519, account 123456789012, arn:aws:iam::123456789012:role/x, AKIAIOSFODNN7EXAMPLE, fe80::1%%eth0, mac 00:11:22:33:44:55, https://user:pw@git.corp.example.com/x back\\slash\n`;
  const LEAKY_CLUSTER = JSON.stringify({
    productive_k3s: {
      source: "/home/alice/src",
      version: "10.1.2.3",
      release_repo: "git@git.corp.example.com:alice/core.git",
      engine: "k3s on node-b.corp.example.com",
    },
  });
  const IDENTIFIERS = [
    "10.20.30.40",
    "ubuntu@",
    "node-a",
    "node-b",
    "corp.example.com",
    "/home/alice",
    "alice",
    ".ssh",
    "id_ed25519",
    "123456789012",
    "arn:aws",
    "AKIAIOSFODNN7EXAMPLE",
    "fe80",
    "eth0",
    "00:11:22:33:44:55",
    "user:pw",
    "10.1.2.3",
    "10.9.8.7",
    "deploy@",
    "/srv/core",
    "build-host",
    "\u001b",
    "[31m",
  ];

  test.concurrent("identifiers in a [SKIP] line, cluster.json and PRODUCTIVE_K3S_* never reach a file", () =>
    withSandbox(async (sb) => {
      sb.scenario("leaky", {
        "scenario-test-static": [
          `@mkdir -p generated && printf '%s' '${LEAKY_CLUSTER}' > generated/cluster.json`,
          `@printf '${LEAKY_LINE}'; exit 3`,
        ],
      });
      sb.scenario("env-meta", { "scenario-test-static": ["@true"] });
      const junit = join(sb.artifacts, "junit.xml");
      const r = await sb.run(
        "run-matrix",
        ["static", "leaky", "env-meta", "--scenarios-dir", sb.scenarios, "--junit", junit],
        {
          PRODUCTIVE_K3S_SOURCE: "ssh://deploy@10.9.8.7/srv/core",
          PRODUCTIVE_K3S_VERSION: "v1.31.0+k3s1",
          PRODUCTIVE_K3S_RELEASE_REPO: "https://releases.corp.example.com/core",
          PRODUCTIVE_K3S_ENGINE: "k3s@build-host.corp.example.com",
        },
      );
      expect(r.code).toBe(0);

      const summary = sb.summary(); // parsed and validated against the JSON Schema
      const leaky = sb.manifest("leaky");
      const envMeta = sb.manifest("env-meta");
      expect(summary.skip).toEqual(["leaky"]);
      const reason = summary.scenario_results.leaky?.skip_reason ?? "";
      expect(leaky.skip_reason).toBe(reason);
      // The words around the identifiers survive; the identifiers become placeholders.
      expect(reason).toStartWith("ssh <ssh-target> (<host>), key <path>, account <account-id>");
      expect(reason).toContain("<mac>");
      expect(reason).toContain("back\\slash");
      expect(leaky.productive_k3s.resolved_from_cluster_json).toBe(true);
      expect(envMeta.productive_k3s.resolved_from_cluster_json).toBe(false);
      expect(envMeta.productive_k3s.version).toBe("v1.31.0+k3s1");

      const xml = parseXml(await Bun.file(junit).text());
      const cases = xml.children[0]?.children ?? [];
      expect(cases.find((c) => c.attrs.name === "leaky")?.children[0]?.attrs.message).toBe(reason);

      const files = filesUnder(sb.artifacts);
      expect(files.length).toBe(4); // two manifests, the summary, the JUnit file
      const written = sb.allText();
      for (const id of IDENTIFIERS) {
        expect({ id, found: written.includes(id) }).toEqual({ id, found: false });
        expect({ id, found: r.stdout.includes(id) }).toEqual({ id, found: false });
      }
    }));

  describe("this machine's identifiers (canaries set through the environment)", () => {
    const HOST = "canary-host-zq7.example.internal";
    const USER = "canaryuserzq7";
    const say =
      '"scenario-says: host=$$HOSTNAME user=$$USER logname=$$LOGNAME home=$$HOME token=$$TELEMETRY_BEARER_TOKEN"';
    const cluster = `'{"productive_k3s":{"source":"%s/src","version":"%s","release_repo":"%s","engine":"%s"}}'`;
    const writeCluster = `@mkdir -p generated && printf ${cluster} "$$HOME" "$$USER" "$$HOSTNAME" "$$TELEMETRY_BEARER_TOKEN" > generated/cluster.json`;

    test.concurrent("none reaches an artifact, an event, the outbox, or the harness's own lines", () =>
      withSandbox(async (sb) => {
        const receiver = startReceiver();
        try {
          const home = join(sb.root, "home", USER);
          mkdirSync(home, { recursive: true });
          const token = `tok-CANARY-zq7-${crypto.randomUUID()}`;
          const canaries = [HOST, "canary-host-zq7", USER, home, token];
          sb.scenario("canary-skip", {
            "scenario-test-static": [writeCluster, `@echo "[SKIP] "${say}; exit 3`],
          });
          sb.scenario("canary-fail", { "scenario-test-static": [writeCluster, `@echo ${say}; exit 1`] });
          const env = {
            HOSTNAME: HOST,
            USER,
            LOGNAME: USER,
            HOME: home,
            TELEMETRY_ENABLED: "true",
            TELEMETRY_ENDPOINT: receiver.url,
            TELEMETRY_BEARER_TOKEN: token,
          };
          const r = await sb.run(
            "run-matrix",
            ["static", "canary-skip", "canary-fail", "--scenarios-dir", sb.scenarios],
            env,
          );
          expect(r.code).toBe(1);
          // The fixture really printed them: the failing scenario's own output is shown.
          expect(r.stderr).toContain(`scenario-says: host=${HOST} user=${USER}`);
          expect(r.stderr).toContain(`home=${home}`);

          await waitFor(() => new Set(receiver.eventIds()).size >= 6, 30_000, "6 events");
          const summary = sb.summary();
          expect(summary.skip).toEqual(["canary-skip"]);
          expect(summary.fail).toEqual(["canary-fail"]);
          expect(summary.parent_run_id).toBeNull();
          expect(summary.productive_k3s.resolved_from_cluster_json).toBe(true);
          // No TELEMETRY_PARENT_RUN_ID / TELEMETRY_SESSION_ID given: no parent, one new session.
          const events = receiver.bodies() as TelemetryEvent[];
          const matrixEvents = events.filter((e) => e.command.name === "run-matrix");
          expect(new Set(matrixEvents.map((e) => e.event_name)).size).toBe(2);
          for (const e of matrixEvents) expect(e.parent_run_id).toBe(""); // the reference's "none"
          expect(new Set(events.map((e) => e.session_id))).toEqual(new Set([summary.session_id]));
          const bodies = receiver.requests.map((q) => q.body).join("\n");
          const outbox = sb.allText(sb.dirs.outbox);
          const written = sb.allText();
          for (const canary of canaries) {
            const where = {
              canary,
              artifacts: written.includes(canary),
              events: bodies.includes(canary),
              outbox: outbox.includes(canary),
              stdout: r.stdout.includes(canary),
            };
            expect(where).toEqual({ canary, artifacts: false, events: false, outbox: false, stdout: false });
            // On stderr only inside the scenario's own output, never in a harness line.
            for (const line of r.stderr.split("\n").filter((l) => l.includes(canary))) {
              expect(line).toStartWith("scenario-says:");
            }
          }
          // The token is not even shown inside the scenario's captured output.
          expect(r.stderr).not.toContain(token);
          expect(r.stderr).toContain("token=***");
        } finally {
          await receiver.stop();
        }
      }));
  });
});

describe("telemetry wiring", () => {
  interface Seen {
    events: TelemetryEvent[];
    byName: (command: string, scenario: string, event: string) => TelemetryEvent;
  }

  function seen(bodies: unknown[]): Seen {
    const unique = new Map<string, TelemetryEvent>();
    for (const body of bodies) {
      expect(validateArtifact("event", body)).toEqual([]);
      unique.set((body as TelemetryEvent).event_id, body as TelemetryEvent);
    }
    const events = [...unique.values()];
    return {
      events,
      byName: (command, scenario, event) => {
        const found = events.filter(
          (e) => e.command.name === command && e.command.scenario === scenario && e.event_name === event,
        );
        expect(found).toHaveLength(1);
        return found[0] as TelemetryEvent;
      },
    };
  }

  test.concurrent("enabled: matrix and scenario events correlate; children get all thirteen variables", () =>
    withSandbox(async (sb) => {
      const receiver = startReceiver();
      try {
        const names = ["t1", "t2", "t3"];
        for (const name of names) sb.scenario(name, { "scenario-test-static": envProbe(name) });
        const session = Bun.randomUUIDv7();
        const cliRun = Bun.randomUUIDv7();
        const token = `tok-CANARY-zq7-${crypto.randomUUID()}`;
        const r = await sb.run(
          "run-matrix",
          ["static", ...names, "--jobs", "2", "--scenarios-dir", sb.scenarios],
          {
            TELEMETRY_ENABLED: "true",
            TELEMETRY_ENDPOINT: receiver.url,
            TELEMETRY_BEARER_TOKEN: token,
            TELEMETRY_SESSION_ID: session,
            TELEMETRY_PARENT_RUN_ID: cliRun,
          },
        );
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        await waitFor(() => new Set(receiver.eventIds()).size >= 8, 30_000, "8 events");
        // Nothing more can arrive: every event queued by the run has left the outbox.
        await waitFor(() => sb.dirs.list("pending").length === 0, 30_000, "an empty outbox");
        const { events, byName } = seen(receiver.bodies());
        expect(events).toHaveLength(8);
        for (const request of receiver.requests) {
          expect(request.method).toBe("POST");
          expect(request.headers["content-type"]).toContain("application/json");
        }

        const summary = sb.summary();
        const matrixStarted = byName("run-matrix", "", "infra.command.started");
        const matrixDone = byName("run-matrix", "", "infra.command.completed");
        for (const e of [matrixStarted, matrixDone]) {
          expect(e.run_id).toBe(summary.run_id);
          expect(e.parent_run_id).toBe(cliRun);
          expect(e.command.level).toBe("static");
        }
        expect(matrixDone.command.result).toBe("success");
        expect(summary.parent_run_id).toBe(cliRun);
        expect(summary.session_id).toBe(session);
        expect(new Set(events.map((e) => e.session_id))).toEqual(new Set([session]));

        for (const name of names) {
          const manifest = sb.manifest(name);
          const started = byName("run-scenario", name, "infra.command.started");
          const done = byName("run-scenario", name, "infra.command.completed");
          for (const e of [started, done]) {
            expect(e.run_id).toBe(manifest.run_id);
            expect(e.parent_run_id).toBe(summary.run_id);
          }
          expect(started.command.result).toBe("started");
          expect(done.command.result).toBe("success");
          expect(done.command.duration_ms).toBeNumber();
          expect(manifest.parent_run_id).toBe(summary.run_id);
          expect(manifest.session_id).toBe(session);
          expect(manifest.telemetry.share_metrics_enabled).toBe(true);
          expect(manifest.telemetry.endpoint_configured).toBe(true);

          const child = probedEnv(sb, name);
          expect(sb.probed(`${name}.token`)).toBe("nonblank\n");
          expect(Object.keys(child).sort()).toEqual(
            PROPAGATED_VARIABLES.filter((v) => v !== "TELEMETRY_BEARER_TOKEN").sort(),
          );
          expect(child).toMatchObject({
            TELEMETRY_ENABLED: "true",
            TELEMETRY_ENDPOINT: receiver.url,
            TELEMETRY_OUTBOX_DIR: sb.dirs.outbox,
            TELEMETRY_SESSION_ID: session,
            TELEMETRY_RUN_ID: "",
            TELEMETRY_PARENT_RUN_ID: manifest.run_id,
            TELEMETRY_COMPONENT: "infra",
          });
        }
        expect(summary.telemetry.share_metrics_enabled).toBe(true);
        const written = sb.allText();
        expect(written).not.toContain(receiver.url);
        expect(written).not.toContain(`127.0.0.1:${receiver.port}`);
        expect(written).not.toContain(token);
      } finally {
        await receiver.stop();
      }
    }));

  test.concurrent("TELEMETRY_ENABLED=false: no request, no outbox, children get false and a blank token", () =>
    withSandbox(async (sb) => {
      const receiver = startReceiver();
      try {
        sb.scenario("off", { "scenario-test-static": envProbe("off") });
        const r = await sb.run("run-matrix", ["static", "off", "--scenarios-dir", sb.scenarios], {
          TELEMETRY_ENABLED: "false",
          TELEMETRY_ENDPOINT: receiver.url,
          TELEMETRY_BEARER_TOKEN: `tok-CANARY-zq7-${crypto.randomUUID()}`,
        });
        expect(r.code).toBe(0);
        // Nothing was queued, so nothing can be sent later.
        expect(existsSync(sb.dirs.outbox)).toBe(false);
        expect(receiver.requests).toHaveLength(0);
        expect(sb.summary().telemetry.share_metrics_enabled).toBe(false);
        expect(sb.manifest("off").telemetry.share_metrics_enabled).toBe(false);
        expect(probedEnv(sb, "off").TELEMETRY_ENABLED).toBe("false");
        expect(sb.probed("off.token")).toBe("blank\n");
      } finally {
        await receiver.stop();
      }
    }));

  test.concurrent("nothing set, stdin not a terminal: off, and no prompt", () =>
    withSandbox(async (sb) => {
      const receiver = startReceiver();
      try {
        sb.scenario("quiet", { "scenario-test-static": envProbe("quiet") });
        // Only the endpoint is set (to the loopback receiver), so a request would be seen.
        const r = await sb.run("run-matrix", ["static", "quiet", "--scenarios-dir", sb.scenarios], {
          TELEMETRY_ENDPOINT: receiver.url,
        });
        expect(r.code).toBe(0);
        expect(r.stdout + r.stderr).not.toContain(PROMPT_PHRASE);
        expect(r.stdout + r.stderr).not.toContain("?");
        expect(existsSync(sb.dirs.outbox)).toBe(false); // nothing queued: nothing sent later
        expect(receiver.requests).toHaveLength(0);
        expect(sb.summary().telemetry.share_metrics_enabled).toBe(false);
        expect(probedEnv(sb, "quiet").TELEMETRY_ENABLED).toBe("false");
        expect(sb.probed("quiet.token")).toBe("blank\n");
      } finally {
        await receiver.stop();
      }
    }));
});

describe("robustness", () => {
  test.concurrent("an unknown scenario is a recorded failure (not listing the checkout's scenarios); the rest still run", () =>
    withSandbox(async (sb) => {
      referenceScenarios(sb);
      const r = await sb.run("run-matrix", [
        "static",
        "demo-pass",
        "no-such-scenario",
        "demo-skip",
        "--scenarios-dir",
        sb.scenarios,
      ]);
      expect(r.code).toBe(1);
      const summary = sb.summary();
      expect(summary.result).toBe("fail");
      expect(summary.pass).toEqual(["demo-pass"]);
      expect(summary.skip).toEqual(["demo-skip"]);
      expect(summary.fail).toEqual(["no-such-scenario"]);
      const reason = summary.scenario_results["no-such-scenario"]?.fail_reason ?? "";
      expect(reason).toContain('unknown scenario "no-such-scenario"');
      // Where it looked, by option; the operator's own scenario names are not listed.
      expect(reason).toContain("not found in --scenarios-dir");
      expect(reason).not.toContain("demo-pass");
      expect(reason).not.toContain(sb.root);
      expect(sb.manifest("no-such-scenario").result).toBe("fail");
      expect(r.stdout).toContain("[FAIL] no-such-scenario scenario-test-static: unknown scenario");
      expect(r.stdout).toContain("static matrix FAIL: 1 passed, 1 failed, 1 skipped");
    }));

  test.concurrent("names that are paths (../x, a/b) are refused, never executed", () =>
    withSandbox(async (sb) => {
      const runs = (name: string) => [`@echo ran > "$(PROBE_DIR)/${name}.ran"`];
      sb.scenario("ok", { "scenario-test-static": runs("ok") });
      sb.scenario("outside", { "scenario-test-static": runs("outside") }, { parent: sb.root });
      sb.scenario("b", { "scenario-test-static": runs("a-b") }, { parent: join(sb.scenarios, "a") });
      const r = await sb.run("run-matrix", [
        "static",
        "ok",
        "../outside",
        "a/b",
        "--scenarios-dir",
        sb.scenarios,
      ]);
      expect(r.code).toBe(1);
      expect(sb.probed("ok.ran")).toBe("ran\n");
      expect(sb.probed("outside.ran")).toBeNull();
      expect(sb.probed("a-b.ran")).toBeNull();
      const summary = sb.summary();
      expect(summary.pass).toEqual(["ok"]);
      expect(summary.fail).toHaveLength(2);
      for (const name of summary.fail) {
        expect(summary.scenario_results[name]?.fail_reason).toContain("invalid scenario name");
        expect(summary.scenario_results[name]?.fail_reason).not.toContain(sb.root);
      }
    }));

  test.concurrent("given names that sanitise to one name keep one summary entry each", () =>
    withSandbox(async (sb) => {
      sb.scenario("dup", { "scenario-test-static": ["@true"] });
      const r = await sb.run("run-matrix", ["static", "dup", "../dup", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(1);
      const summary = sb.summary();
      expect(summary.pass).toEqual(["dup"]);
      expect(summary.fail).toEqual(["dup-2"]);
      expect(Object.keys(summary.scenario_results).sort()).toEqual(["dup", "dup-2"]);
      expect(summary.scenario_results.dup?.result).toBe("pass");
      expect(summary.scenario_results["dup-2"]?.fail_reason).toContain("invalid scenario name");
    }));

  test.concurrent("--jobs 2 runs two at a time; each scenario's lines and output stay whole", () =>
    withSandbox(async (sb) => {
      const names = ["j1", "j2", "j3", "j4"];
      for (const [i, name] of names.entries()) {
        const fails = i % 2 === 1;
        sb.scenario(name, {
          "scenario-test-static": [
            // Records its interval and waits (bounded) until a second scenario has started, so
            // two at a time is proven by overlap, never by how long the matrix took. The start
            // file appears (by rename) only once it holds its time.
            `@date +%s%N > "$(PROBE_DIR)/${name}.s" && mv "$(PROBE_DIR)/${name}.s" "$(PROBE_DIR)/${name}.start"; echo "${name} line one"; for i in $$(seq 300); do [ $$(ls "$(PROBE_DIR)" | grep -c '\\.start$$') -ge 2 ] && break; sleep 0.1; done; echo "${name} line two"; echo "${name} line three"; date +%s%N > "$(PROBE_DIR)/${name}.end"${fails ? "; exit 1" : ""}`,
          ],
        });
      }
      const r = await sb.run("run-matrix", [
        "static",
        ...names,
        "--jobs",
        "2",
        "--scenarios-dir",
        sb.scenarios,
      ]);
      expect(r.code).toBe(1);
      // Never more than two intervals open at once, and two did overlap.
      const edges = names.flatMap((name) => [
        { at: BigInt(sb.probed(`${name}.start`)?.trim() ?? "0"), open: 1 },
        { at: BigInt(sb.probed(`${name}.end`)?.trim() ?? "0"), open: -1 },
      ]);
      edges.sort((a, b) => (a.at === b.at ? a.open - b.open : a.at < b.at ? -1 : 1));
      let open = 0;
      let most = 0;
      for (const edge of edges) {
        open += edge.open;
        most = Math.max(most, open);
      }
      expect(most).toBe(2);
      const summary = sb.summary();
      expect(summary.pass.sort()).toEqual(["j1", "j3"]);
      expect(summary.fail.sort()).toEqual(["j2", "j4"]);
      const out = lines(r.stdout);
      expect(out.slice(0, 4).sort()).toEqual(
        [
          "[PASS] j1 scenario-test-static",
          "[FAIL] j2 scenario-test-static: exit 1",
          "[PASS] j3 scenario-test-static",
          "[FAIL] j4 scenario-test-static: exit 1",
        ].sort(),
      );
      expect(out[4]).toStartWith("static matrix FAIL: 2 passed, 2 failed, 0 skipped in ");
      // Failed scenarios' captured output on stderr, one contiguous block each.
      const blocks = r.stderr.split(/^(?=----- )/m).filter((b) => b.startsWith("----- "));
      expect(blocks).toHaveLength(2);
      for (const name of ["j2", "j4"]) {
        const block = lines(
          blocks.find((b) => b.startsWith(`----- ${name} scenario-test-static output -----\n`)) ?? "",
        );
        // make's own error line (stderr) may arrive before or after the recipe's stdout lines
        expect(block.slice(1).sort()).toEqual(
          [
            `${name} line one`,
            `${name} line three`,
            `${name} line two`,
            "make: *** [Makefile:2: scenario-test-static] Error 1",
          ].sort(),
        );
        const own = block.filter((l) => l.startsWith(name));
        expect(own).toEqual([`${name} line one`, `${name} line two`, `${name} line three`]);
      }
      expect(r.stderr).not.toContain("j1 line");
    }));

  test.concurrent("live output streams while the scenario is still running", () =>
    withSandbox(async (sb) => {
      // The late line waits for a file the test creates after seeing the early one.
      sb.scenario("streamer", {
        "scenario-test-live": [`@echo "early line"; ${untilProbe("go")}; echo "late line"`],
      });
      const { proc, stdout } = startReading(
        "run-matrix",
        ["live", "streamer", "--scenarios-dir", sb.scenarios],
        sb.env(),
      );
      await stdout.waitFor("early line\n", 30_000);
      expect(proc.exitCode).toBeNull();
      expect(stdout.text).not.toContain("late line");
      writeFileSync(join(sb.probe, "go"), "");
      expect(await proc.exited).toBe(0);
      await stdout.done;
      expect(stdout.text).toStartWith("early line\nlate line\n[PASS] streamer scenario-test-live\n");
    }));

  test.concurrent("a failing streamed live scenario's output is shown once", () =>
    withSandbox(async (sb) => {
      sb.scenario("live-fail", { "scenario-test-live": ['@echo "only once, please"; exit 1'] });
      const r = await sb.run("run-matrix", ["live", "live-fail", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(1);
      expect((r.stdout + r.stderr).split("only once, please")).toHaveLength(2);
    }));
});

describe("interrupt", () => {
  function sleeper(name: string, seconds: string): Recipes {
    return {
      "scenario-test-static": [
        `@trap 'echo trapped > "$(PROBE_DIR)/${name}.trap"; exit 143' TERM INT; echo started > "$(PROBE_DIR)/${name}.started"; sleep ${seconds}; echo finished > "$(PROBE_DIR)/${name}.finished"`,
      ],
    };
  }

  test.concurrent("SIGINT: exit 130, a valid summary of what ran, no process left behind", () =>
    withSandbox(async (sb) => {
      const seconds = uniqueSeconds(5);
      const names = ["s1", "s2", "s3"];
      for (const name of names) sb.scenario(name, sleeper(name, seconds));
      const { proc, stdout } = startReading(
        "run-matrix",
        ["static", ...names, "--jobs", "1", "--scenarios-dir", sb.scenarios],
        sb.env(),
      );
      await waitFor(() => sb.probed("s1.started") !== null, 30_000, "s1 to start");
      await waitFor(() => processesWithArg(seconds).length > 0, 30_000, "the fixture's sleep");
      proc.kill("SIGINT");
      expect(await proc.exited).toBe(130);
      await stdout.done;

      const summary = sb.summary();
      expect(summary.result).toBe("fail");
      expect(summary.interrupted).toEqual(names);
      expect(summary.pass).toEqual([]);
      expect(summary.fail).toEqual([]);
      const s1 = sb.manifest("s1");
      expect(s1.result).toBe("fail");
      expect(s1.fail_reason).toBe("interrupted");
      expect(summary.scenario_results.s1).toMatchObject({ result: "interrupted", run_id: s1.run_id });
      expect(summary.scenario_results.s2).toMatchObject({
        result: "interrupted",
        run_id: null,
        manifest: null,
      });
      expect(summary.scenario_results.s3).toMatchObject({
        result: "interrupted",
        run_id: null,
        manifest: null,
      });
      expect(sb.read().manifests).toHaveLength(1);
      expect(stdout.text).toContain("3 interrupted");

      expect(sb.probed("s1.trap")).toBe("trapped\n"); // the recipe's shell was signalled
      expect(sb.probed("s1.finished")).toBeNull();
      expect(sb.probed("s2.started")).toBeNull();
      await waitFor(() => processesWithArg(seconds).length === 0, 10_000, "no fixture sleep left");
    }));

  // Ctrl-C at a terminal: SIGINT to the runner (the scenario's group is its own); a recipe that
  // leaves background processes behind must not leave them running, at every level.
  test.concurrent.each([
    ["live", "SIGINT", 130],
    ["static", "SIGTERM", 143],
    ["contract", "SIGINT", 130],
  ] as const)(
    "%s, %s: the scenario's whole process group is stopped, recorded interrupted, exit %d",
    (level, signal, code) =>
      withSandbox(async (sb) => {
        const a = uniqueSeconds(987);
        const b = uniqueSeconds(986);
        sb.scenario("bg", {
          [`scenario-test-${level}`]: [
            `@echo "bg started"; sh -c "sleep ${a} & sleep ${b} & wait"; echo "bg finished"`,
          ],
        });
        const { proc, stdout } = startReading(
          "run-matrix",
          [level, "bg", "--scenarios-dir", sb.scenarios],
          sb.env(),
        );
        await waitFor(
          () => processesWithArg(a).length > 0 && processesWithArg(b).length > 0,
          30_000,
          "both background sleeps",
        );
        proc.kill(signal);
        expect(await proc.exited).toBe(code);
        await stdout.done;
        // Bounded polling of /proc: no process of the scenario's group is left.
        await waitFor(
          () => processesWithArg(a).length === 0 && processesWithArg(b).length === 0,
          10_000,
          "no background sleep left",
        );
        expect(stdout.text).not.toContain("bg finished");
        expect(stdout.text).toContain("[FAIL] bg scenario-test-");
        const summary = sb.summary();
        expect(summary.interrupted).toEqual(["bg"]);
        expect(summary.scenario_results.bg?.result).toBe("interrupted");
        const manifest = sb.manifest("bg");
        expect(manifest.result).toBe("fail");
        expect(manifest.fail_reason).toBe("interrupted");
      }),
  );
});

describe("reports", () => {
  function reportScenarios(sb: Sandbox): void {
    sb.scenario("r-pass", { "scenario-test-static": ["@true"] });
    sb.scenario("r-skip", { "scenario-test-static": [`@echo '[SKIP] needs <gpu> & "fast" disk'; exit 3`] });
    sb.scenario("r-fail", { "scenario-test-static": ["@exit 1"] });
  }

  test.concurrent("--junit writes well-formed JUnit XML; GITHUB_STEP_SUMMARY gets a table appended", () =>
    withSandbox(async (sb) => {
      reportScenarios(sb);
      const junit = join(sb.root, "reports", "nested", "junit.xml");
      const step = join(sb.root, "step-summary.md");
      writeFileSync(step, "# earlier step\n");
      const r = await sb.run(
        "run-matrix",
        ["static", "r-pass", "r-skip", "r-fail", "--junit", junit, "--scenarios-dir", sb.scenarios],
        { GITHUB_STEP_SUMMARY: step },
      );
      expect(r.code).toBe(1);
      const summary = sb.summary();
      const skipReason = summary.scenario_results["r-skip"]?.skip_reason;
      expect(skipReason).toBe('needs <gpu> & "fast" disk');

      const text = await Bun.file(junit).text();
      expect(text).toContain("needs &lt;gpu&gt; &amp; &quot;fast&quot; disk");
      const root = parseXml(text);
      expect(root.name).toBe("testsuites");
      const suite = root.children[0] as XmlElement;
      expect(suite.name).toBe("testsuite");
      expect(suite.attrs).toMatchObject({ tests: "3", failures: "1", skipped: "1" });
      const cases: Record<string, XmlElement> = Object.fromEntries(
        suite.children.map((c) => [c.attrs.name as string, c]),
      );
      expect(suite.children.map((c) => c.name)).toEqual(["testcase", "testcase", "testcase"]);
      expect(cases["r-pass"]?.children).toEqual([]);
      expect(cases["r-skip"]?.children.map((c) => c.name)).toEqual(["skipped"]);
      expect(cases["r-skip"]?.children[0]?.attrs.message).toBe(skipReason as string);
      expect(cases["r-fail"]?.children.map((c) => c.name)).toEqual(["failure"]);
      expect(cases["r-fail"]?.children[0]?.attrs.message).toBe("exit 1");

      const md = await Bun.file(step).text();
      expect(md).toStartWith("# earlier step\n");
      const rows = md.split("\n").filter((l) => /^\| r-/.test(l));
      expect(rows).toHaveLength(3);
      expect(rows.find((l) => l.startsWith("| r-pass | pass |"))).toBeDefined();
      expect(rows.find((l) => l.startsWith("| r-fail | fail |"))).toContain("exit 1");
      // Escaped, so GitHub does not take "<gpu>" for an HTML tag and drop it.
      expect(rows.find((l) => l.startsWith("| r-skip | skip |"))).toContain("&lt;gpu&gt; &amp;");
    }));

  test.concurrent("GitHub Actions: execution_kind ci, provider, workflow and run id", () =>
    withSandbox(async (sb) => {
      reportScenarios(sb);
      const r = await sb.run("run-matrix", ["static", "r-pass", "--scenarios-dir", sb.scenarios], {
        GITHUB_ACTIONS: "true",
        CI: "true",
        GITHUB_WORKFLOW: "ci",
        GITHUB_RUN_ID: "123",
      });
      expect(r.code).toBe(0);
      const expected = {
        provider: "github-actions",
        workflow: "ci",
        run_id: "123",
        system: "github-actions",
      };
      const summary = sb.summary();
      expect(summary.execution_kind).toBe("ci");
      expect(summary.ci).toEqual(expected);
      const manifest: Manifest = sb.manifest("r-pass");
      expect(manifest.execution_kind).toBe("ci");
      expect(manifest.ci).toEqual(expected);
    }));

  test.concurrent("GitLab CI: provider local, as the reference's readers know it; system gitlab", () =>
    withSandbox(async (sb) => {
      reportScenarios(sb);
      const r = await sb.run("run-matrix", ["static", "r-pass", "--scenarios-dir", sb.scenarios], {
        GITLAB_CI: "true",
        CI: "true",
      });
      expect(r.code).toBe(0);
      const summary = sb.summary();
      expect(summary.execution_kind).toBe("ci");
      expect(summary.ci).toMatchObject({ provider: "local", system: "gitlab" });
      expect(sb.manifest("r-pass").ci).toMatchObject({ provider: "local", system: "gitlab" });
    }));
});

describe("review fixes: derived reports, stale files, daemons, unusable artifact dirs", () => {
  test.concurrent("JUnit, the step summary and stdout carry no machine identifier and no token", () =>
    withSandbox(async (sb) => {
      const token = "Zq7canaryTokXyz";
      sb.scenario(
        "echoer",
        allLevels([
          '@echo "[SKIP] cannot reach canaryboxq7 as zorkuserq7 with $$TELEMETRY_BEARER_TOKEN"; exit 3',
        ]),
      );
      const junit = join(sb.artifacts, "junit.xml");
      const step = join(sb.root, "step.md");
      writeFileSync(step, "");
      const r = await sb.run(
        "run-matrix",
        ["static", "echoer", "--scenarios-dir", sb.scenarios, "--junit", junit],
        {
          HOSTNAME: "canaryboxq7",
          USER: "zorkuserq7",
          LOGNAME: "zorkuserq7",
          TELEMETRY_ENABLED: "true",
          TELEMETRY_BEARER_TOKEN: token,
          GITHUB_STEP_SUMMARY: step,
        },
      );
      expect(r.code).toBe(0);
      const texts = [await Bun.file(junit).text(), await Bun.file(step).text(), r.stdout];
      for (const text of texts) {
        expect(text).toContain("cannot reach");
        for (const canary of ["canaryboxq7", "zorkuserq7", token]) expect(text).not.toContain(canary);
      }
    }));

  test.concurrent("a cluster.json left by an earlier run is not this run's metadata", () =>
    withSandbox(async (sb) => {
      const dir = sb.scenario("stale", allLevels(["@true"]));
      mkdirSync(join(dir, "generated"), { recursive: true });
      const file = join(dir, "generated", "cluster.json");
      writeFileSync(file, CLUSTER_JSON);
      const old = new Date(Date.now() - 3600_000);
      utimesSync(file, old, old);
      const r = await sb.run("run-matrix", ["static", "stale", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(0);
      const [manifest] = sb.read().manifests;
      expect(manifest?.productive_k3s.resolved_from_cluster_json).toBe(false);
      expect(manifest?.productive_k3s.version).toBe("unspecified");
    }));

  test.concurrent("a recipe that leaves a daemon holding the output open does not hold the run", () =>
    withSandbox(async (sb) => {
      // The daemon would hold the output open for 10 minutes (longer than the test may take):
      // the run ends without it and the daemon, in the scenario's process group, is stopped.
      const seconds = uniqueSeconds(600);
      sb.scenario("daemon", allLevels([`@sleep ${seconds} & echo started`]));
      const r = await sb.run("run-matrix", ["static", "daemon", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(0);
      expect(lines(r.stdout)).toContain("[PASS] daemon scenario-test-static");
      await waitFor(() => processesWithArg(seconds).length === 0, 10_000, "the daemon to be stopped");
    }));

  test.concurrent("an unusable TEST_ARTIFACTS_DIR is one clear error before anything runs", () =>
    withSandbox(async (sb) => {
      sb.scenario("never", allLevels(['@touch "$(PROBE_DIR)/ran"']));
      const notADir = join(sb.root, "a-file");
      writeFileSync(notADir, "x");
      const r = await sb.run("run-matrix", ["static", "never", "--scenarios-dir", sb.scenarios], {
        TEST_ARTIFACTS_DIR: notADir,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("TEST_ARTIFACTS_DIR is not a writable directory");
      expect(sb.probed("ran")).toBeNull();
    }));

  test.concurrent.each(["run-matrix", "run-scenario"])(
    "%s: an infra-runs/ that is a symbolic link is refused with one line naming it; nothing written through it, nothing runs",
    (script) =>
      withSandbox(async (sb) => {
        sb.scenario("never", allLevels(['@touch "$(PROBE_DIR)/ran"']));
        const artifacts = join(sb.root, "own-artifacts");
        const victim = join(sb.root, "victim");
        mkdirSync(artifacts);
        mkdirSync(victim);
        symlinkSync(victim, join(artifacts, "infra-runs"));
        const r = await sb.run(script, ["static", "never", "--scenarios-dir", sb.scenarios], {
          TEST_ARTIFACTS_DIR: artifacts,
        });
        expect(r.code).toBe(1);
        const errors = lines(r.stderr);
        expect(errors).toHaveLength(1);
        expect(errors[0]).toContain(`${JSON.stringify(join(artifacts, "infra-runs"))} is a symbolic link`);
        expect(errors[0]).toContain("refusing to write manifests through it");
        expect(sb.probed("ran")).toBeNull();
        expect(readdirSync(victim)).toEqual([]);
        expect(readdirSync(artifacts)).toEqual(["infra-runs"]); // no summary either
      }),
  );
});

describe("correlation ids are not rewritten by the guard", () => {
  test.concurrent("a host name that spells a UUID group (cafe) leaves the ids intact, reasons guarded", () =>
    withSandbox(async (sb) => {
      sb.scenario("hexhost", allLevels(['@echo "[SKIP] cafe is not reachable today"; exit 3']));
      const session = "01a21585-cafe-7000-8000-0123456789ab";
      const r = await sb.run("run-matrix", ["static", "hexhost", "--scenarios-dir", sb.scenarios], {
        HOSTNAME: "cafe",
        TELEMETRY_SESSION_ID: session,
      });
      expect(r.code).toBe(0);
      const { manifests, summaries } = sb.read();
      expect(manifests[0]?.session_id).toBe(session);
      expect(summaries[0]?.session_id).toBe(session);
      expect(manifests[0]?.skip_reason).toBe("<host> is not reachable today");
    }));
});

describe("hostile and broken conditions: always a summary, bounded output, no token printed", () => {
  test.concurrent("make missing from PATH: one message first, every scenario failed with it, a summary, exit 1", () =>
    withSandbox(async (sb) => {
      referenceScenarios(sb);
      const empty = join(sb.root, "empty-path");
      mkdirSync(empty);
      const r = await sb.run(
        "run-matrix",
        ["static", "demo-pass", "demo-skip", "--scenarios-dir", sb.scenarios],
        {
          PATH: empty,
        },
      );
      expect(r.code).toBe(1);
      const message = "make not found on PATH: no scenario can run (install GNU make)";
      expect(lines(r.stderr)[0]).toBe(`pk3s-run-matrix: error: ${message}`);
      expect(linesWith(r.stderr, "make not found")).toHaveLength(1);
      expect(lines(r.stdout).slice(0, 2)).toEqual([
        `[FAIL] demo-pass scenario-test-static: ${message}`,
        `[FAIL] demo-skip scenario-test-static: ${message}`,
      ]);
      const summary = sb.summary();
      expect(summary.fail).toEqual(["demo-pass", "demo-skip"]);
      for (const name of ["demo-pass", "demo-skip"]) {
        expect(summary.scenario_results[name]?.fail_reason).toBe(message);
        expect(sb.manifest(name).fail_reason).toBe(message);
      }
      expect(existsSync(join(sb.scenarios, "demo-pass", "generated"))).toBe(false); // nothing ran
    }));

  test.concurrent("a skip reason far over 400 characters is cut, not refused: recorded, the others still run", () =>
    withSandbox(async (sb) => {
      const long = Array.from({ length: 150 }, (_, i) => `attempt${i}`).join(" ");
      sb.scenario("a-long", allLevels([`@echo "[SKIP] ${long}"; exit 3`]));
      sb.scenario("b-after", allLevels(["@true"]));
      const r = await sb.run("run-matrix", ["static", "a-long", "b-after", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(0);
      const reason = sb.manifest("a-long").skip_reason ?? "";
      expect(reason.length).toBeLessThanOrEqual(400);
      expect(reason).toEndWith("…");
      expect(long.startsWith(reason.slice(0, -1))).toBe(true);
      const summary = sb.summary();
      expect(summary.skip).toEqual(["a-long"]);
      expect(summary.pass).toEqual(["b-after"]);
      expect(summary.scenario_results["a-long"]?.skip_reason).toBe(reason);
    }));

  test.concurrent("a scenario printing ~50 MB: only the tail is printed, with a note of what was cut; memory bounded", () =>
    withSandbox(async (sb) => {
      // 50,000,000 bytes of 50-byte lines, then a last line, then a failure.
      sb.scenario("loud", {
        "scenario-test-static": [
          `@yes "0123456789 0123456789 0123456789 0123456789 xyz" | head -c 50000000; echo "the very last line"; exit 1`,
        ],
      });
      const { proc, stdout, stderr } = startReading(
        "run-matrix",
        ["static", "loud", "--scenarios-dir", sb.scenarios],
        sb.env(),
      );
      // The runner's peak resident memory (VmHWM), read from /proc until it exits.
      let peakKb = 0;
      while (proc.exitCode === null) {
        const status = await Bun.file(`/proc/${proc.pid}/status`)
          .text()
          .catch(() => "");
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
        await Promise.race([proc.exited, Bun.sleep(50)]);
      }
      expect(await proc.exited).toBe(1);
      await Promise.all([stdout.done, stderr.done]);
      expect(stdout.text).toContain("[FAIL] loud scenario-test-static: exit 1");
      const err = stderr.text;
      expect(Buffer.byteLength(err)).toBeLessThan(70 * 1024);
      expect(err).toMatch(
        /^\[\.\.\. \d{7} earlier lines \(4\d\.\d MiB\) cut: only the last 200 lines \/ 64\.0 KiB are kept\]$/m,
      );
      expect(err).toContain("the very last line\n");
      expect(err).toContain("make: *** [Makefile:2: scenario-test-static] Error 1");
      expect(peakKb).toBeGreaterThan(0);
      expect(peakKb).toBeLessThan(200 * 1024); // the whole output would be 50 MB as bytes, ~100 MB as a string
    }));

  test.concurrent("the bearer token is printed nowhere: plain, split by an ANSI code or a zero-width space", () =>
    withSandbox(async (sb) => {
      const token = `tok-CANARY-zq7-${crypto.randomUUID()}`;
      // Each line prints the token: as it is, with a colour code inside, with U+200B inside.
      const say = [
        'echo "plain $$TELEMETRY_BEARER_TOKEN end"',
        't=$$TELEMETRY_BEARER_TOKEN; h=$${t%??????????}; printf "ansi %s\\033[1m%s end\\n" "$$h" "$${t#"$$h"}"',
        't=$$TELEMETRY_BEARER_TOKEN; h=$${t%??????????}; printf "zw %s\\342\\200\\213%s end\\n" "$$h" "$${t#"$$h"}" >&2',
      ].join("; ");
      sb.scenario("talker", {
        "scenario-test-live": [`@${say}`],
        "scenario-test-static": [`@${say}; exit 1`],
      });
      const env = { TELEMETRY_ENABLED: "true", TELEMETRY_BEARER_TOKEN: token };
      const live = await sb.run("run-scenario", ["live", "talker", "--scenarios-dir", sb.scenarios], env);
      const captured = await sb.run("run-matrix", ["static", "talker", "--scenarios-dir", sb.scenarios], env);
      expect(live.code).toBe(0);
      expect(captured.code).toBe(1);
      for (const r of [live, captured]) {
        const all = r.stdout + r.stderr;
        // The scenario really printed the three lines, each redacted.
        expect(all).toContain("plain *** end");
        expect(all).toContain("ansi *** end");
        expect(all).toContain("zw *** end");
        expect(all).not.toContain(token);
        expect(all).not.toContain(token.slice(0, -10)); // not even the first part of a split token
      }
      expect(sb.allText(sb.root)).not.toContain(token);
    }));

  test.concurrent("artifacts disk full: no .tmp or empty file left; the error names what was not recorded", async () => {
    const sb = new Sandbox();
    try {
      sb.scenario("full-a", allLevels(["@true"]));
      const disk = join(sb.root, "disk");
      mkdirSync(disk);
      const listing = join(sb.probe, "listing");
      // A private mount namespace (no mount is left behind, even if the test dies) with a
      // 512 KiB tmpfs as TEST_ARTIFACTS_DIR, filled up before the matrix runs.
      const inside = [
        'mount -t tmpfs -o size=512k pk3s-test "$1" || exit 90',
        'mkdir -p "$1/infra-runs"',
        'dd if=/dev/zero of="$1/filler" bs=4096 2>/dev/null; shift; "$@"; rc=$?',
        'find "$TEST_ARTIFACTS_DIR" -type f -printf "%s %P\\n" | sort > "$PROBE_DIR/listing"; exit $rc',
      ].join("; ");
      const unshare = process.getuid?.() === 0 ? ["unshare", "-m"] : ["unshare", "-rm"];
      const proc = Bun.spawn(
        [
          ...unshare,
          "sh",
          "-c",
          inside,
          "sh",
          disk,
          ...scriptArgv("run-matrix", ["static", "full-a", "--scenarios-dir", sb.scenarios]),
        ],
        { cwd: REPO, env: sb.env({ TEST_ARTIFACTS_DIR: disk }), stdout: "pipe", stderr: "pipe" },
      );
      const [stdout, stderr, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      expect(code).toBe(1);
      expect(stdout).toContain("[PASS] full-a scenario-test-static");
      expect(stderr).toMatch(
        /^pk3s-run-matrix: error: not recorded: the manifest of full-a: no space left on device \(ENOSPC\) writing infra-runs\/\S+\.json$/m,
      );
      expect(stderr).toMatch(
        /^pk3s-run-matrix: error: not recorded: the summary of this static matrix \(run \S+: 1 pass, 0 skip, 0 fail, 0 interrupted\): no space left on device \(ENOSPC\) writing \S+-summary\.json$/m,
      );
      const files = lines(await Bun.file(listing).text());
      expect(files).toHaveLength(1); // the filler, and nothing else: no .tmp, no empty manifest
      expect(files[0]).toEndWith(" filler");
    } finally {
      await sb.cleanup();
    }
  });
});

describe("at a terminal (a real pty, 100 columns and 0 columns)", () => {
  /** What stays on screen: each line as the text after its last carriage return. */
  const screen = (typescript: string) =>
    typescript
      .replace(/\r\n/g, "\n")
      .split("\n")
      .map((line) => line.slice(line.lastIndexOf("\r") + 1).replace(/\x1b\[2K/g, ""))
      .filter((line) => line !== "");

  test.concurrent.each([100, 0])(
    "stty cols %d: result lines render cleanly, no stray lines, progress fits",
    (cols) =>
      withSandbox(async (sb) => {
        const names = ["pty-a", "pty-b", "pty-c"];
        for (const name of names) sb.scenario(name, { "scenario-test-static": ["@true"] });
        const command = [...scriptArgv("run-matrix", ["static", ...names, "--scenarios-dir", sb.scenarios])]
          .map((arg) => `'${arg}'`)
          .join(" ");
        const proc = Bun.spawn(["script", "-qfec", `stty cols ${cols} rows 40; ${command}`, "/dev/null"], {
          cwd: REPO,
          env: sb.env({ TELEMETRY_ENABLED: "false", TERM: "xterm" }),
          stdin: "pipe",
          stdout: "pipe",
          stderr: "pipe",
        });
        const [typescript, , code] = await Promise.all([
          new Response(proc.stdout).text(),
          new Response(proc.stderr).text(),
          proc.exited,
        ]);
        expect(code).toBe(0);
        const shown = screen(typescript);
        expect(shown.slice(0, 3).sort()).toEqual(names.map((n) => `[PASS] ${n} scenario-test-static`));
        expect(shown[3]).toStartWith("static matrix PASS: 3 passed, 0 failed, 0 skipped in ");
        expect(shown[4]).toStartWith("summary: ");
        expect(shown).toHaveLength(5);
        expect(typescript).not.toContain("│");
        // Every drawing of the progress line fits the width (80 when the pty says 0).
        const drawn = typescript.split("\r\x1b[2K").map((part) => part.split(/[\r\n]/)[0] ?? "");
        for (const part of drawn) expect([...part].length).toBeLessThanOrEqual((cols || 80) - 1);
      }),
  );
});

describe("Ctrl-C at a terminal through a Make target", () => {
  test.concurrent("make test-live: the whole group is stopped, the summary written, make returns 130", () =>
    withSandbox(async (sb) => {
      const a = uniqueSeconds(977);
      const b = uniqueSeconds(976);
      sb.scenario("ctrl-c", {
        "scenario-test-live": [`@echo "ctrl-c started"; sh -c "sleep ${a} & sleep ${b} & wait"`],
      });
      const proc = Bun.spawn(
        [
          "script",
          "-qfec",
          "stty cols 100 rows 40; make --no-print-directory test-live SCENARIOS=ctrl-c",
          "/dev/null",
        ],
        {
          cwd: REPO,
          env: sb.env({ PK3S_SCENARIOS_DIR: sb.scenarios, TELEMETRY_ENABLED: "false" }),
          stdin: "pipe",
          stdout: "pipe",
          stderr: "ignore",
        },
      );
      let typescript = "";
      const decoder = new TextDecoder();
      const reading = (async () => {
        for await (const chunk of proc.stdout) typescript += decoder.decode(chunk, { stream: true });
      })();
      await waitFor(
        () =>
          typescript.includes("ctrl-c started") &&
          processesWithArg(a).length + processesWithArg(b).length === 2,
        30_000,
        "the scenario's background sleeps",
      );
      proc.stdin.write("\x03"); // the terminal's interrupt character: SIGINT to the foreground group
      proc.stdin.flush();
      expect(await proc.exited).toBe(130); // make, interrupted, as the shell reports it
      await reading;
      await waitFor(
        () => processesWithArg(a).length + processesWithArg(b).length === 0,
        10_000,
        "no sleep left",
      );
      expect(typescript).toContain("[FAIL] ctrl-c scenario-test-live: interrupted");
      expect(sb.summary().interrupted).toEqual(["ctrl-c"]);
    }));
});
