// The artifact formats and their housekeeping: schemas/*.json are what the valibot schemas
// generate (not stale), the ajv validator the other suites use really rejects what the formats
// forbid, every field the bash reference writes has the same name and JSON type in ours, and
// `status` / `clean` (subcommands of the binaries, behind `make test-checkstatus` /
// `make test-clean`) work through real processes over a directory that mixes current files,
// this toolkit's earlier uuid-named files and the reference's (test/fixtures/).
import { describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanArtifacts } from "../lib/artifacts/clean.ts";
import {
  isManifestName,
  isSummaryName,
  manifestRelativePath,
  summaryFileName,
} from "../lib/artifacts/names.ts";
import { parseStoredManifest, parseStoredSummary } from "../lib/artifacts/reader.ts";
import {
  ArtifactError,
  type Manifest,
  ManifestSchema,
  resolveProductiveK3s,
  type Summary,
  writeArtifact,
} from "../lib/artifacts/records.ts";
import { generatedSchemas } from "../lib/artifacts/schemas.ts";
import { type ManifestEntry, type StatusOptions, statusReport } from "../lib/artifacts/status.ts";
import { REPO, TestDirs } from "./support/run.ts";
import { type Sandbox, withSandbox } from "./support/sandbox.ts";
import { validateArtifact } from "./support/schemas.ts";

const T = "scenario-test-static";

/** Scenarios `names` (each passing, or failing when listed in `failing`), run as one matrix. */
async function matrix(sb: Sandbox, level: string, names: string[], failing: string[] = []): Promise<void> {
  for (const name of names) {
    const recipes = { [`scenario-test-${level}`]: [failing.includes(name) ? "@exit 1" : "@true"] };
    sb.scenario(name, recipes);
  }
  const r = await sb.run("run-matrix", [level, ...names, "--scenarios-dir", sb.scenarios]);
  expect(r.code).toBe(failing.length > 0 ? 1 : 0);
}

