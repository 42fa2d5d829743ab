import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as v from "valibot";
import {
  bundledScenariosDir,
  definitionOwners,
  findScenarioDir,
  isCompiled,
  listScenarios,
  readScenarioDefinition,
  resolveScenario,
  SCENARIO_DEFINITION_MAX_BYTES,
  ScenarioDefinitionSchema,
  ScenarioError,
  type ScenarioErrorKind,
  type ScenarioSearchOptions,
  scenarioMetadata,
  scenarioSource,
  sourceKindOfDir,
} from "../lib/runs/scenario.ts";
import type { TelemetryEvent } from "../lib/telemetry/event.ts";
import { giveAway, requireRoot } from "./support/hostile.ts";
import { startReceiver } from "./support/receiver.ts";
import { REPO, waitFor } from "./support/run.ts";
import { type Sandbox, withSandbox } from "./support/sandbox.ts";
import { validateArtifact } from "./support/schemas.ts";

const root = mkdtempSync(join(tmpdir(), "pk3s-scenario-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function tempDir(label: string): string {
  const dir = join(root, `${label}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A scenario directory `<base>/<name>` with a Makefile and, optionally, a scenario.json. */
function makeScenario(base: string, name: string, definition?: unknown): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Makefile"), "scenario-test-static:\n\t@true\n");
  if (definition !== undefined) {
    const text = typeof definition === "string" ? definition : JSON.stringify(definition);
    writeFileSync(join(dir, "scenario.json"), text);
  }
  return dir;
}

function validDefinition(name: string, topology = "three-node") {
  return {
    schema_version: "1",
    name,
    levels: {
      live: {
        environment: "vm",
        topology,
        node_count_expected: 3,
        bootstrap_modes_used: ["server"],
        features: { registry: true },
      },
    },
  };
}

function scenarioError(run: () => unknown): ScenarioError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error("expected a ScenarioError, nothing was thrown");
}

describe("scenarioSource: the one place scenarios come from", () => {
  type Setting = "option" | "env" | "profiles";
  // Which settings are given → the source searched (the first one; bundled only when none is).
  const rows: Array<[Setting[], string, string]> = [
    [["option", "env", "profiles"], "directory", "--scenarios-dir"],
    [["env", "profiles"], "directory", "PK3S_SCENARIOS_DIR"],
    [["profiles"], "profiles", "scenarios/ of PRODUCTIVE_K3S_PROFILES_REPO_DIR"],
    [["option", "profiles"], "directory", "--scenarios-dir"],
    [[], "bundled", "the bundled scenarios"],
  ];
  test.each(rows)("given %p → kind %p, named %p", (settings, kind, label) => {
    const base = "/srv/x";
    const source = scenarioSource({
      scenariosDir: settings.includes("option") ? "opt" : undefined,
      env: {
        PK3S_SCENARIOS_DIR: settings.includes("env") ? "envdir" : undefined,
        PRODUCTIVE_K3S_PROFILES_REPO_DIR: settings.includes("profiles") ? "checkout" : undefined,
      },
      bundledDir: "bundled",
      cwd: base,
    });
    expect({ kind: source.kind as string, label: source.label }).toEqual({ kind, label });
    const dirs: Record<string, string> = {
      "--scenarios-dir": "/srv/x/opt",
      PK3S_SCENARIOS_DIR: "/srv/x/envdir",
      "scenarios/ of PRODUCTIVE_K3S_PROFILES_REPO_DIR": "/srv/x/checkout/scenarios",
      "the bundled scenarios": "/srv/x/bundled",
    };
    expect(source.dir).toBe(dirs[label] as string);
  });

  test("empty settings count as unset; relative directories resolve against cwd", () => {
    const base = tempDir("relative");
    makeScenario(join(base, "bundled"), "demo");
    const options: ScenarioSearchOptions = {
      scenariosDir: "",
      env: { PK3S_SCENARIOS_DIR: " ", PRODUCTIVE_K3S_PROFILES_REPO_DIR: "" },
      bundledDir: "bundled",
      cwd: base,
    };
    expect(scenarioSource(options)).toMatchObject({ kind: "bundled", dir: join(base, "bundled") });
    expect(resolveScenario("demo", options)).toMatchObject({
      source: "bundled",
      dir: join(base, "bundled", "demo"),
    });
  });

  // The bug this guards: a checkout's local/multipass was passed over for the bundled multipass.
  test.each(["option", "env", "profiles"] as const)(
    "a name the %s source lacks is an error naming the source, never the bundled scenario",
    (setting) => {
      const b = tempDir(`lacks-${setting}`);
      makeScenario(join(b, "bundled"), "multipass");
      const mine = setting === "profiles" ? join(b, "checkout", "scenarios") : join(b, "mine");
      makeScenario(join(mine, "local"), "private-lab-7");
      makeScenario(mine, "secret-site");
      const error = scenarioError(() =>
        resolveScenario("multipass", {
          scenariosDir: setting === "option" ? mine : undefined,
          env: {
            PK3S_SCENARIOS_DIR: setting === "env" ? mine : undefined,
            PRODUCTIVE_K3S_PROFILES_REPO_DIR: setting === "profiles" ? join(b, "checkout") : undefined,
          },
          bundledDir: join(b, "bundled"),
        }),
      );
      const named = {
        option: "--scenarios-dir",
        env: "PK3S_SCENARIOS_DIR",
        profiles: "scenarios/ of PRODUCTIVE_K3S_PROFILES_REPO_DIR",
      }[setting];
      expect(error.kind).toBe("unknown");
      expect(error.message).toStartWith(
        `unknown scenario "multipass": not found in ${named}, directly or one category down`,
      );
      expect(error.message).toContain("the bundled scenarios are not used");
      // Where it looked, by name; never the path, never the operator's other scenarios.
      for (const hidden of [b, "private-lab-7", "secret-site", "local"])
        expect(error.message).not.toContain(hidden);
    },
  );

  test("a checkout without scenarios/ says so, by the variable", () => {
    const b = tempDir("no-scenarios");
    mkdirSync(join(b, "checkout", "profiles"), { recursive: true });
    const error = scenarioError(() =>
      resolveScenario("multipass", {
        env: { PRODUCTIVE_K3S_PROFILES_REPO_DIR: join(b, "checkout") },
        bundledDir: b,
      }),
    );
    expect(error.message).toContain("scenarios/ of PRODUCTIVE_K3S_PROFILES_REPO_DIR is not a directory");
    expect(error.message).not.toContain(b);
  });
});

describe("a productive-k3s-profiles checkout", () => {
  /** profiles/ and scenarios/ by category, as the real repository lays them out. */
  function checkout(): string {
    const repo = tempDir("checkout");
    mkdirSync(join(repo, "profiles"), { recursive: true });
    writeFileSync(join(repo, "profiles", "README.md"), "profiles\n");
    const scenarios = join(repo, "scenarios");
    for (const [category, name] of [
      ["local", "multipass"],
      ["edge", "onprem-basic"],
      ["edge", "onprem-basic-arm"],
      ["cloud", "aws-single-node"],
    ] as const) {
      makeScenario(join(scenarios, category), name);
    }
    makeScenario(scenarios, "flat-one"); // directly under scenarios/
    mkdirSync(join(scenarios, "_shared", "hidden-helper"), { recursive: true });
    writeFileSync(join(scenarios, "README.md"), "scenarios\n");
    return repo;
  }

  test.each([
    ["multipass", "local/multipass"],
    ["onprem-basic", "edge/onprem-basic"],
    ["onprem-basic-arm", "edge/onprem-basic-arm"],
    ["aws-single-node", "cloud/aws-single-node"],
    ["flat-one", "flat-one"],
  ])("%s is found at scenarios/%s", (name, where) => {
    const repo = checkout();
    const bundled = tempDir("bundled");
    makeScenario(bundled, name); // present in the bundled set too: must not be the one found
    const found = resolveScenario(name, {
      env: { PRODUCTIVE_K3S_PROFILES_REPO_DIR: repo },
      bundledDir: bundled,
    });
    expect(found).toMatchObject({ source: "profiles", dir: join(repo, "scenarios", where) });
  });

  test("a helper directory is neither a category nor a scenario", () => {
    const repo = checkout();
    makeScenario(join(repo, "scenarios", "_shared"), "sneaky");
    const error = scenarioError(() =>
      resolveScenario("sneaky", { env: { PRODUCTIVE_K3S_PROFILES_REPO_DIR: repo }, bundledDir: repo }),
    );
    expect(error.kind).toBe("unknown");
  });

  test("a name in two categories is ambiguous, and the error names both categories", () => {
    const repo = checkout();
    makeScenario(join(repo, "scenarios", "lab"), "multipass");
    expect(findScenarioDir(join(repo, "scenarios"), "onprem-basic")).toBe(
      join(repo, "scenarios", "edge", "onprem-basic"),
    );
    const error = scenarioError(() => findScenarioDir(join(repo, "scenarios"), "multipass"));
    expect(error.message).toBe('scenario "multipass" is ambiguous: it is in the categories lab, local');
  });

  test("a scenario directly under scenarios/ wins over a category of the same name", () => {
    const repo = checkout();
    makeScenario(join(repo, "scenarios"), "multipass");
    expect(findScenarioDir(join(repo, "scenarios"), "multipass")).toBe(join(repo, "scenarios", "multipass"));
  });

  test("a directory given directly is recorded by kind: profiles, bundled or directory", () => {
    const repo = checkout();
    const bundled = tempDir("bundled-kind");
    makeScenario(bundled, "multipass");
    const other = makeScenario(tempDir("other"), "multipass");
    const options = { env: { PRODUCTIVE_K3S_PROFILES_REPO_DIR: repo }, bundledDir: bundled };
    expect(sourceKindOfDir(join(repo, "scenarios", "local", "multipass"), options)).toBe("profiles");
    expect(sourceKindOfDir(join(bundled, "multipass"), options)).toBe("bundled");
    expect(sourceKindOfDir(other, options)).toBe("directory");
    expect(
      sourceKindOfDir(join(repo, "scenarios", "local", "multipass"), { env: {}, bundledDir: bundled }),
    ).toBe("directory");
  });
});

describe("resolveScenario: names", () => {
  const base = tempDir("names");
  makeScenario(join(base, "bundled"), "x");
  const options = { env: {}, bundledDir: join(base, "bundled") };

  test.each(["../x", "a/b", "a\\b", ".hidden", "-rf", "", "a..b", "x\0y", "_shared"])(
    "refuses %p as invalid-name",
    (name) => {
      const error = scenarioError(() => resolveScenario(name, options));
      expect(error.kind).toBe("invalid-name" satisfies ScenarioErrorKind);
      expect(error.message).toStartWith("invalid scenario name");
    },
  );

  test("a path-like name is not echoed back", () => {
    const error = scenarioError(() => resolveScenario("../../home/alice/x", options));
    expect(error.message).not.toContain("alice");
    expect(error.message).toContain("path separator");
  });

  test("an unknown name with the bundled scenarios lists the bundled ones (ours to show)", () => {
    const b = tempDir("unknown");
    makeScenario(join(b, "bundled"), "gamma");
    makeScenario(join(b, "bundled"), "alpha");
    makeScenario(join(b, "bundled"), "_shared");
    mkdirSync(join(b, "bundled", "no-makefile"));
    const error = scenarioError(() => resolveScenario("nope", { env: {}, bundledDir: join(b, "bundled") }));
    expect(error.kind).toBe("unknown");
    expect(error.message).toStartWith('unknown scenario "nope"; bundled scenarios: alpha, gamma (or set ');
    expect(error.message).not.toContain(b);
  });
});

describe("listScenarios", () => {
  test("directories with a Makefile, minus _ and . helpers, sorted across dirs", () => {
    const b = tempDir("list");
    makeScenario(join(b, "one"), "b-scn");
    makeScenario(join(b, "one"), "_shared");
    makeScenario(join(b, "one"), ".hidden");
    makeScenario(join(b, "two"), "a-scn");
    makeScenario(join(b, "two"), "b-scn");
    mkdirSync(join(b, "two", "empty"));
    writeFileSync(join(b, "two", "file"), "");
    expect(listScenarios([join(b, "one"), join(b, "two"), join(b, "absent")])).toEqual(["a-scn", "b-scn"]);
  });
});

describe("definitions and metadata", () => {
  test("a scenario with only a Makefile has unknown metadata on every level", () => {
    const b = tempDir("bare");
    makeScenario(b, "bare");
    const found = resolveScenario("bare", { env: {}, bundledDir: b });
    expect(found.definition).toBeNull();
    for (const level of ["static", "contract", "live"] as const) {
      expect(scenarioMetadata(found.definition, level)).toEqual({
        installation: {
          environment: "unknown",
          topology: "unknown",
          node_count_expected: "unknown",
          bootstrap_modes_used: [],
        },
        features: {},
      });
    }
  });

  test("a level the definition does not declare reads unknown too", () => {
    const def = v.parse(ScenarioDefinitionSchema, validDefinition("demo"));
    expect(scenarioMetadata(def, "static").installation.topology).toBe("unknown");
    expect(scenarioMetadata(def, "live").installation.topology).toBe("three-node");
  });

  const invalid: Array<[string, unknown, string]> = [
    [
      "a wrong node count",
      {
        ...validDefinition("bad"),
        levels: { live: { ...validDefinition("bad").levels.live, node_count_expected: -1 } },
      },
      "levels.live.node_count_expected",
    ],
    [
      "an unknown key",
      {
        ...validDefinition("bad"),
        levels: { live: { ...validDefinition("bad").levels.live, host: "10.0.0.1" } },
      },
      "levels.live.host",
    ],
    [
      "a non-boolean feature",
      {
        ...validDefinition("bad"),
        levels: { live: { ...validDefinition("bad").levels.live, features: { rancher: "yes" } } },
      },
      "levels.live.features.rancher",
    ],
    ["a wrong schema version", { ...validDefinition("bad"), schema_version: "2" }, "schema_version"],
    ["an unknown level", { ...validDefinition("bad"), levels: { soak: {} } }, "levels.soak"],
    ["a name that is not the directory's", validDefinition("other"), "name"],
  ];

  test.each(invalid)(
    "%s: names the field, the scenario, and no absolute path",
    (_label, definition, path) => {
      const b = tempDir("invalid");
      makeScenario(b, "bad", definition);
      const error = scenarioError(() => resolveScenario("bad", { env: {}, bundledDir: b }));
      expect(error.kind).toBe("invalid-definition");
      expect(error.message).toContain("scenarios/bad/scenario.json");
      expect(error.message).toContain(`${path}:`);
      expect(error.message).not.toContain(b);
      expect(error.message).not.toContain(root);
    },
  );

  test("malformed JSON is an invalid definition", () => {
    const b = tempDir("json");
    makeScenario(b, "broken", "{ not json");
    const error = scenarioError(() => resolveScenario("broken", { env: {}, bundledDir: b }));
    expect(error.kind).toBe("invalid-definition");
    expect(error.message).toStartWith("scenarios/broken/scenario.json is not valid JSON");
    expect(error.message).not.toContain(b);
  });
});

describe("bundled scenarios", () => {
  const bundled = bundledScenariosDir();
  const mode = (modes: string[]) => modes;
  const expected = {
    multipass: {
      static: ["vm", "three-node", 3, mode(["server", "agent", "stack"])],
      contract: ["vm", "three-node", 3, mode(["server", "agent", "stack"])],
      live: ["vm", "three-node", 3, mode(["server", "agent", "stack"])],
    },
    "onprem-basic": {
      static: ["on-prem", "single-or-multi", "variable", mode(["single-node", "server", "agent", "stack"])],
      contract: ["on-prem", "single-or-multi", "variable", mode(["single-node", "server", "agent", "stack"])],
      live: ["on-prem", "server-agent", 2, mode(["server", "agent", "stack"])],
    },
    "onprem-basic-arm": {
      static: ["on-prem", "single-node-arm", 1, mode(["single-node", "server", "stack"])],
      contract: ["on-prem", "single-node-arm", 1, mode(["single-node", "server", "stack"])],
      live: ["on-prem", "single-node-arm", 1, mode(["single-node", "server", "stack"])],
    },
    "aws-single-node": {
      static: ["cloud", "single-node", 1, mode(["single-node"])],
      contract: ["cloud", "single-node", 1, mode(["single-node"])],
      live: ["cloud", "single-node", 1, mode(["single-node"])],
    },
  } as const;

  test("from source, the bundled dir is <repo>/scenarios and holds exactly the four", () => {
    expect(bundled).toBe(resolve(import.meta.dir, "..", "scenarios"));
    expect(listScenarios([bundled])).toEqual(Object.keys(expected).sort());
  });

  test.each(Object.entries(expected))("%s parses and carries its per-level metadata", (name, levels) => {
    const found = resolveScenario(name, { env: {}, bundledDir: bundled });
    expect(found.source).toBe("bundled");
    expect(found.definition?.name).toBe(name);
    for (const [level, [environment, topology, count, modes]] of Object.entries(levels)) {
      const meta = scenarioMetadata(found.definition, level as "static" | "contract" | "live");
      expect(meta.installation).toEqual({
        environment,
        topology,
        node_count_expected: count,
        bootstrap_modes_used: [...modes],
      });
      expect(Object.keys(meta.features).sort()).toEqual(["cert_manager", "longhorn", "rancher", "registry"]);
    }
  });

  test("compiled (modules in /$bunfs/) or from source: from source, <repo>/scenarios", () => {
    const runtime = {
      modulePath: "/$bunfs/root/pk3s-run-scenario",
      moduleDir: "/$bunfs/root",
      main: "/$bunfs/root/pk3s-run-scenario",
      execPath: "/opt/pk3s/dist/pk3s-run-scenario",
    };
    expect(isCompiled(runtime)).toBe(true);
    const fromSource = {
      ...runtime,
      modulePath: "/src/lib/runs/scenario.ts",
      moduleDir: "/src/lib/runs",
      main: "/src/x.ts",
    };
    expect(isCompiled(fromSource)).toBe(false);
    expect(bundledScenariosDir(fromSource)).toBe("/src/scenarios");
  });
});

describe("a profiles checkout, end to end (real make, real runner processes)", () => {
  /**
   * A checkout shaped as productive-k3s-profiles: profiles/, scenarios/<category>/<name>, each
   * scenario Makefile exporting TELEMETRY_* with `?=` defaults and calling the runner in the
   * reference's positional form from its test-<level> target. `failing` scenarios' static
   * check fails.
   */
  function profilesCheckout(sb: Sandbox, failing: string[]): string {
    const repo = join(sb.root, "productive-k3s-profiles");
    mkdirSync(join(repo, "profiles"), { recursive: true });
    writeFileSync(join(repo, "profiles", "lab.yaml"), "name: lab\n");
    for (const [category, name] of [
      ["local", "multipass"],
      ["edge", "onprem-basic"],
    ] as const) {
      const check = failing.includes(name) ? '@echo "static check of $(SCENARIO) failed"; exit 1' : "@true";
      sb.scenario(
        name,
        [
          "SCENARIO_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))",
          `SCENARIO := ${name}`,
          "RUNNER ?= pk3s-run-scenario",
          "export TELEMETRY_ENABLED ?=",
          "export TELEMETRY_ENDPOINT ?=",
          "export TELEMETRY_MAX_RETRIES ?= 3",
          "export TELEMETRY_CONNECT_TIMEOUT_SECONDS ?= 5",
          "export TELEMETRY_REQUEST_TIMEOUT_SECONDS ?= 10",
          "export TELEMETRY_OUTBOX_DIR ?=",
          `export TELEMETRY_USER_AGENT ?= productive-k3s-infra/${name}`,
          "",
          "test-static:",
          `\t$(RUNNER) static ${name} $(SCENARIO_DIR) scenario-test-static`,
          "",
          "scenario-test-static:",
          `\t${check}`,
          "",
        ].join("\n"),
        { parent: join(repo, "scenarios", category) },
      );
    }
    return repo;
  }

  const runner = `${process.execPath} ${join(REPO, "scripts", "run-scenario.ts")}`;

  async function makeIn(sb: Sandbox, dir: string, target: string, extra: Record<string, string | undefined>) {
    const proc = Bun.spawn(["make", "--no-print-directory", "-C", dir, target], {
      env: sb.env({ RUNNER: runner, ...extra }),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { stdout, stderr, code };
  }

  test.concurrent("the checkout's failing local/multipass is reported FAIL, never the bundled PASS", () =>
    withSandbox(async (sb) => {
      const repo = profilesCheckout(sb, ["multipass"]);
      const env = { PRODUCTIVE_K3S_PROFILES_REPO_DIR: repo };
      const r = await sb.run("run-matrix", ["static", "multipass", "onprem-basic"], env);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("[FAIL] multipass scenario-test-static");
      expect(r.stdout).toContain("[PASS] onprem-basic scenario-test-static");
      expect(r.stderr).toContain("static check of multipass failed");
      const summary = sb.summary();
      expect({ pass: summary.pass, fail: summary.fail }).toEqual({
        pass: ["onprem-basic"],
        fail: ["multipass"],
      });
      for (const name of ["multipass", "onprem-basic"])
        expect(sb.manifest(name).scenario_source).toBe("profiles");
      // A directly run scenario too.
      const direct = await sb.run("run-scenario", ["static", "multipass"], env);
      expect(direct.code).toBe(1);
      expect(direct.stdout).toBe("[FAIL] multipass scenario-test-static: exit 1\n");
      expect(sb.allText()).not.toContain(repo);
    }));

  test.concurrent("a scenario the checkout lacks fails with where it looked; the bundled one does not run", () =>
    withSandbox(async (sb) => {
      const repo = profilesCheckout(sb, []);
      const r = await sb.run("run-matrix", ["static", "aws-single-node", "onprem-basic"], {
        PRODUCTIVE_K3S_PROFILES_REPO_DIR: repo,
      });
      expect(r.code).toBe(1);
      const failed = sb.manifest("aws-single-node");
      expect(failed.result).toBe("fail");
      expect(failed.scenario_source).toBe("profiles");
      expect(failed.fail_reason).toBe(
        'unknown scenario "aws-single-node": not found in scenarios/ of PRODUCTIVE_K3S_PROFILES_REPO_DIR, directly or one category down; the bundled scenarios are not used while PRODUCTIVE_K3S_PROFILES_REPO_DIR is given',
      );
      expect(sb.manifest("onprem-basic").result).toBe("pass");
      expect(sb.allText()).not.toContain(repo);
      expect(sb.allText()).not.toContain("multipass"); // the checkout's other names are not listed
    }));

  test.concurrent("the scenario Makefile's own test-static (positional runner call, ?= defaults) works", () =>
    withSandbox(async (sb) => {
      const repo = profilesCheckout(sb, ["multipass"]);
      const receiver = startReceiver();
      try {
        // Telemetry on: the Makefile's `?=` keeps what the environment gives.
        const on = await makeIn(sb, join(repo, "scenarios", "edge", "onprem-basic"), "test-static", {
          TELEMETRY_ENABLED: "true",
          TELEMETRY_ENDPOINT: receiver.url,
          PRODUCTIVE_K3S_PROFILES_REPO_DIR: repo,
        });
        expect(on.code).toBe(0);
        expect(on.stdout).toContain("[PASS] onprem-basic scenario-test-static");
        const m = sb.manifest("onprem-basic");
        expect(m).toMatchObject({ scenario_source: "profiles", result: "pass" });
        expect(m.telemetry).toMatchObject({ share_metrics_enabled: true, endpoint_configured: true });
        await waitFor(() => new Set(receiver.eventIds()).size >= 2, 15_000, "2 events");
        for (const event of receiver.bodies() as TelemetryEvent[]) {
          expect(validateArtifact("event", event)).toEqual([]);
          expect(event).toMatchObject({
            run_id: m.run_id,
            parent_run_id: "",
            command: { name: "run-scenario", scenario: "onprem-basic", level: "static" },
            client: {
              repository: "productive-k3s-infra",
              script: "pk3s-run-scenario",
              telemetry_enabled: "true",
            },
          });
        }
      } finally {
        await receiver.stop();
      }
      // Nothing set: the `?=` defaults export TELEMETRY_ENABLED and TELEMETRY_ENDPOINT empty —
      // telemetry off, no endpoint configured, and a failing check is a FAIL, not an error.
      const off = await makeIn(sb, join(repo, "scenarios", "local", "multipass"), "test-static", {
        TELEMETRY_ENDPOINT: undefined,
      });
      expect(off.code).not.toBe(0);
      expect(off.stdout).toContain("[FAIL] multipass scenario-test-static");
      expect(off.stderr).not.toContain("warning");
      const failed = sb.manifest("multipass");
      expect(failed.result).toBe("fail");
      expect(failed.scenario_source).toBe("directory"); // no checkout variable: just a directory
      expect(failed.telemetry).toMatchObject({ share_metrics_enabled: false, endpoint_configured: false });
    }));
});

describe("scenario.json is read bounded, never through a link, a FIFO never opened", () => {
  /** The bundled multipass definition under another name: valid, about 1 KB. */
  const valid = (name: string) =>
    JSON.stringify({
      ...JSON.parse(readFileSync(join(REPO, "scenarios/multipass/scenario.json"), "utf8")),
      name,
    });
  const planted: Array<[string, (path: string, name: string) => void, string]> = [
    [
      "a FIFO",
      (path) => {
        Bun.spawnSync(["mkfifo", path]);
      },
      "not a regular file",
    ],
    [
      `a file over ${SCENARIO_DEFINITION_MAX_BYTES} bytes`,
      (path, name) => {
        const text = valid(name);
        writeFileSync(path, text + " ".repeat(SCENARIO_DEFINITION_MAX_BYTES + 1 - text.length));
      },
      `larger than ${SCENARIO_DEFINITION_MAX_BYTES} bytes`,
    ],
    [
      "a symbolic link to a valid definition",
      (path, name) => {
        const elsewhere = `${path}.real`;
        writeFileSync(elsewhere, valid(name));
        symlinkSync(elsewhere, path);
      },
      "a symbolic link",
    ],
  ];
  test.each(planted)("%s: an invalid definition saying why, nothing read", (_label, plant, why) => {
    const name = `bounded-${why.replace(/\W+/g, "-")}`;
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    plant(join(dir, "scenario.json"), name);
    let thrown: unknown;
    try {
      readScenarioDefinition(name, dir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScenarioError);
    expect((thrown as ScenarioError).kind).toBe("invalid-definition");
    expect((thrown as ScenarioError).message).toBe(`scenarios/${name}/scenario.json cannot be read: ${why}`);
  });

  test.each([
    [1000, [1000, 0]],
    [65534, [65534, 0]],
    [0, null],
  ])("uid %p reads the definitions of %p (null: anyone's)", (uid, owners) => {
    expect(definitionOwners(uid)).toEqual(owners);
  });

  test("run as root, a checkout another uid owns is read (a CI container over the runner's workspace)", () => {
    requireRoot();
    const name = "bounded-foreign";
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "scenario.json"), valid(name));
    giveAway(join(dir, "scenario.json"));
    expect(readScenarioDefinition(name, dir)?.name).toBe(name);
  });

  test("at the bound, a valid definition is read; absent, there is none", () => {
    const name = "bounded-ok";
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    expect(readScenarioDefinition(name, dir)).toBeNull();
    const text = valid(name);
    writeFileSync(join(dir, "scenario.json"), text + " ".repeat(SCENARIO_DEFINITION_MAX_BYTES - text.length));
    expect(readScenarioDefinition(name, dir)?.name).toBe(name);
  });
});
