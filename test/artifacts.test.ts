// The artifact formats and their housekeeping: schemas/*.json are what the valibot schemas
// generate (not stale), the ajv validator the other suites use really rejects what the formats
// forbid, and `make test-checkstatus` / `make test-clean` work through real make over real
// manifests written by pk3s-run-matrix.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Manifest, Summary } from "../lib/artifacts/records.ts";
import { generatedSchemas } from "../lib/artifacts/schemas.ts";
import { REPO } from "./support/run.ts";
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

const manifestFiles = (sb: Sandbox) => readdirSync(join(sb.artifacts, "infra-runs")).sort();

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

describe("make test-checkstatus", () => {
  test.concurrent("one line per manifest; exit non-zero when one failed", () =>
    withSandbox(async (sb) => {
      await matrix(sb, "static", ["ck-pass", "ck-fail"], ["ck-fail"]);
      const r = await sb.make(["test-checkstatus"]);
      expect(r.code).not.toBe(0);
      const out = r.stdout.split("\n").filter(Boolean);
      expect(out).toHaveLength(3);
      expect(out.filter((l) => l.includes("ck-pass"))).toHaveLength(1);
      expect(out.filter((l) => l.includes("ck-fail"))).toHaveLength(1);
      expect(out.find((l) => l.includes("ck-pass"))).toMatch(/^PASS\s+static\s+ck-pass\s+\d+\.\d\ds$/);
      expect(out.find((l) => l.includes("ck-fail"))).toMatch(
        /^FAIL\s+static\s+ck-fail\s+\d+\.\d\ds {2}exit 1$/,
      );
      expect(out[2]).toBe("2 manifest(s): 1 passed, 1 failed, 0 skipped");
    }));

  test.concurrent("exit 0 when nothing failed; an unreadable manifest counts as a failure", () =>
    withSandbox(async (sb) => {
      await matrix(sb, "static", ["ok-a"]);
      const ok = await sb.make(["test-checkstatus"]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain("1 manifest(s): 1 passed, 0 failed, 0 skipped");
      writeFileSync(join(sb.artifacts, "infra-runs", "half-written.json"), '{"schema_version": "1", ');
      const bad = await sb.make(["test-checkstatus"]);
      expect(bad.code).not.toBe(0);
      expect(bad.stdout).toContain("INVALID  half-written.json");
    }));
});

describe("tools/artifacts.ts status --since (the end of make test-matrix-all)", () => {
  test.concurrent("lists only manifests started at or after the given time, same second included", () =>
    withSandbox(async (sb) => {
      await matrix(sb, "static", ["old-one"]);
      await Bun.sleep(1100);
      // Whole seconds, as `date -u +%Y-%m-%dT%H:%M:%SZ` in the Makefile gives them.
      const since = `${new Date().toISOString().slice(0, 19)}Z`;
      await matrix(sb, "static", ["new-one"]);
      const bun = process.execPath;
      const proc = Bun.spawnSync([bun, "tools/artifacts.ts", "status", "--since", since], {
        cwd: REPO,
        env: sb.env(),
      });
      const lines = proc.stdout.toString().split("\n").filter(Boolean);
      expect(lines.some((l) => l.includes("new-one"))).toBe(true);
      expect(lines.some((l) => l.includes("old-one"))).toBe(false);
      expect(lines.at(-1)).toBe("1 manifest(s): 1 passed, 0 failed, 0 skipped");
      const bad = Bun.spawnSync([bun, "tools/artifacts.ts", "status", "--since", "yesterday"], {
        cwd: REPO,
        env: sb.env(),
      });
      expect(bad.exitCode).toBe(2);
    }));
});

describe("make test-clean", () => {
  test.concurrent("SCENARIO=x removes only x's manifests", () =>
    withSandbox(async (sb) => {
      await matrix(sb, "static", ["cl-x", "cl-y"]);
      await matrix(sb, "contract", ["cl-x"]);
      const before = sb.read();
      expect(before.manifests.filter((m) => m.scenario === "cl-x")).toHaveLength(2);
      expect(before.summaries).toHaveLength(2);
      const yFile = `${before.manifests.find((m) => m.scenario === "cl-y")?.run_id}.json`;

      const r = await sb.make(["test-clean", "SCENARIO=cl-x"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("removed 2 manifest(s) of cl-x");
      expect(manifestFiles(sb)).toEqual([yFile]);
      expect(sb.read().summaries).toHaveLength(2);
    }));

  test.concurrent("without SCENARIO every manifest and summary goes, and nothing else", () =>
    withSandbox(async (sb) => {
      await matrix(sb, "static", ["all-a", "all-b"]);
      writeFileSync(join(sb.artifacts, ".gitkeep"), "");
      // TEST_ARTIFACTS_DIR may be a directory with the operator's own files in it.
      writeFileSync(join(sb.artifacts, "notes.txt"), "mine");
      writeFileSync(join(sb.artifacts, "quarterly-summary.json"), "{}");
      writeFileSync(join(sb.artifacts, "infra-runs", "notes.txt"), "mine too");
      const r = await sb.make(["test-clean"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("removed 3 test artifact(s)");
      expect(readdirSync(sb.artifacts).sort()).toEqual([
        ".gitkeep",
        "infra-runs",
        "notes.txt",
        "quarterly-summary.json",
      ]);
      expect(readdirSync(join(sb.artifacts, "infra-runs"))).toEqual(["notes.txt"]);
    }));
});