describe("schemas/*.json", () => {
  test("are exactly what the valibot schemas generate (run `make schemas` after changing one)", () => {
    const generated = generatedSchemas();
    const onDisk = readdirSync(join(REPO, "schemas"))
      .filter((f) => f.endsWith(".json"))
      .sort();
    expect(onDisk).toEqual(Object.keys(generated).sort());
    for (const [file, text] of Object.entries(generated)) {
      expect({ file, text: readFileSync(join(REPO, "schemas", file), "utf8") }).toEqual({ file, text });
    }
  });

  test.concurrent("the ajv validator accepts real artifacts and rejects what the formats forbid", () =>
    withSandbox(async (sb) => {
      sb.scenario("v-skip", { [T]: ['@echo "[SKIP] not today"; exit 3'] });
      await matrix(sb, "static", ["v-pass"]);
      const r = await sb.run("run-matrix", ["static", "v-skip", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(0);
      const { manifests, summaries } = sb.read(); // asserts each one valid
      expect(manifests).toHaveLength(2);
      expect(summaries).toHaveLength(2);
      const manifest = manifests.find((m) => m.scenario === "v-skip") as Manifest;
      const summary = summaries[0] as Summary;

      const broken: Array<[string, (m: Record<string, unknown>) => void]> = [
        ["an extra field", (m) => Object.assign(m, { hostname: "db01" })],
        ["a local-offset timestamp", (m) => Object.assign(m, { started_at: "2026-01-01T10:00:00+02:00" })],
        ["a timestamp that is not one", (m) => Object.assign(m, { finished_at: "yesterday" })],
        ["an unknown result", (m) => Object.assign(m, { result: "maybe" })],
        ["a missing run id", (m) => delete m.run_id],
        ["a path as scenario name", (m) => Object.assign(m, { scenario: "../etc" })],
        [
          "the endpoint in telemetry",
          (m) => Object.assign(m.telemetry as object, { endpoint: "https://x.example" }),
        ],
        ["a negative duration", (m) => Object.assign(m, { duration_seconds: -1 })],
      ];
      for (const [what, breakIt] of broken) {
        const copy = structuredClone(manifest) as unknown as Record<string, unknown>;
        breakIt(copy);
        expect({ what, problems: validateArtifact("manifest", copy).length > 0 }).toEqual({
          what,
          problems: true,
        });
      }
      const badSummary = structuredClone(summary) as unknown as Record<string, unknown>;
      const entries = badSummary.scenario_results as Record<string, Record<string, unknown>>;
      for (const entry of Object.values(entries)) entry.output = "captured text";
      expect(validateArtifact("summary", badSummary)).not.toEqual([]);
      const noInterrupted = structuredClone(summary) as unknown as Record<string, unknown>;
      delete noInterrupted.interrupted;
      expect(validateArtifact("summary", noInterrupted)).not.toEqual([]);
      // A manifest is not a summary.
      expect(validateArtifact("summary", manifest)).not.toEqual([]);
    }));
});

const FIXTURES = join(REPO, "test", "fixtures");
const REFERENCE_MANIFESTS = [
  "20261130-101500-static-48213-multipass.json",
  "20261130-101700-contract-onprem-basic-48377.json",
  "20261130-101800-live-48502-aws-single-node.json",
];
const REFERENCE_SUMMARY = "20261130-101500-static-48213-summary.json";
const EARLIER_MANIFEST = "01a1f2c0-5e10-7a3b-9c4d-0a1b2c3d4e5f.json";
const EARLIER_SUMMARY = "01a1f2c0-5e0e-7c11-8d2e-1f2e3d4c5b6a-summary.json";
const fixture = (dir: string, file: string) => JSON.parse(readFileSync(join(FIXTURES, dir, file), "utf8"));

/** Copy the reference's and the earlier files into the sandbox: a directory mid-migration. */
function migrating(sb: Sandbox): void {
  const runs = join(sb.artifacts, "infra-runs");
  mkdirSync(runs, { recursive: true });
  for (const f of REFERENCE_MANIFESTS) copyFileSync(join(FIXTURES, "reference", f), join(runs, f));
  copyFileSync(join(FIXTURES, "reference", REFERENCE_SUMMARY), join(sb.artifacts, REFERENCE_SUMMARY));
  copyFileSync(join(FIXTURES, "earlier", EARLIER_MANIFEST), join(runs, EARLIER_MANIFEST));
  copyFileSync(join(FIXTURES, "earlier", EARLIER_SUMMARY), join(sb.artifacts, EARLIER_SUMMARY));
}

const outLines = (text: string) => text.split("\n").filter(Boolean);
/** Status lines with the measured duration of `scenarios` (run by the test) replaced by `<n>`. */
const measured =
  (...scenarios: string[]) =>
  (line: string) =>
    scenarios.some((s) => line.includes(` scenario=${s} `))
      ? line.replace(/duration=\d+(\.\d+)?s$/, "duration=<n>s")
      : line;

/** Leaf paths of a JSON value with their JSON types ("string", "number", "array<string>", …). */
function shape(value: unknown, path = ""): Record<string, string> {
  if (Array.isArray(value)) {
    const inner = value.length > 0 ? typeof value[0] : "empty";
    return { [path]: `array<${inner}>` };
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value))
      Object.assign(out, shape(item, path ? `${path}.${key}` : key));
    return out;
  }
  return { [path]: value === null ? "null" : typeof value };
}

