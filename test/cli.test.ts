import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ExitError,
  intOption,
  parseCli,
  parseLevel,
  telemetryFlag,
  UsageError,
  unexpectedArgument,
} from "../lib/cli/args.ts";
import { resolveScenario, type ScenarioError } from "../lib/runs/scenario.ts";
import { errorCode, isCode } from "../lib/util/fs.ts";
import { baseEnv, finish, REPO, run } from "./support/run.ts";
import { useScope } from "./support/scope.ts";

const OPTIONS = {
  format: { type: "string" },
  "dry-run": { type: "boolean" },
  jobs: { type: "string", short: "j" },
} as const;

describe("parseCli: strict options, positionals, --", () => {
  test.each([
    [["a", "--format", "json", "b"], { format: "json" }, ["a", "b"]],
    [["--format=shell"], { format: "shell" }, []],
    [["--format="], { format: "" }, []],
    [["--dry-run", "x"], { "dry-run": true }, ["x"]],
    [["-j", "4", "-h"], { jobs: "4", help: true }, []],
    [["--telemetry", "enable", "live"], { telemetry: "enable" }, ["live"]],
    [["s", "--", "--format", "-j2", "X=1"], {}, ["s", "--format", "-j2", "X=1"]],
    [["-"], {}, ["-"]],
    // A negative number is a value (refused later by the option's range), not an option.
    [["--jobs", "-1"], { jobs: "-1" }, []],
    [["-j", "-3", "x"], { jobs: "-3" }, ["x"]],
    [["--format", "-2.5"], { format: "-2.5" }, []],
  ] as const)("%j", (argv, values, positionals) => {
    const parsed = parseCli([...argv], OPTIONS);
    expect(parsed.values).toEqual(values);
    expect(parsed.positionals).toEqual([...positionals]);
  });

  test.each([
    [["--nope"], 'unknown option "--nope"'],
    [["--nope=1"], 'unknown option "--nope"'],
    [["-x"], 'unknown option "-x"'],
    [["--format"], 'option "--format" needs a value'],
    [["--format", "--dry-run"], 'option "--format" needs a value'],
    [["--format", "-x"], 'option "--format" needs a value'],
    [["--format", "-1x"], 'option "--format" needs a value'],
    [["--dry-run=yes"], 'option "--dry-run" does not take a value'],
  ] as const)("%j is a usage error", (argv, message) => {
    expect(() => parseCli([...argv], OPTIONS)).toThrow(new UsageError(message));
  });
});

describe("parseLevel / intOption", () => {
  test("levels", () => {
    expect(parseLevel("live")).toBe("live");
    expect(() => parseLevel("prod")).toThrow(UsageError);
    expect(() => parseLevel(undefined)).toThrow("missing <level>");
  });
  test.each([
    ["4", 4],
    [" 1 ", 1],
    [undefined, undefined],
  ] as const)("intOption %p", (raw, want) => expect(intOption("jobs", raw, 1, 8)).toBe(want));
  test.each(["0", "9", "-1", "1.5", "x"])("intOption %p is refused, the value quoted", (raw) => {
    expect(() => intOption("jobs", raw, 1, 8)).toThrow(
      `--jobs must be a whole number from 1 to 8 (got ${JSON.stringify(raw)})`,
    );
  });
  test("--jobs -1 and --duration-ms -3 reach the range check", () => {
    const jobs = parseCli(["--jobs", "-1"], OPTIONS).values.jobs;
    expect(() => intOption("jobs", jobs, 1, 64)).toThrow(
      '--jobs must be a whole number from 1 to 64 (got "-1")',
    );
    const duration = parseCli(["--duration-ms", "-3"], { "duration-ms": { type: "string" } }).values[
      "duration-ms"
    ];
    expect(() => intOption("duration-ms", duration, 0, 10)).toThrow("--duration-ms must be a whole number");
  });
});

describe("errors as the unjs packages make them", () => {
  test("UsageError and ExitError carry their name and keep the cause", () => {
    const cause = new Error("root cause");
    const usage = new UsageError("bad", { cause });
    expect(usage.name).toBe("UsageError");
    expect(usage.cause).toBe(cause);
    expect(String(usage)).toBe("UsageError: bad");
    const exit = new ExitError("stopped", 130, { cause, quiet: true });
    expect([exit.name, exit.code, exit.quiet, exit.cause]).toEqual(["ExitError", 130, true, cause]);
    expect(new ExitError("loud", 1).quiet).toBe(false);
  });
  test.each([
    [undefined, undefined],
    ["enable", "enable"],
    [" Disable ", "disable"],
  ] as const)("telemetryFlag(%p) = %p", (raw, want) => expect(telemetryFlag(raw)).toBe(want));
  test("an unknown --telemetry value is a usage error quoting it", () => {
    expect(() => telemetryFlag("perhaps")).toThrow(
      new UsageError('--telemetry must be "enable" or "disable" (got "perhaps")'),
    );
  });
  test("unexpectedArgument quotes the argument", () => {
    expect(unexpectedArgument("x y").message).toBe('unexpected argument "x y"');
  });
  test.each([
    [Object.assign(new Error("x"), { code: "EACCES" }), "EACCES"],
    [{ code: 13 }, undefined],
    ["ENOENT", undefined],
    [null, undefined],
  ])("errorCode(%p) = %p", (error, want) => {
    expect(errorCode(error)).toBe(want);
    expect(isCode(error, "EACCES")).toBe(want === "EACCES");
  });
});

// ---- one behaviour whatever the consent: the programs as real subprocesses ------------------

