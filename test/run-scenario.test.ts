// pk3s-run-scenario as a real process over fixture scenarios (and `make scenario-test` over a
// bundled one): the argument forms, exit codes, classification through make, what a failure
// shows, live streaming, and the manifest it writes (validated against the JSON Schema).
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startReceiver } from "./support/receiver.ts";
import { waitFor } from "./support/run.ts";
import { BUN_DIR, type Sandbox, startReading, untilProbe, withSandbox } from "./support/sandbox.ts";

const T = "scenario-test-static";

function fixtures(sb: Sandbox): void {
  sb.scenario("demo-pass", { [T]: ["@echo all good"] });
  sb.scenario("demo-skip", { [T]: ['@echo "[SKIP] missing cloud credentials in demo-skip"; exit 3'] });
  sb.scenario("demo-fail", {
    [T]: ['@echo "step one ok"; echo "step two broke: disk full" >&2; exit 4'],
  });
  sb.scenario("bare-exit-3", { [T]: ["@echo nothing to do here; exit 3"] });
}

/** A scenario directory that records the target it ran and the make variable VAR. */
function recorder(sb: Sandbox, name: string): string {
  const record = (target: string) => [`@echo "target=${target} VAR=$(VAR)" > "$(PROBE_DIR)/${name}.ran"`];
  return sb.scenario(
    name,
    { "custom-target": record("custom-target"), [T]: record(T) },
    { parent: join(sb.root, "elsewhere") },
  );
}