describe("the reference's field names and JSON types (test/fixtures/reference, from its field list)", () => {
  test.concurrent("a manifest and a summary of ours carry every reference field with the same type", () =>
    withSandbox(async (sb) => {
      sb.scenario(
        "multipass",
        { [T]: ["@true"] },
        {
          definition: {
            schema_version: "1",
            name: "multipass",
            levels: {
              static: {
                environment: "vm",
                topology: "three-node",
                node_count_expected: 3,
                bootstrap_modes_used: ["server", "agent", "stack"],
                features: { cert_manager: true, longhorn: true, rancher: true, registry: true },
              },
            },
          },
        },
      );
      const r = await sb.run("run-matrix", ["static", "multipass", "--scenarios-dir", sb.scenarios]);
      expect(r.code).toBe(0);
      const ours = { manifest: shape(sb.manifest("multipass")), summary: shape(sb.summary()) };
      const reference = {
        manifest: shape(fixture("reference", REFERENCE_MANIFESTS[0] as string)),
        summary: shape(fixture("reference", REFERENCE_SUMMARY)),
      };
      for (const kind of ["manifest", "summary"] as const) {
        const missing = Object.entries(reference[kind]).filter(([path, type]) => ours[kind][path] !== type);
        expect({ kind, missing }).toEqual({ kind, missing: [] });
      }
      // The values the reference writes when nothing says otherwise.
      const m = sb.manifest("multipass");
      expect(m.productive_k3s).toMatchObject(
        fixture("reference", REFERENCE_MANIFESTS[0] as string).productive_k3s,
      );
      expect(m.ci).toEqual({ provider: "local", workflow: "", run_id: "", system: "" });
      expect(m.installation.node_count_expected).toBe("3");
      expect(m.telemetry.endpoint_configured).toBe(true); // the sandbox sets TELEMETRY_ENDPOINT
    }));

  test.concurrent("endpoint_configured is true only when TELEMETRY_ENDPOINT was set", () =>
    withSandbox(async (sb) => {
      sb.scenario("ep", { [T]: ["@true"] });
      const r = await sb.run("run-matrix", ["static", "ep", "--scenarios-dir", sb.scenarios], {
        TELEMETRY_ENDPOINT: undefined, // the default endpoint is not "configured"
      });
      expect(r.code).toBe(0);
      expect(sb.manifest("ep").telemetry.endpoint_configured).toBe(false);
      expect(sb.summary().telemetry.endpoint_configured).toBe(false);
    }));

  test("our reader takes the reference's files and this toolkit's earlier ones", () => {
    const read = (dir: string, file: string) =>
      parseStoredManifest(readFileSync(join(FIXTURES, dir, file), "utf8"));
    const rows: Array<[string, string, Record<string, unknown>]> = [
      [
        "reference",
        REFERENCE_MANIFESTS[0] as string,
        { scenario: "multipass", test_level: "static", result: "pass", duration_seconds: 7 },
      ],
      [
        "reference",
        REFERENCE_MANIFESTS[1] as string,
        { scenario: "onprem-basic", test_level: "contract", result: "fail" },
      ],
      [
        "reference",
        REFERENCE_MANIFESTS[2] as string,
        { scenario: "aws-single-node", skip_reason: "missing aws credentials" },
      ],
      [
        "earlier",
        EARLIER_MANIFEST,
        { scenario: "multipass", test_level: "contract", duration_seconds: 0.412 },
      ],
    ];
    for (const [dir, file, expected] of rows) {
      const got = read(dir, file);
      expect({ file, ok: got.ok }).toEqual({ file, ok: true });
      if (got.ok) expect(got.value).toMatchObject(expected);
    }
    for (const [dir, file] of [
      ["reference", REFERENCE_SUMMARY],
      ["earlier", EARLIER_SUMMARY],
    ] as const) {
      const got = parseStoredSummary(readFileSync(join(FIXTURES, dir, file), "utf8"));
      expect({ file, ok: got.ok }).toEqual({ file, ok: true });
    }
    // Not a manifest: another repository's JSON, or no result fields.
    expect(
      parseStoredManifest(
        JSON.stringify({ ...fixture("reference", REFERENCE_MANIFESTS[0] as string), repository: "x" }),
      ).ok,
    ).toBe(false);
    expect(parseStoredManifest("{}").ok).toBe(false);
  });
});

