// The four bundled scenarios driven through real `make` subprocesses, with an explicit,
// hermetic environment: PATH holds only Bun and the few tools the recipes need (so no real
// multipass, tofu or ssh), and the telemetry context is built the way pk3s-run-scenario builds it.
import { afterAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { GENERATED_FILE_MAX_BYTES } from "../lib/checks/contract-check.ts";
import { newId } from "../lib/telemetry/correlation.ts";
import { propagatedSet } from "../lib/telemetry/propagation.ts";
import { parseSettings } from "../lib/telemetry/settings.ts";

const SCENARIOS_DIR = resolve(import.meta.dir, "..", "scenarios");
const SHARED_DIR = join(SCENARIOS_DIR, "_shared");
/** The runner from source: the scenario checks are its hidden subcommands. */
const RUN_SCENARIO = resolve(import.meta.dir, "..", "scripts", "run-scenario.ts");
const NAMES = ["multipass", "onprem-basic", "onprem-basic-arm", "aws-single-node"] as const;
type Name = (typeof NAMES)[number];
const SLOW = 60_000;

const root = mkdtempSync(join(tmpdir(), "pk3s-scenarios-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A bin directory with `bun` and only the external tools the recipes use. */
const toolsDir = join(root, "tools");
mkdirSync(toolsDir);
symlinkSync(process.execPath, join(toolsDir, "bun"));
for (const tool of ["make", "sh", "mkdir", "rm", "mv", "cat"]) {
  const found = Bun.which(tool);
  if (!found) throw new Error(`${tool} is needed to run the scenario Makefiles`);
  symlinkSync(found, join(toolsDir, tool));
}
const BASE_PATH = `${toolsDir}:${dirname(process.execPath)}`;
const HOME = join(root, "home");
mkdirSync(HOME);

let counter = 0;
function tempDir(label: string): string {
  const dir = join(root, `${label}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A directory holding fake executables: name → shell body. */
function fakeBin(scripts: Record<string, string>): string {
  const dir = tempDir("fakebin");
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

const canary = () => `tok-CANARY-scn-${crypto.randomUUID()}`;

interface Context {
  env: Record<string, string>;
  sessionId: string;
  scenarioRunId: string;
  token: string | null;
}

/** The propagated set pk3s-run-scenario hands to make, built with the library itself. */
function telemetryContext(enabled: boolean, token: string | null = null): Context {
  const outbox = tempDir("outbox");
  const { settings } = parseSettings({
    TELEMETRY_ENDPOINT: "https://telemetry.example.test/telemetry",
    TELEMETRY_OUTBOX_DIR: outbox,
    ...(token ? { TELEMETRY_BEARER_TOKEN: token } : {}),
  });
  const sessionId = newId();
  const scenarioRunId = newId();
  const set = propagatedSet(settings, { enabled }, { sessionId, runId: scenarioRunId, parentRunId: null });
  return { env: { ...set }, sessionId, scenarioRunId, token };
}

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function make(
  name: string,
  level: string,
  env: Record<string, string>,
  args: string[] = [],
  path = BASE_PATH,
): Run {
  const run = Bun.spawnSync(
    ["make", "--no-print-directory", "-C", join(SCENARIOS_DIR, name), `scenario-test-${level}`, ...args],
    {
      env: { PATH: path, HOME, ...env },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  return { exitCode: run.exitCode ?? -1, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

/** Every file under dir, as text. */
function filesUnder(dir: string): Array<[string, string]> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return [path, readFileSync(path, "utf8")] as [string, string];
    });
}

function parseRecord(path: string): Map<string, string> {
  const record = new Map<string, string>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^([A-Z_]+)='?(.*?)'?$/.exec(line);
    if (match?.[1] && !line.startsWith("#")) record.set(match[1], match[2] ?? "");
  }
  return record;
}

function expectNoCanary(token: string | null, run: Run, generated: string): void {
  if (!token) return;
  expect(run.stdout).not.toContain(token);
  expect(run.stderr).not.toContain(token);
  for (const [, content] of filesUnder(generated)) expect(content).not.toContain(token);
}

const CONTRACT_METADATA: Record<Name, { topology: string; node_count_expected: number | string }> = {
  multipass: { topology: "three-node", node_count_expected: 3 },
  "onprem-basic": { topology: "single-or-multi", node_count_expected: "variable" },
  "onprem-basic-arm": { topology: "single-node-arm", node_count_expected: 1 },
  "aws-single-node": { topology: "single-node", node_count_expected: 1 },
};

describe("static level", () => {
  test.each(NAMES)(
    "%s: passes and says what it checked",
    (name) => {
      const run = make(name, "static", {});
      expect(run.stderr).toBe("");
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain(`[static] ${name}: scenario.json valid (levels: static, contract, live)`);
      expect(run.stdout).toContain(
        "Makefile defines scenario-test-static, scenario-test-contract, scenario-test-live",
      );
      expect(run.stdout).toContain("_shared/bootstrap.sh, _shared/core-standin.sh, _shared/live.sh");
      expect(run.stdout).toContain(`[static] ${name}: ok`);
    },
    SLOW,
  );

  test(
    "fails on a bad definition, a script with a syntax error and a wrong SCENARIO",
    () => {
      const dir = join(tempDir("static-bad"), "broken");
      mkdirSync(dir);
      writeFileSync(
        join(dir, "Makefile"),
        `SCENARIO := not-broken\nLIVE_PREREQ := none\ninclude ${join(SHARED_DIR, "scenario.mk")}\n`,
      );
      writeFileSync(
        join(dir, "scenario.json"),
        JSON.stringify({ schema_version: "1", name: "broken", levels: { live: { environment: "vm" } } }),
      );
      writeFileSync(join(dir, "helper.sh"), "if true; then\n  echo missing fi\n");
      const run = Bun.spawnSync(["make", "--no-print-directory", "-C", dir, "scenario-test-static"], {
        env: { PATH: BASE_PATH, HOME },
        stdout: "pipe",
        stderr: "pipe",
      });
      const stderr = run.stderr.toString();
      expect(run.exitCode).not.toBe(0);
      expect(stderr).toContain(
        "scenarios/broken/scenario.json is invalid: levels.live.topology: missing (required)",
      );
      expect(stderr).toContain("broken/helper.sh fails sh -n");
      expect(stderr).toContain('sets SCENARIO to "not-broken"');
      expect(stderr).not.toContain(root);
    },
    SLOW,
  );

  test(
    "fails when the Makefile lacks level targets",
    () => {
      const dir = join(tempDir("static-targets"), "partial");
      mkdirSync(dir);
      writeFileSync(join(dir, "Makefile"), "scenario-test-static:\n\t@true\n");
      const run = Bun.spawnSync(["bun", RUN_SCENARIO, "__static-check", dir, SHARED_DIR], {
        env: { PATH: BASE_PATH, HOME },
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(run.exitCode).toBe(1);
      expect(run.stdout.toString()).toContain("no scenario.json: its metadata reads unknown");
      expect(run.stderr.toString()).toContain(
        "the Makefile does not define scenario-test-contract, scenario-test-live",
      );
    },
    SLOW,
  );
});

describe("contract level: the propagation contract holds", () => {
  const cases = NAMES.flatMap((name) => [
    [name, "enabled, canary token"] as const,
    [name, "enabled, no token"] as const,
    [name, "disabled"] as const,
  ]);

  test.each(cases)(
    "%s (%s)",
    (name, mode) => {
      const ctx =
        mode === "disabled"
          ? telemetryContext(false)
          : telemetryContext(true, mode === "enabled, canary token" ? canary() : null);
      const generated = tempDir("gen");
      const run = make(name, "contract", ctx.env, [`GENERATED_DIR=${generated}`]);
      expect(run.stderr).toBe("");
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain(`[contract] ${name}: propagation contract holds`);
      expect(run.stdout).toContain(mode === "disabled" ? "telemetry disabled" : "telemetry enabled");

      // What the stand-in saw: the same session, the scenario run as parent, no run id of its own.
      const record = parseRecord(join(generated, "core-record.env"));
      expect(record.get("TELEMETRY_SESSION_ID")).toBe(ctx.sessionId);
      expect(record.get("TELEMETRY_PARENT_RUN_ID")).toBe(ctx.scenarioRunId);
      expect(record.get("TELEMETRY_RUN_ID")).toBe("");
      expect(record.get("TELEMETRY_ENABLED")).toBe(mode === "disabled" ? "false" : "true");
      expect(record.get("TELEMETRY_BEARER_TOKEN_PRESENT")).toBe(ctx.token ? "true" : "false");
      expect(record.has("TELEMETRY_BEARER_TOKEN")).toBe(false);

      // cluster.json: the allowed metadata and nothing else.
      const cluster = JSON.parse(readFileSync(join(generated, "cluster.json"), "utf8"));
      expect(cluster).toEqual({
        productive_k3s: {
          source: "release",
          version: "v0.0.0-standin",
          release_repo: "productive-k3s-core",
          engine: "k3s",
        },
        installation: CONTRACT_METADATA[name],
      });
      expectNoCanary(ctx.token, run, generated);
    },
    SLOW,
  );

  test(
    "GENERATED_DIR from the environment, and PRODUCTIVE_K3S_* metadata in cluster.json",
    () => {
      const ctx = telemetryContext(true, canary());
      const generated = tempDir("gen-env");
      const run = make("multipass", "contract", {
        ...ctx.env,
        GENERATED_DIR: generated,
        PRODUCTIVE_K3S_SOURCE: "git",
        PRODUCTIVE_K3S_VERSION: "v1.30.2+k3s1",
        PRODUCTIVE_K3S_RELEASE_REPO: "example/productive-k3s-core",
        PRODUCTIVE_K3S_ENGINE: "k3s",
      });
      expect(run.exitCode).toBe(0);
      const cluster = JSON.parse(readFileSync(join(generated, "cluster.json"), "utf8"));
      expect(cluster.productive_k3s).toEqual({
        source: "git",
        version: "v1.30.2+k3s1",
        release_repo: "example/productive-k3s-core",
        engine: "k3s",
      });
      expectNoCanary(ctx.token, run, generated);
    },
    SLOW,
  );

  test(
    "a real productive-k3s-core configured for live is not called by the contract level",
    () => {
      const marker = join(tempDir("called"), "called");
      const core = fakeBin({ "fake-core": `: > '${marker}'` });
      const generated = tempDir("gen-core");
      const run = make("aws-single-node", "contract", {
        ...telemetryContext(false).env,
        PRODUCTIVE_K3S_CORE_BOOTSTRAP: join(core, "fake-core"),
        GENERATED_DIR: generated,
      });
      expect(run.exitCode).toBe(0);
      expect(readdirSync(dirname(marker))).toEqual([]);
    },
    SLOW,
  );
});

describe("contract level: violations fail and name their rule", () => {
  const violations: Array<[string, (ctx: Context) => void, string, string]> = [
    [
      "a bearer token while TELEMETRY_ENABLED=false",
      (ctx) => {
        ctx.env.TELEMETRY_BEARER_TOKEN = ctx.token ?? "";
      },
      "[token-only-when-enabled]",
      "while telemetry is disabled",
    ],
    [
      "no TELEMETRY_PARENT_RUN_ID",
      (ctx) => {
        delete ctx.env.TELEMETRY_PARENT_RUN_ID;
      },
      "[parent-run-id]",
      "run this scenario through pk3s-run-scenario",
    ],
    [
      "a non-empty TELEMETRY_RUN_ID",
      (ctx) => {
        ctx.env.TELEMETRY_RUN_ID = newId();
      },
      "[run-id-empty]",
      "the core must generate its own run id",
    ],
    [
      "TELEMETRY_ENABLED not normalised",
      (ctx) => {
        ctx.env.TELEMETRY_ENABLED = "yes";
      },
      "[enabled]",
      "as true or false",
    ],
    [
      "no TELEMETRY_MARKER",
      (ctx) => {
        delete ctx.env.TELEMETRY_MARKER;
      },
      "[present]",
      "TELEMETRY_MARKER",
    ],
  ];

  for (const name of ["multipass", "onprem-basic"] as const) {
    test.each(violations)(
      `${name}: %s`,
      (_label, breakIt, rule, text) => {
        const token = canary();
        // The token violation starts from a disabled context; the others from an enabled one.
        const ctx =
          rule === "[token-only-when-enabled]"
            ? telemetryContext(false, token)
            : telemetryContext(true, token);
        ctx.token = token;
        breakIt(ctx);
        const generated = tempDir("gen-bad");
        const run = make(name, "contract", ctx.env, [`GENERATED_DIR=${generated}`]);
        expect(run.exitCode).not.toBe(0);
        expect(run.stdout).not.toContain("propagation contract holds");
        expect(run.stderr).toContain(`[contract] ${name}: violation ${rule}`);
        expect(run.stderr).toContain(text);
        expectNoCanary(token, run, generated);
      },
      SLOW,
    );
  }

  test(
    "a core that writes the token or extra keys into cluster.json is caught",
    () => {
      const ctx = telemetryContext(true, canary());
      // A leaky core: writes cluster.json with an extra field holding the token and the endpoint.
      const leaky = fakeBin({
        "leaky-core": [
          'cat > "$GENERATED_DIR/core-record.env" <<EOF',
          "TELEMETRY_ENABLED='$TELEMETRY_ENABLED'",
          "EOF",
          'printf \'{"productive_k3s":{"source":"release","version":"v1","release_repo":"r","engine":"k3s"},"installation":{"topology":"three-node","node_count_expected":3},"telemetry":{"token":"%s","endpoint":"%s"}}\' "$TELEMETRY_BEARER_TOKEN" "$TELEMETRY_ENDPOINT" > "$GENERATED_DIR/cluster.json"',
        ].join("\n"),
      });
      const generated = tempDir("gen-leak");
      mkdirSync(generated, { recursive: true });
      // Run the handover with the leaky core, then the checker, as the contract recipe does.
      const env = { PATH: BASE_PATH, HOME, ...ctx.env, GENERATED_DIR: generated };
      const handover = Bun.spawnSync(
        [join(SHARED_DIR, "bootstrap.sh"), join(SCENARIOS_DIR, "multipass"), "contract"],
        { env: { ...env, PRODUCTIVE_K3S_CORE_BOOTSTRAP: join(leaky, "leaky-core") } },
      );
      expect(handover.exitCode).toBe(0);
      const check = Bun.spawnSync(
        ["bun", RUN_SCENARIO, "__contract-check", join(SCENARIOS_DIR, "multipass")],
        {
          env,
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      const stderr = check.stderr.toString();
      expect(check.exitCode).toBe(1);
      expect(stderr).toContain("[cluster-json-allowed-keys]: cluster.json telemetry: unknown");
      expect(stderr).toContain(
        "[cluster-json-no-telemetry]: cluster.json contains the value of TELEMETRY_BEARER_TOKEN",
      );
      expect(stderr).toContain("cluster.json contains the value of TELEMETRY_ENDPOINT");
      expect(stderr).toContain("[token-not-on-disk]: cluster.json contains the bearer token");
      expect(stderr).toContain("[session-id]");
      expect(stderr).not.toContain(ctx.token ?? "unreachable");
      expect(stderr).not.toContain("telemetry.example.test");
    },
    SLOW,
  );

  test(
    "generated files are read bounded: one too big to check is a violation, a FIFO is never opened (no hang)",
    () => {
      const ctx = telemetryContext(true, canary());
      const generated = tempDir("gen-big");
      mkdirSync(generated, { recursive: true });
      const env = { PATH: BASE_PATH, HOME, ...ctx.env, GENERATED_DIR: generated };
      const handover = Bun.spawnSync(
        [join(SHARED_DIR, "bootstrap.sh"), join(SCENARIOS_DIR, "multipass"), "contract"],
        { env },
      );
      expect(handover.exitCode).toBe(0);
      const check = () =>
        Bun.spawnSync(["bun", RUN_SCENARIO, "__contract-check", join(SCENARIOS_DIR, "multipass")], {
          env,
          stdout: "pipe",
          stderr: "pipe",
          timeout: 30_000,
        });
      expect(check().exitCode).toBe(0); // the handover as written passes
      // A log the core left behind, a byte over the bound (sparse: no disk is filled), and a FIFO.
      writeFileSync(join(generated, "core.log"), "log\n");
      truncateSync(join(generated, "core.log"), GENERATED_FILE_MAX_BYTES + 1);
      Bun.spawnSync(["mkfifo", join(generated, "pipe")]);
      const bad = check();
      const stderr = bad.stderr.toString();
      expect(bad.exitCode).toBe(1);
      expect(stderr).toContain(
        `violation [token-not-on-disk]: core.log could not be checked for the bearer token: larger than ${GENERATED_FILE_MAX_BYTES} bytes`,
      );
      expect(stderr).not.toContain("pipe");
      // core-record.env replaced by a FIFO: not opened, reported as missing.
      rmSync(join(generated, "core.log"));
      rmSync(join(generated, "core-record.env"));
      Bun.spawnSync(["mkfifo", join(generated, "core-record.env")]);
      const fifo = check();
      expect(fifo.exitCode).toBe(1);
      expect(fifo.stderr.toString()).toContain("[core-record]");
    },
    SLOW,
  );
});

describe("live level", () => {
  const reasons: Record<Name, string> = {
    multipass: "[SKIP] multipass not installed",
    "onprem-basic": "[SKIP] no SSH target configured (set ONPREM_SSH_TARGET)",
    "onprem-basic-arm": "[SKIP] no SSH target configured (set ONPREM_SSH_TARGET to an arm64 host)",
    "aws-single-node": "[SKIP] OpenTofu not installed (tofu)",
  };
  const NOT_CONFIGURED =
    "[SKIP] productive-k3s-core bootstrap not configured (set PRODUCTIVE_K3S_CORE_BOOTSTRAP)";

  /** make exits 2 when the recipe exits 3; the [SKIP] line and make's "Error 3" carry the skip. */
  function expectSkip(run: Run, line: string): void {
    expect(run.stdout).toBe(`${line}\n`);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("Error 3");
  }

  test.each(NAMES)(
    "%s: skips with one [SKIP] line when its prerequisites are missing",
    (name) => {
      expectSkip(make(name, "live", telemetryContext(false).env), reasons[name]);
    },
    SLOW,
  );

  test(
    "a fake multipass on PATH gets past the prerequisite to the core-bootstrap check",
    () => {
      const bin = fakeBin({ multipass: "exit 0" });
      const run = make("multipass", "live", telemetryContext(false).env, [], `${bin}:${BASE_PATH}`);
      expectSkip(run, NOT_CONFIGURED);
      expect(run.stdout).not.toContain(reasons.multipass);
    },
    SLOW,
  );

  test(
    "with a fake multipass and a core bootstrap, live hands the telemetry context over",
    () => {
      const bin = fakeBin({ multipass: "exit 0" });
      const ctx = telemetryContext(true, canary());
      const generated = tempDir("gen-live");
      const run = make(
        "multipass",
        "live",
        {
          ...ctx.env,
          PRODUCTIVE_K3S_CORE_BOOTSTRAP: join(SHARED_DIR, "core-standin.sh"),
          GENERATED_DIR: generated,
        },
        [],
        `${bin}:${BASE_PATH}`,
      );
      expect(run.exitCode).toBe(0);
      expect(run.stdout).not.toContain("[SKIP]");
      const record = parseRecord(join(generated, "core-record.env"));
      expect(record.get("TELEMETRY_PARENT_RUN_ID")).toBe(ctx.scenarioRunId);
      expect(record.get("TELEMETRY_BEARER_TOKEN_PRESENT")).toBe("true");
      expectNoCanary(ctx.token, run, generated);
    },
    SLOW,
  );

  test(
    "aws-single-node: tofu without credentials, then with a profile",
    () => {
      const bin = fakeBin({ tofu: "exit 0" });
      const path = `${bin}:${BASE_PATH}`;
      expectSkip(
        make("aws-single-node", "live", {}, [], path),
        "[SKIP] missing cloud credentials for aws-single-node",
      );
      const credentials: Array<Record<string, string>> = [
        { AWS_PROFILE: "ci" },
        { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE" },
        { AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token" },
      ];
      for (const creds of credentials) {
        expectSkip(make("aws-single-node", "live", creds, [], path), NOT_CONFIGURED);
      }
    },
    SLOW,
  );

  test(
    "onprem-basic: an SSH target but no ssh client; the reason names neither host nor user",
    () => {
      const target = { ONPREM_SSH_TARGET: "alice@10.20.30.40" };
      const run = make("onprem-basic", "live", target);
      expectSkip(run, "[SKIP] ssh client not installed");
      const bin = fakeBin({ ssh: "exit 0" });
      const next = make("onprem-basic", "live", target, [], `${bin}:${BASE_PATH}`);
      expectSkip(next, NOT_CONFIGURED);
      for (const r of [run, next]) {
        expect(r.stdout + r.stderr).not.toContain("alice");
        expect(r.stdout + r.stderr).not.toContain("10.20.30.40");
      }
    },
    SLOW,
  );

  test(
    "onprem-basic-arm: a non-arm64 target is skipped; an arm64 one is bootstrapped, token off the command line",
    () => {
      const argsLog = join(tempDir("ssh-args"), "args");
      const env = {
        ONPREM_SSH_TARGET: "alice@10.20.30.40",
        PRODUCTIVE_K3S_CORE_BOOTSTRAP: join(SHARED_DIR, "core-standin.sh"),
      };
      const x86 = fakeBin({ ssh: `printf '%s\\n' "$*" >> '${argsLog}'; echo x86_64` });
      const skipped = make("onprem-basic-arm", "live", env, [], `${x86}:${BASE_PATH}`);
      expectSkip(skipped, "[SKIP] SSH target is not arm64 (onprem-basic-arm needs an arm64 host)");

      const ctx = telemetryContext(true, canary());
      const generated = tempDir("gen-arm");
      const arm = fakeBin({ ssh: `printf '%s\\n' "$*" >> '${argsLog}'; echo aarch64` });
      const run = make(
        "onprem-basic-arm",
        "live",
        { ...ctx.env, ...env, GENERATED_DIR: generated },
        [],
        `${arm}:${BASE_PATH}`,
      );
      expect(run.exitCode).toBe(0);
      const cluster = JSON.parse(readFileSync(join(generated, "cluster.json"), "utf8"));
      expect(cluster.installation).toEqual({ topology: "single-node-arm", node_count_expected: 1 });
      const args = readFileSync(argsLog, "utf8");
      expect(args).toContain("-- alice@10.20.30.40 uname -m");
      expect(args).not.toContain(ctx.token ?? "unreachable");
      expectNoCanary(ctx.token, run, generated);
    },
    SLOW,
  );
});
