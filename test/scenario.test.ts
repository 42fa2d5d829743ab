import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as v from "valibot";
import {
  bundledScenariosDir,
  isCompiled,
  listScenarios,
  resolveScenario,
  ScenarioDefinitionSchema,
  ScenarioError,
  type ScenarioErrorKind,
  type ScenarioSearchOptions,
  scenarioMetadata,
  scenarioSearchPath,
} from "../lib/runs/scenario.ts";

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

describe("resolveScenario: search order", () => {
  type Place = "option" | "env" | "profiles" | "bundled";
  // Which places hold the scenario → where it must be found (first hit wins).
  const rows: Array<[Place[], Place]> = [
    [["option", "env", "profiles", "bundled"], "option"],
    [["env", "profiles", "bundled"], "env"],
    [["profiles", "bundled"], "profiles"],
    [["bundled"], "bundled"],
    [["option", "bundled"], "option"],
    [["env", "bundled"], "env"],
    [["option", "profiles"], "option"],
    [["profiles"], "profiles"],
  ];
  const expectedSource = {
    option: "option",
    env: "PK3S_SCENARIOS_DIR",
    profiles: "PRODUCTIVE_K3S_PROFILES_REPO_DIR",
    bundled: "bundled",
  } as const;

  test.each(rows)("present in %p → found in %p", (present, winner) => {
    const base = tempDir("order");
    const dirs: Record<Place, string> = {
      option: join(base, "option"),
      env: join(base, "env"),
      profiles: join(base, "profiles", "scenarios"),
      bundled: join(base, "bundled"),
    };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    // Each copy has a distinct topology, so the definition shows which one was read.
    for (const place of present) makeScenario(dirs[place], "demo", validDefinition("demo", `from-${place}`));
    const found = resolveScenario("demo", {
      scenariosDir: dirs.option,
      env: { PK3S_SCENARIOS_DIR: dirs.env, PRODUCTIVE_K3S_PROFILES_REPO_DIR: join(base, "profiles") },
      bundledDir: dirs.bundled,
    });
    expect(found.source).toBe(expectedSource[winner]);
    expect(found.dir).toBe(join(dirs[winner], "demo"));
    expect(found.definition?.levels.live?.topology).toBe(`from-${winner}`);
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
    expect(scenarioSearchPath(options)).toEqual([{ source: "bundled", dir: join(base, "bundled") }]);
    expect(resolveScenario("demo", options).source).toBe("bundled");
  });

  test("a directory without a Makefile is not a scenario: the search goes on", () => {
    const base = tempDir("nomakefile");
    mkdirSync(join(base, "option", "demo"), { recursive: true });
    writeFileSync(join(base, "option", "demo", "scenario.json"), JSON.stringify(validDefinition("demo")));
    makeScenario(join(base, "bundled"), "demo");
    const found = resolveScenario("demo", {
      scenariosDir: join(base, "option"),
      env: {},
      bundledDir: join(base, "bundled"),
    });
    expect(found.source).toBe("bundled");
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

  test("an unknown name lists the known names of every search dir, sorted and de-duplicated", () => {
    const b = tempDir("unknown");
    makeScenario(join(b, "opt"), "zeta");
    makeScenario(join(b, "opt"), "alpha");
    makeScenario(join(b, "env"), "alpha");
    makeScenario(join(b, "env"), "mid");
    makeScenario(join(b, "profiles", "scenarios"), "beta");
    makeScenario(join(b, "bundled"), "gamma");
    makeScenario(join(b, "bundled"), "_shared");
    mkdirSync(join(b, "bundled", "no-makefile"));
    const error = scenarioError(() =>
      resolveScenario("nope", {
        scenariosDir: join(b, "opt"),
        env: { PK3S_SCENARIOS_DIR: join(b, "env"), PRODUCTIVE_K3S_PROFILES_REPO_DIR: join(b, "profiles") },
        bundledDir: join(b, "bundled"),
      }),
    );
    expect(error.kind).toBe("unknown");
    expect(error.message).toContain('"nope"');
    expect(error.message).toContain("known scenarios: alpha, beta, gamma, mid, zeta");
    expect(error.message).not.toContain(b);
  });

  test("a missing search dir is named by its source, not its path", () => {
    const b = tempDir("missing");
    makeScenario(join(b, "bundled"), "only");
    const error = scenarioError(() =>
      resolveScenario("nope", {
        scenariosDir: join(b, "does-not-exist"),
        env: {},
        bundledDir: join(b, "bundled"),
      }),
    );
    expect(error.message).toContain("--scenarios-dir (missing)");
    expect(error.message).toContain("known scenarios: only");
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