describe("file names", () => {
  const at = new Date("2026-12-01T20:28:37.123Z");
  const runId = "01a23365-a2e6-71dc-a360-889ba5051db8";
  test("matrix and direct manifests, summaries: UTC stamp, level, short id (never a pid), scenario", () => {
    expect(
      manifestRelativePath({
        startedAt: at,
        level: "static",
        runId,
        scenario: "multipass",
        layout: "matrix",
      }),
    ).toBe("infra-runs/20261201-202837-static-a5051db8-multipass.json");
    expect(
      manifestRelativePath({ startedAt: at, level: "live", runId, scenario: "multipass", layout: "direct" }),
    ).toBe("infra-runs/20261201-202837-live-multipass-a5051db8.json");
    expect(summaryFileName(at, "contract", runId)).toBe("20261201-202837-contract-a5051db8-summary.json");
  });

  test("the names the tools give, and only those, are recognised (for clean)", () => {
    const manifests: Array<[string, boolean]> = [
      ["20261201-202837-static-a5051db8-multipass.json", true],
      ["20261201-202837-live-multipass-a5051db8.json", true],
      ["20261130-101700-contract-onprem-basic-48377.json", true], // the reference's, pid and all
      [EARLIER_MANIFEST, true],
      ["20261201-202837-static-a5051db8-multipass.json.4242.tmp", true],
      ["notes.json", false],
      ["20261201-202837-nightly-x.json", false],
      ["2026-12-01-static-x.json", false],
      [".20261201-202837-static-x.json", false],
    ];
    for (const [file, ours] of manifests)
      expect({ file, ours: isManifestName(file) }).toEqual({ file, ours });
    const summaries: Array<[string, boolean]> = [
      ["20261201-202837-static-a5051db8-summary.json", true],
      [REFERENCE_SUMMARY, true],
      [EARLIER_SUMMARY, true],
      ["quarterly-summary.json", false],
      ["summary.json", false],
    ];
    for (const [file, ours] of summaries) expect({ file, ours: isSummaryName(file) }).toEqual({ file, ours });
  });
});

