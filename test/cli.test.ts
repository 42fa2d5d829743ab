import { describe, expect, test } from "bun:test";
import { intOption, parseCli, parseLevel, UsageError } from "../lib/cli/args.ts";

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
  ] as const)("%j", (argv, values, positionals) => {
    const parsed = parseCli([...argv], OPTIONS);
    expect(parsed.values).toEqual(values);
    expect(parsed.positionals).toEqual([...positionals]);
  });

  test.each([
    [["--nope"], "unknown option --nope"],
    [["--nope=1"], "unknown option --nope"],
    [["-x"], "unknown option -x"],
    [["--format"], "option --format needs a value"],
    [["--format", "--dry-run"], "option --format needs a value"],
    [["--dry-run=yes"], "option --dry-run does not take a value"],
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
  test.each(["0", "9", "-1", "1.5", "x"])("intOption %p is refused", (raw) => {
    expect(() => intOption("jobs", raw, 1, 8)).toThrow("--jobs must be a whole number from 1 to 8");
  });
});