const scope = useScope();
const STARTED = ["infra.command.started", "--command", "run-scenario", "--result", "started"];
const CONSENTS = [
  ["on", { TELEMETRY_ENABLED: "true", TELEMETRY_ENDPOINT: "" }],
  ["off", { TELEMETRY_ENABLED: "false" }],
  ["unset", {}],
] as const;

describe("pk3s-emit validates its arguments whether telemetry is on or off", () => {
  const cases = [
    [["deploy.started", "--command", "x", "--result", "started"], "event name must be infra.command.<word>"],
    [["infra.command.Started", "--command", "x", "--result", "started"], '"infra.command.Started"'],
    [["infra.command.", "--command", "x", "--result", "started"], "event name must be infra.command.<word>"],
    [
      [...STARTED, "--duration-ms", "-3"],
      '--duration-ms must be a whole number from 0 to 2678400000 (got "-3")',
    ],
    [[...STARTED, "--level", "prod"], '--level must be one of static, contract, live (got "prod")'],
    [["infra.command.started", "--result", "started"], "--command is required"],
  ] as const;
  for (const [consent, extra] of CONSENTS) {
    test.each(cases)(`telemetry ${consent}: %j exits 2 with %p`, async (args, message) => {
      const dirs = scope.dirs();
      const result = await run("emit", [...args], baseEnv(dirs, extra));
      expect(result.code).toBe(2);
      expect(result.stderr).toStartWith("pk3s-emit: error: ");
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe("");
      expect(existsSync(dirs.outbox)).toBe(false);
    });
    test(`telemetry ${consent}: a valid event exits 0`, async () => {
      const dirs = scope.dirs();
      const result = await run("emit", STARTED, baseEnv(dirs, extra));
      expect(result.code).toBe(0);
      expect(existsSync(join(dirs.outbox, "pending"))).toBe(consent === "on");
    });
  }
});

describe("help and output agree on the numbers", () => {
  test("env prints twelve variables, the thirteenth (the token) only with --include-token", async () => {
    const dirs = scope.dirs();
    const env = baseEnv(dirs, { TELEMETRY_ENABLED: "true", TELEMETRY_BEARER_TOKEN: "tok-CANARY-count-5" });
    const plainEnv = await run("emit", ["env", "--format", "json"], env);
    expect(Object.keys(JSON.parse(plainEnv.stdout))).toHaveLength(12);
    const withToken = await run("emit", ["env", "--format", "json", "--include-token"], env);
    expect(Object.keys(JSON.parse(withToken.stdout))).toHaveLength(13);
    const help = (await run("emit", ["--help"], env)).stdout;
    expect(help).toContain("'env' prints twelve TELEMETRY_* variables");
    expect(help).toContain("the thirteenth,\n  the bearer token, only with --include-token");
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    expect(readme).toContain("(twelve; the token, the thirteenth, only with `--include-token`)");
  });
});

describe("ranges, unreadable and unknown scenarios", () => {
  test("--jobs -1 gets the range error, not 'needs a value'", async () => {
    const dirs = scope.dirs();
    const result = await run("run-matrix", ["static", "multipass", "--jobs", "-1"], baseEnv(dirs));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--jobs must be a whole number from 1 to 64 (got "-1")');
  });

  test("a scenario directory that cannot be read is reported as unreadable, not unknown", async () => {
    const dirs = scope.dirs();
    const scenarios = join(dirs.root, "scenarios");
    mkdirSync(scenarios, { recursive: true });
    symlinkSync("looped", join(scenarios, "looped")); // a symlink loop: ELOOP, even for root
    const result = await run(
      "run-scenario",
      ["static", "looped", "--scenarios-dir", scenarios],
      baseEnv(dirs, { TEST_ARTIFACTS_DIR: join(dirs.root, "artifacts") }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('scenario "looped" in --scenarios-dir cannot be read (ELOOP)');
    expect(result.stderr).not.toContain("unknown scenario");
  });

  test("an unknown scenario with no bundled scenarios beside the binary suggests --scenarios-dir", () => {
    const missing = join(tmpdir(), `pk3s-no-such-dir-${process.pid}`);
    expect(() => resolveScenario("multipass", { env: {}, bundledDir: missing })).toThrow("--scenarios-dir");
    let message = "";
    try {
      resolveScenario("nope", { env: {}, bundledDir: join(REPO, "scenarios") });
    } catch (error) {
      message = (error as ScenarioError).message;
    }
    expect(message).toStartWith('unknown scenario "nope"');
    expect(message).not.toContain("--scenarios-dir DIR");
  });
});

describe("make unit: failures in full and a summary, not a line per passing test", () => {
  test("a failing test is shown with its details, passes are not listed, exit status kept, last line N passed, N failed", async () => {
    const dirs = scope.dirs();
    mkdirSync(dirs.root, { recursive: true });
    const file = join(dirs.root, "fixture.test.ts");
    const passing = Array.from({ length: 5 }, (_, i) => `test("fine ${i}", () => expect(${i}).toBe(${i}));`);
    writeFileSync(
      file,
      `import { expect, test } from "bun:test";\n${passing.join("\n")}\ntest("broken", () => expect("got").toBe("wanted"));\n`,
    );
    const proc = Bun.spawn(["make", "-s", "-C", REPO, "unit", `TESTS=${file}`], {
      env: baseEnv(dirs, { MAKEFLAGS: undefined, MAKELEVEL: undefined }),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const { stdout, stderr, code } = await finish(proc);
    const out = stdout + stderr;
    expect(code).not.toBe(0);
    expect(out).toContain("(fail) broken");
    expect(out).toContain('Expected: "wanted"');
    expect(out).not.toContain("(pass)");
    expect(stdout.trim().split("\n").at(-1)).toBe("5 passed, 1 failed");
  });
});