describe("status (pk3s-run-matrix status, make test-checkstatus)", () => {
  test.concurrent("a mixed directory: one line per result, oldest first, the reference's wording", () =>
    withSandbox(async (sb) => {
      migrating(sb);
      await matrix(sb, "static", ["fresh"]);
      const r = await sb.make(["test-checkstatus"]);
      expect(outLines(r.stdout).map(measured("fresh"))).toEqual([
        "[OK] contract scenario=multipass duration=0.412s",
        "[OK] static scenario=multipass duration=7s",
        "[FAIL] contract scenario=onprem-basic duration=11s",
        "[SKIP] live scenario=aws-single-node duration=0s",
        "[OK] static scenario=fresh duration=<n>s",
        "Summary: 3 pass, 1 skip, 1 fail, 0 unknown",
      ]);
      expect(r.stderr).not.toContain("WARN");
      expect(r.code).not.toBe(0);
    }));

  test.concurrent("the latest result per scenario and level by default; --all for the history", () =>
    withSandbox(async (sb) => {
      migrating(sb);
      await matrix(sb, "static", ["multipass"], ["multipass"]); // fails now, passed in the reference's run
      const latest = await sb.run("run-matrix", ["status"], { TEST_SCENARIO: "multipass" });
      expect(outLines(latest.stdout).map(measured("multipass"))).toEqual([
        "[OK] contract scenario=multipass duration=<n>s",
        "[FAIL] static scenario=multipass duration=<n>s",
        "Summary: 1 pass, 0 skip, 1 fail, 0 unknown",
      ]);
      expect(latest.code).toBe(1);
      const all = await sb.run("run-matrix", ["status", "--all"], { TEST_SCENARIO: "multipass" });
      expect(outLines(all.stdout).map(measured("multipass"))).toEqual([
        "[OK] contract scenario=multipass duration=<n>s",
        "[OK] static scenario=multipass duration=<n>s",
        "[FAIL] static scenario=multipass duration=<n>s",
        "Summary: 2 pass, 0 skip, 1 fail, 0 unknown",
      ]);
      expect(all.code).toBe(1);
    }));

  test.concurrent("TEST_SCENARIO filters (exit 0 when its results passed), from either binary", () =>
    withSandbox(async (sb) => {
      migrating(sb);
      writeFileSync(join(sb.artifacts, "infra-runs", "half-written.json"), '{"schema_version": "1", ');
      for (const script of ["run-matrix", "run-scenario"]) {
        const r = await sb.run(script, ["status"], { TEST_SCENARIO: "aws-single-node" });
        expect({ script, lines: outLines(r.stdout), code: r.code }).toEqual({
          script,
          lines: [
            "[SKIP] live scenario=aws-single-node duration=0s",
            "Summary: 0 pass, 1 skip, 0 fail, 0 unknown",
          ],
          code: 0,
        });
      }
      const viaMake = await sb.make(["test-checkstatus"], { TEST_SCENARIO: "multipass" });
      expect(viaMake.code).toBe(0);
      expect(outLines(viaMake.stdout).at(-1)).toBe("Summary: 2 pass, 0 skip, 0 fail, 0 unknown");
    }));

  test.concurrent("no artifacts at all: a warning on stderr, nothing on stdout, exit 1", () =>
    withSandbox(async (sb) => {
      const missing = await sb.run("run-matrix", ["status"]);
      expect(missing).toMatchObject({ code: 1, stdout: "" });
      expect(missing.stderr).toBe(
        "[WARN] No test result artifacts found in $TEST_ARTIFACTS_DIR/infra-runs\n",
      );
      mkdirSync(join(sb.artifacts, "infra-runs"), { recursive: true });
      writeFileSync(join(sb.artifacts, "infra-runs", "notes.txt"), "not a manifest");
      const empty = await sb.make(["test-checkstatus"], { TEST_SCENARIO: "multipass" });
      expect(empty.code).not.toBe(0);
      expect(empty.stdout).toBe("");
      expect(empty.stderr).toContain(
        "[WARN] No test result artifacts found in $TEST_ARTIFACTS_DIR/infra-runs for scenario multipass\n",
      );
    }));

  test.concurrent("a file that is not a readable manifest is an unknown result, never followed", () =>
    withSandbox(async (sb) => {
      await matrix(sb, "static", ["ok-a"]);
      const runs = join(sb.artifacts, "infra-runs");
      writeFileSync(join(runs, "half-written.json"), '{"schema_version": "1", ');
      writeFileSync(join(runs, "other.json"), JSON.stringify({ repository: "someone-else" }));
      // A symlink to a real manifest elsewhere: not read through.
      const outside = join(sb.root, "elsewhere.json");
      copyFileSync(join(FIXTURES, "reference", REFERENCE_MANIFESTS[0] as string), outside);
      symlinkSync(outside, join(runs, "linked.json"));
      const r = await sb.run("run-matrix", ["status"]);
      const lines = outLines(r.stdout);
      expect(lines.map(measured("ok-a"))).toEqual([
        "[OK] static scenario=ok-a duration=<n>s",
        "[WARN] infra-runs/half-written.json: not valid JSON",
        "[WARN] infra-runs/linked.json: a symbolic link",
        "[WARN] infra-runs/other.json: not a manifest (schema_version: missing (required))",
        "Summary: 1 pass, 0 skip, 0 fail, 3 unknown",
      ]);
      expect(r.code).toBe(1);
    }));

  test.concurrent("--since: only results started at or after the time (the end of make run)", () =>
    withSandbox(async (sb) => {
      migrating(sb);
      await matrix(sb, "static", ["old-one"]);
      await Bun.sleep(1100);
      // Whole seconds, as `date -u +%Y-%m-%dT%H:%M:%SZ` in the Makefile gives them.
      const since = `${new Date().toISOString().slice(0, 19)}Z`;
      await matrix(sb, "static", ["new-one"]);
      const r = await sb.run("run-matrix", ["status", "--since", since]);
      expect(outLines(r.stdout).map(measured("new-one"))).toEqual([
        "[OK] static scenario=new-one duration=<n>s",
        "Summary: 1 pass, 0 skip, 0 fail, 0 unknown",
      ]);
      expect(r.code).toBe(0);
      const bad = await sb.run("run-matrix", ["status", "--since", "yesterday"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--since must be a timestamp, got "yesterday"');
    }));
});

describe("clean (pk3s-run-matrix clean, make test-clean)", () => {
  test.concurrent("SCENARIO=x removes x's manifests, whoever wrote them, and nothing else", () =>
    withSandbox(async (sb) => {
      migrating(sb);
      await matrix(sb, "static", ["multipass", "cl-y"]);
      const runs = join(sb.artifacts, "infra-runs");
      // An unusual name with multipass's manifest inside: still that scenario's manifest.
      copyFileSync(
        join(FIXTURES, "reference", REFERENCE_MANIFESTS[0] as string),
        join(runs, "renamed-by-hand.json"),
      );
      const r = await sb.make(["test-clean", "SCENARIO=multipass"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("removed 4 manifest(s) of multipass\n");
      const left = readdirSync(runs).sort();
      expect(left).toHaveLength(3);
      expect(left.filter((f) => f.endsWith("-cl-y.json"))).toHaveLength(1);
      expect(left).toContain(REFERENCE_MANIFESTS[1] as string);
      expect(left).toContain(REFERENCE_MANIFESTS[2] as string);
      // Summaries stay (they list several scenarios).
      expect(readdirSync(sb.artifacts).filter((f) => f.endsWith("-summary.json"))).toHaveLength(3);
    }));

  test.concurrent("TEST_SCENARIO is the scenario when none is given (a scenario Makefile's form)", () =>
    withSandbox(async (sb) => {
      migrating(sb);
      const r = await sb.run("run-matrix", ["clean"], { TEST_SCENARIO: "aws-single-node" });
      expect(r.stdout).toBe("removed 1 manifest(s) of aws-single-node\n");
      expect(existsSync(join(sb.artifacts, "infra-runs", REFERENCE_MANIFESTS[2] as string))).toBe(false);
      expect(readdirSync(join(sb.artifacts, "infra-runs"))).toHaveLength(3);
    }));

  test.concurrent("without a scenario every artifact the tools wrote goes, and nothing else", () =>
    withSandbox(async (sb) => {
      migrating(sb);
      await matrix(sb, "static", ["all-a", "all-b"]);
      const runs = join(sb.artifacts, "infra-runs");
      writeFileSync(join(runs, "20261201-000000-static-abc-x.json.4242.tmp"), '{"half'); // a killed writer's
      writeFileSync(join(sb.artifacts, ".gitkeep"), "");
      // TEST_ARTIFACTS_DIR may be a directory with the operator's own files in it.
      writeFileSync(join(sb.artifacts, "notes.txt"), "mine");
      writeFileSync(join(sb.artifacts, "quarterly-summary.json"), "{}");
      writeFileSync(join(sb.artifacts, "20261201-000000-static-mine-summary.json"), '{"mine": true}');
      writeFileSync(join(runs, "notes.txt"), "mine too");
      writeFileSync(join(runs, "20261201-000000-static-mine.json"), '{"mine": true}');
      // A symlink named like a manifest, to a real one elsewhere: neither it nor its target goes.
      const outside = join(sb.root, "elsewhere.json");
      copyFileSync(join(FIXTURES, "reference", REFERENCE_MANIFESTS[0] as string), outside);
      symlinkSync(outside, join(runs, "20261201-000000-static-999-linked.json"));
      const r = await sb.make(["test-clean"]);
      expect(r.code).toBe(0);
      // 4 reference/earlier manifests + 2 new, 2 reference/earlier summaries + 1 new.
      expect(r.stdout).toBe("removed 9 test artifact(s)\n");
      expect(readdirSync(sb.artifacts).sort()).toEqual([
        ".gitkeep",
        "20261201-000000-static-mine-summary.json",
        "infra-runs",
        "notes.txt",
        "quarterly-summary.json",
      ]);
      expect(readdirSync(runs).sort()).toEqual([
        "20261201-000000-static-999-linked.json",
        "20261201-000000-static-mine.json",
        "notes.txt",
      ]);
      expect(existsSync(outside)).toBe(true);
      // Then status has nothing left to report.
      const status = await sb.run("run-matrix", ["status"]);
      expect(status.code).toBe(1);
    }));

  test("the bundled scenarios' generated/ goes too (only real directories; links inside are not followed)", async () => {
    const dirs = new TestDirs("pk3s-clean-");
    try {
      const bundled = join(dirs.root, "bundled");
      const keep = join(dirs.root, "keep");
      mkdirSync(keep, { recursive: true });
      writeFileSync(join(keep, "precious.txt"), "stays");
      for (const name of ["alpha", "beta", "gamma"]) mkdirSync(join(bundled, name), { recursive: true });
      mkdirSync(join(bundled, "alpha", "generated"));
      writeFileSync(join(bundled, "alpha", "generated", "cluster.json"), "{}");
      symlinkSync(keep, join(bundled, "alpha", "generated", "link-to-keep"));
      symlinkSync(keep, join(bundled, "beta", "generated")); // a symlinked generated/: left alone
      mkdirSync(join(bundled, "gamma", "generated"));
      const artifacts = join(dirs.root, "artifacts");
      const options = { bundledDir: bundled, bundledScenarios: ["alpha", "beta", "gamma"] };
      expect(cleanArtifacts(artifacts, { ...options, scenario: "gamma" })).toEqual({
        removed: 0,
        generated: ["gamma"],
      });
      expect(existsSync(join(bundled, "alpha", "generated"))).toBe(true);
      expect(cleanArtifacts(artifacts, options)).toEqual({ removed: 0, generated: ["alpha"] });
      expect(existsSync(join(bundled, "alpha", "generated"))).toBe(false);
      expect(existsSync(join(bundled, "beta", "generated"))).toBe(true);
      expect(readFileSync(join(keep, "precious.txt"), "utf8")).toBe("stays");
      // A scenario that is not bundled has no generated/ of ours to remove.
      expect(cleanArtifacts(artifacts, { ...options, scenario: "elsewhere" })).toEqual({
        removed: 0,
        generated: [],
      });
    } finally {
      await dirs.cleanup();
    }
  });
});

describe("resolveProductiveK3s: cluster.json read as a planted file", () => {
  const block = JSON.stringify({ productive_k3s: { version: "v9.9.9", engine: "docker" } });
  const withDir = (fn: (dir: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), "pk3s-cluster-"));
    try {
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  test("a small regular file of ours is read", () =>
    withDir((dir) => {
      writeFileSync(join(dir, "cluster.json"), block);
      expect(resolveProductiveK3s(join(dir, "cluster.json"), {})).toMatchObject({
        version: "v9.9.9",
        engine: "docker",
        resolved_from_cluster_json: true,
      });
    }));
  test("a symlink is not followed, a huge file not read: the defaults", () =>
    withDir((dir) => {
      writeFileSync(join(dir, "elsewhere.json"), block);
      symlinkSync(join(dir, "elsewhere.json"), join(dir, "linked.json"));
      writeFileSync(join(dir, "huge.json"), `${block}${" ".repeat(1024 * 1024)}`);
      for (const name of ["linked.json", "huge.json"]) {
        expect(resolveProductiveK3s(join(dir, name), {})).toMatchObject({
          version: "unspecified",
          engine: "native",
          resolved_from_cluster_json: false,
        });
      }
    }));
});

describe("statusReport (pure)", () => {
  const entry = (file: string, fields: Record<string, unknown>): ManifestEntry => {
    const read = parseStoredManifest(
      JSON.stringify({ schema_version: "1", repository: "productive-k3s-infra", run_id: file, ...fields }),
    );
    return { file, read };
  };
  const m = (scenario: string, level: string, result: string, started_at?: string) => ({
    scenario,
    test_level: level,
    result,
    duration_seconds: 1,
    ...(started_at ? { started_at } : {}),
  });
  const rows: Array<[string, ManifestEntry[], StatusOptions, string[], number]> = [
    [
      "the reference's result words: success/failed too; another word is unknown",
      [
        entry("a.json", m("a", "static", "success", "2026-11-30T10:00:00Z")),
        entry("b.json", m("b", "static", "failed", "2026-11-30T10:01:00Z")),
        entry("c.json", m("c", "static", "maybe", "2026-11-30T10:02:00Z")),
      ],
      {},
      [
        "[OK] static scenario=a duration=1s",
        "[FAIL] static scenario=b duration=1s",
        "[WARN] static scenario=c duration=1s",
        "Summary: 1 pass, 0 skip, 1 fail, 1 unknown",
      ],
      1,
    ],
    [
      "latest per scenario and level, by time across offsets (09:30Z is after 10:15+01:00)",
      [
        entry("x1.json", m("x", "live", "pass", "2026-11-30T09:30:00Z")),
        entry("x2.json", m("x", "live", "fail", "2026-11-30T10:15:00+01:00")),
        entry("x3.json", m("x", "static", "skip", "2026-11-30T08:00:00Z")),
      ],
      {},
      [
        "[SKIP] static scenario=x duration=1s",
        "[OK] live scenario=x duration=1s",
        "Summary: 1 pass, 1 skip, 0 fail, 0 unknown",
      ],
      0,
    ],
    [
      "no started_at: the file name's stamp places it",
      [
        entry("20261130-120000-live-1-y.json", m("y", "live", "fail")),
        entry("20261130-110000-live-2-y.json", m("y", "live", "pass")),
      ],
      { all: true },
      [
        "[OK] live scenario=y duration=1s",
        "[FAIL] live scenario=y duration=1s",
        "Summary: 1 pass, 0 skip, 1 fail, 0 unknown",
      ],
      1,
    ],
    [
      "what the files say reaches the terminal without escape sequences or control characters",
      [
        entry("e.json", m("evil\u001b]0;owned\u0007\u001b[2J", "static", "pass", "2026-11-30T09:00:00Z")),
        { file: "x\u001b[31m\rplanted.json", read: { ok: false, problem: "not valid JSON" } },
      ],
      {},
      [
        "[OK] static scenario=evil duration=1s",
        "[WARN] infra-runs/xplanted.json: not valid JSON",
        "Summary: 1 pass, 0 skip, 0 fail, 1 unknown",
      ],
      1,
    ],
    [
      "since: results without a time are left out",
      [
        entry("old.json", m("z", "static", "fail", "2026-11-30T09:00:00Z")),
        entry("new.json", m("z", "contract", "pass", "2026-11-30T11:00:00Z")),
        entry("undated.json", m("z", "live", "fail")),
      ],
      { sinceMs: Date.parse("2026-11-30T10:00:00Z") },
      ["[OK] contract scenario=z duration=1s", "Summary: 1 pass, 0 skip, 0 fail, 0 unknown"],
      0,
    ],
  ];
  test.each(rows)("%s", (_what, entries, options, lines, exitCode) => {
    const report = statusReport(entries, options, "here");
    expect({ lines: report.lines, exitCode: report.exitCode, warnings: report.warnings }).toEqual({
      lines,
      exitCode,
      warnings: [],
    });
  });

  test("nothing to report: one warning naming where (and the filter), exit 1", () => {
    expect(statusReport([], {}, "here")).toMatchObject({
      lines: [],
      warnings: ["[WARN] No test result artifacts found in here"],
      exitCode: 1,
    });
    const other = [entry("o.json", m("o", "static", "pass", "2026-11-30T09:00:00Z"))];
    expect(statusReport(other, { scenario: "p" }, "here").warnings).toEqual([
      "[WARN] No test result artifacts found in here for scenario p",
    ]);
  });
});

describe("writeArtifact never writes through a linked infra-runs/", () => {
  test("infra-runs/ swapped for a link after the run began: refused (a write problem naming it), nothing written through it", () =>
    withSandbox(async (sb) => {
      await matrix(sb, "static", ["linked"]);
      const [name] = readdirSync(join(sb.artifacts, "infra-runs"));
      const manifest = JSON.parse(readFileSync(join(sb.artifacts, "infra-runs", name as string), "utf8"));
      const out = join(sb.root, "out");
      const victim = join(sb.root, "victim");
      mkdirSync(out);
      mkdirSync(victim);
      symlinkSync(victim, join(out, "infra-runs"));
      let thrown: unknown;
      try {
        writeArtifact(ManifestSchema, manifest, out, `infra-runs/${name}`);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ArtifactError);
      expect((thrown as ArtifactError).kind).toBe("write");
      expect((thrown as ArtifactError).message).toBe(
        `${JSON.stringify(join(out, "infra-runs"))} is a symbolic link: refusing to write manifests through it (remove it, or set TEST_ARTIFACTS_DIR to another directory)`,
      );
      expect(readdirSync(victim)).toEqual([]);
      // A real directory there is written as always.
      const real = join(sb.root, "real");
      expect(writeArtifact(ManifestSchema, manifest, real, `infra-runs/${name}`).path).toBe(
        join(real, "infra-runs", name as string),
      );
    }));
});