describe("results and exit codes", () => {
  test.concurrent("pass → exit 0, [PASS] line, a valid manifest", () =>
    withSandbox(async (sb) => {
      fixtures(sb);
      const r = await sb.run("run-scenario", ["static", "demo-pass", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`[PASS] demo-pass ${T}\n`);
      expect(r.stderr).toBe(""); // captured output of a passing scenario is not shown
      const m = sb.manifest("demo-pass");
      expect(m).toMatchObject({
        result: "pass",
        test_level: "static",
        parent_run_id: null,
        execution_kind: "manual",
        installation: { environment: "unknown", topology: "unknown", node_count_expected: "unknown" },
      });
      expect(m.skip_reason).toBeUndefined();
      expect(sb.read().summaries).toEqual([]);
    }));

  test.concurrent("[SKIP] line and exit 3 → exit 0, [SKIP] line with the reason", () =>
    withSandbox(async (sb) => {
      fixtures(sb);
      const r = await sb.run("run-scenario", ["static", "demo-skip", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`[SKIP] demo-skip ${T}: missing cloud credentials in demo-skip\n`);
      expect(sb.manifest("demo-skip")).toMatchObject({
        result: "skip",
        skip_reason: "missing cloud credentials in demo-skip",
      });
    }));

  test.concurrent("a recipe's bare exit 3 reaches the harness through make: skip", () =>
    withSandbox(async (sb) => {
      fixtures(sb);
      const r = await sb.run("run-scenario", ["static", "bare-exit-3", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`[SKIP] bare-exit-3 ${T}: exit code 3\n`);
      expect(sb.manifest("bare-exit-3")).toMatchObject({ result: "skip", skip_reason: "exit code 3" });
    }));

  test.concurrent("fail → exit 1, [FAIL] line, the captured output on stderr", () =>
    withSandbox(async (sb) => {
      fixtures(sb);
      const r = await sb.run("run-scenario", ["static", "demo-fail", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(`[FAIL] demo-fail ${T}: exit 4\n`);
      expect(r.stderr).toContain("step one ok\n");
      expect(r.stderr).toContain("step two broke: disk full\n");
      expect(r.stderr).toContain(`make: *** [Makefile:2: ${T}] Error 4`);
      const m = sb.manifest("demo-fail");
      expect(m.result).toBe("fail");
      expect(m.fail_reason).toBe("exit 4"); // the recipe's status, not make's 2
      // Captured output is shown, never recorded.
      expect(sb.allText()).not.toContain("disk full");
    }));

  test.concurrent("telemetry enabled: started and completed events carry the manifest's run id", () =>
    withSandbox(async (sb) => {
      const receiver = startReceiver();
      try {
        fixtures(sb);
        const parent = Bun.randomUUIDv7();
        const r = await sb.run("run-scenario", ["static", "demo-skip", "--scenarios-dir", sb.scenarios], {
          TELEMETRY_ENABLED: "true",
          TELEMETRY_ENDPOINT: receiver.url,
          TELEMETRY_PARENT_RUN_ID: parent,
        });
        expect(r.code).toBe(0);
        await waitFor(() => new Set(receiver.eventIds()).size >= 2, 30_000, "2 events");
        const m = sb.manifest("demo-skip");
        expect(m.parent_run_id).toBe(parent);
        expect(m.telemetry.share_metrics_enabled).toBe(true);
        const events = receiver.bodies() as Array<{
          run_id: string;
          parent_run_id: string;
          session_id: string;
          event_name: string;
          command: { name: string; scenario: string; result: string };
        }>;
        const byName = new Map(events.map((e) => [e.event_name, e]));
        expect([...byName.keys()].sort()).toEqual(["infra.command.completed", "infra.command.started"]);
        for (const e of byName.values()) {
          expect(e).toMatchObject({
            run_id: m.run_id,
            parent_run_id: parent,
            session_id: m.session_id,
            command: { name: "run-scenario", scenario: "demo-skip" },
          });
        }
        expect(byName.get("infra.command.completed")?.command.result).toBe("skipped");
      } finally {
        await receiver.stop();
      }
    }));
});

describe("make missing from PATH", () => {
  test.concurrent("one message before anything runs, the scenario recorded failed with it, exit 1", () =>
    withSandbox(async (sb) => {
      fixtures(sb);
      const empty = join(sb.root, "empty-path");
      mkdirSync(empty);
      const r = await sb.run("run-scenario", ["static", "demo-pass", "--scenarios-dir", sb.scenarios], {
        PATH: empty,
      });
      const message = "make not found on PATH: no scenario can run (install GNU make)";
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`pk3s-run-scenario: error: ${message}\n`);
      expect(r.stdout).toBe(`[FAIL] demo-pass ${T}: ${message}\n`);
      expect(sb.manifest("demo-pass")).toMatchObject({ result: "fail", fail_reason: message });
    }));
});

describe("usage errors (exit 2)", () => {
  test.concurrent("an unknown scenario: exit 2, where it looked named, the operator's names not listed", () =>
    withSandbox(async (sb) => {
      fixtures(sb);
      const r = await sb.run("run-scenario", ["static", "no-such", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'unknown scenario "no-such": not found in --scenarios-dir, directly or one category down',
      );
      for (const name of ["bare-exit-3", "demo-fail", "demo-pass", "demo-skip", sb.scenarios]) {
        expect(r.stderr).not.toContain(name);
      }
      expect(r.stdout).toBe("");
      expect(existsSync(sb.artifacts)).toBe(false);
    }));

  test.concurrent.each([
    [["bogus", "demo-pass"], 'unknown level "bogus"'],
    [["STATIC", "demo-pass"], 'unknown level "STATIC"'],
    [["static"], "missing <scenario>"],
    [["static", "../demo-pass"], "invalid scenario name"],
    [["static", "a/b"], "invalid scenario name"],
  ])("%j → exit 2 (%s)", (args, message) =>
    withSandbox(async (sb) => {
      fixtures(sb);
      const r = await sb.run("run-scenario", [...args, "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain("Usage:");
      expect(existsSync(sb.artifacts)).toBe(false);
    }),
  );
});

describe("argument forms", () => {
  test.concurrent("reference form: <level> <scenario> <scenario-dir> <target> VAR=x", () =>
    withSandbox(async (sb) => {
      const dir = recorder(sb, "ref-demo");
      const r = await sb.run("run-scenario", ["static", "ref-demo", dir, "custom-target", "VAR=x"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("[PASS] ref-demo custom-target\n");
      expect(sb.probed("ref-demo.ran")).toBe("target=custom-target VAR=x\n");
      const m = sb.manifest("ref-demo");
      expect(m.phases).toEqual({
        test_static: { status: "pass", duration_seconds: m.duration_seconds, target: "custom-target" },
      });
      expect(m.scenario_source).toBe("directory");
      expect(sb.allText()).not.toContain(dir);
    }));

  test.concurrent("--dir and --target, make arguments after --", () =>
    withSandbox(async (sb) => {
      const dir = recorder(sb, "opt-demo");
      const r = await sb.run("run-scenario", [
        "static",
        "opt-demo",
        "--dir",
        dir,
        "--target",
        "custom-target",
        "--",
        "VAR=y",
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("[PASS] opt-demo custom-target\n");
      expect(sb.probed("opt-demo.ran")).toBe("target=custom-target VAR=y\n");
    }));

  test.concurrent("--dir alone runs the level's target", () =>
    withSandbox(async (sb) => {
      const dir = recorder(sb, "dir-demo");
      const r = await sb.run("run-scenario", ["static", "dir-demo", "--dir", dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`[PASS] dir-demo ${T}\n`);
      expect(sb.probed("dir-demo.ran")).toBe(`target=${T} VAR=\n`);
    }));

  test.concurrent("PK3S_SCENARIOS_DIR finds fixture scenarios without --scenarios-dir", () =>
    withSandbox(async (sb) => {
      fixtures(sb);
      const r = await sb.run("run-scenario", ["static", "demo-pass"], { PK3S_SCENARIOS_DIR: sb.scenarios });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`[PASS] demo-pass ${T}\n`);
    }));
});

describe("live level", () => {
  test.concurrent("output streams line by line as it happens (seen before the scenario can go on)", () =>
    withSandbox(async (sb) => {
      // The second line waits for a file the test creates only after it has seen the first:
      // the first line can only have been seen while the scenario was still running.
      sb.scenario("streamer", {
        "scenario-test-live": [`@echo "first line"; ${untilProbe("go")}; echo "second line"`],
      });
      const { proc, stdout } = startReading(
        "run-scenario",
        ["live", "streamer", "--scenarios-dir", sb.scenarios],
        sb.env(),
      );
      await stdout.waitFor("first line\n", 30_000);
      expect(proc.exitCode).toBeNull();
      expect(stdout.text).not.toContain("second line");
      writeFileSync(join(sb.probe, "go"), "");
      expect(await proc.exited).toBe(0);
      await stdout.done;
      expect(stdout.text).toBe("first line\nsecond line\n[PASS] streamer scenario-test-live\n");
    }));

  test.concurrent("a live skip prints one line: ours, not the scenario's [SKIP] nor make's error", () =>
    withSandbox(async (sb) => {
      sb.scenario("skipper", {
        "scenario-test-live": [
          '@echo "checking prerequisites"; echo "[SKIP] multipass not installed"; exit 3',
        ],
      });
      const r = await sb.run("run-scenario", ["live", "skipper", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        "checking prerequisites\n[SKIP] skipper scenario-test-live: multipass not installed\n",
      );
      expect(r.stderr).toBe("");
      expect(sb.manifest("skipper").skip_reason).toBe("multipass not installed");
    }));

  test.concurrent("a bundled scenario's live skip through scenario.mk and live.sh: one line", () =>
    withSandbox(async (sb) => {
      const r = await sb.run("run-scenario", ["live", "multipass"], { PATH: `${BUN_DIR}:/usr/bin:/bin` });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("[SKIP] multipass scenario-test-live: multipass not installed\n");
      expect(r.stderr).toBe("");
    }));

  test.concurrent("a live failure shows make's error line after the output, and names the recipe's status", () =>
    withSandbox(async (sb) => {
      sb.scenario("failer", { "scenario-test-live": ['@echo "going"; exit 5'] });
      const f = await sb.run("run-scenario", ["live", "failer", "--scenarios-dir", sb.scenarios]);
      expect(f.code).toBe(1);
      expect(f.stdout).toBe("going\n[FAIL] failer scenario-test-live: exit 5\n");
      expect(f.stderr).toBe("make: *** [Makefile:2: scenario-test-live] Error 5\n");
    }));
});

describe("make scenario-test", () => {
  test.concurrent("LEVEL=static SCENARIO=multipass through real make: exit 0 and a manifest", () =>
    withSandbox(async (sb) => {
      const r = await sb.make(["scenario-test", "LEVEL=static", "SCENARIO=multipass"]);
      expect(r.stderr).not.toContain("Error");
      expect(r.stdout + r.stderr).not.toContain("scripts/run-scenario.ts"); // no echoed command line
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("[PASS] multipass scenario-test-static");
      const m = sb.manifest("multipass");
      expect(m).toMatchObject({
        result: "pass",
        test_level: "static",
        installation: { environment: "vm", topology: "three-node", node_count_expected: "3" },
        scenario_source: "bundled",
        features: { cert_manager: true, longhorn: true, rancher: true, registry: true },
      });
    }));

  test.concurrent("without SCENARIO: usage message, exit non-zero", () =>
    withSandbox(async (sb) => {
      const r = await sb.make(["scenario-test", "LEVEL=static"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("usage: make scenario-test");
      expect(existsSync(sb.artifacts)).toBe(false);
    }));
});
