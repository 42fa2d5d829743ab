// .github/workflows/matrix.yml, read as GitHub Actions reads it (YAML parsed with Bun.YAML): the
// build → shard → merge chain, artifact names that connect the jobs, shards that cover 1..N on
// x64 and arm64 runners with the --shard argument in step, telemetry off unless a repository
// variable turns it on, and the token only ever a secret in a step's environment.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are GitHub Actions expressions, not templates
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./support/run.ts";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number>;
  "working-directory"?: string;
}
interface Job {
  needs?: string | string[];
  if?: string;
  "runs-on": string;
  env?: Record<string, string>;
  strategy?: {
    "fail-fast"?: boolean;
    matrix: Record<string, unknown> & { include?: Record<string, string>[] };
  };
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, Job>;
}

const TEXT = readFileSync(join(REPO, ".github", "workflows", "matrix.yml"), "utf8");
const workflow = Bun.YAML.parse(TEXT) as Workflow;
const { build, shard, merge } = workflow.jobs as Record<"build" | "shard" | "merge", Job>;
const needs = (job: Job) => [job.needs ?? []].flat();
const uses = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));

describe("matrix.yml", () => {
  test("is YAML with exactly the build, shard and merge jobs, chained by needs", () => {
    expect(Object.keys(workflow.jobs).sort()).toEqual(["build", "merge", "shard"]);
    expect(needs(build)).toEqual([]);
    expect(needs(shard)).toEqual(["build"]);
    expect(needs(merge)).toEqual(["shard"]);
    // The shards' evidence is merged even when a shard failed.
    expect(merge.if).toBe("always()");
    expect(shard.strategy?.["fail-fast"]).toBe(false);
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  test("the binaries are built once and reach every shard and merge as one artifact, checked by SHA256SUMS", () => {
    expect(build.steps.some((s) => s.run?.includes("make dist"))).toBe(true);
    const [upload] = uses(build, "actions/upload-artifact");
    const name = upload?.with?.name;
    expect(name).toBe("pk3s-binaries");
    expect(String(upload?.with?.path)).toContain("SHA256SUMS");
    for (const job of [shard, merge]) {
      expect(uses(job, "actions/download-artifact").some((s) => s.with?.name === name)).toBe(true);
      expect(job.steps.some((s) => s.run?.includes("sha256sum -c"))).toBe(true);
      // No Bun, no Node.js, no checkout where the binaries run.
      expect(uses(job, "actions/checkout")).toEqual([]);
      expect(uses(job, "actions/setup-node")).toEqual([]);
      expect(job.steps.some((s) => /\bbun\b/.test(s.run ?? ""))).toBe(false);
    }
  });

  test("every level is sharded 1..SHARDS on linux x64 and arm64 runners", () => {
    const matrix = shard.strategy?.matrix as { level: string[]; platform: string[]; shard: number[] };
    expect(matrix.level).toEqual(["static", "contract", "live"]);
    expect([...matrix.platform].sort()).toEqual(["linux-arm64", "linux-x64"]);
    const total = Number(workflow.env.SHARDS);
    expect(matrix.shard).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const runners = Object.fromEntries(
      (shard.strategy?.matrix.include ?? []).map((entry) => [entry.platform, entry.runner]),
    );
    expect(runners["linux-x64"]).toMatch(/^ubuntu-/);
    expect(runners["linux-arm64"]).toMatch(/^ubuntu-.*-arm$/);
    expect(shard["runs-on"]).toBe("${{ matrix.runner }}");
    const run = shard.steps.find((s) => s.run?.includes("pk3s-run-matrix"))?.run ?? "";
    expect(run).toContain(
      "pk3s-run-matrix ${{ matrix.level }} $SCENARIOS --shard ${{ matrix.shard }}/$SHARDS",
    );
    expect(workflow.env.SCENARIOS?.split(" ").length).toBeGreaterThanOrEqual(total);
  });

  test("each shard uploads its test-artifacts/ under a name the merge of its level and platform collects", () => {
    const [upload] = uses(shard, "actions/upload-artifact");
    expect(upload?.if).toBe("always()");
    expect(upload?.with?.path).toBe("test-artifacts/");
    expect(shard.env?.TEST_ARTIFACTS_DIR).toBe("test-artifacts");
    expect(upload?.with?.name).toBe("shard-${{ matrix.level }}-${{ matrix.platform }}-${{ matrix.shard }}");
    const collect = uses(merge, "actions/download-artifact").find((s) => s.with?.pattern);
    expect(collect?.with?.pattern).toBe("shard-${{ matrix.level }}-${{ matrix.platform }}-*");
    // Every shard's upload name matches exactly one merge job's pattern: its own level and platform.
    const mergeMatrix = merge.strategy?.matrix as { level: string[]; platform: string[] };
    const shardMatrix = shard.strategy?.matrix as { level: string[]; platform: string[]; shard: number[] };
    const fill = (template: string, values: Record<string, string | number>) =>
      template.replace(/\$\{\{ matrix\.(\w+) \}\}/g, (_, key: string) => String(values[key]));
    for (const level of shardMatrix.level) {
      for (const platform of shardMatrix.platform) {
        for (const index of shardMatrix.shard) {
          const uploaded = fill(String(upload?.with?.name), { level, platform, shard: index });
          const collectors = mergeMatrix.level.flatMap((l) =>
            mergeMatrix.platform
              .filter((p) =>
                new Bun.Glob(fill(String(collect?.with?.pattern), { level: l, platform: p })).match(uploaded),
              )
              .map((p) => `${l}-${p}`),
          );
          expect(collectors).toEqual([`${level}-${platform}`]);
        }
      }
    }
  });

  test("the merge writes one summary, JUnit and the step summary from the shards' summaries", () => {
    const run = merge.steps.find((s) => s.run?.includes("pk3s-run-matrix merge"))?.run ?? "";
    expect(run).toContain("pk3s-run-matrix merge shards/*/*-summary.json");
    expect(run).toContain("--out merged");
    expect(run).toContain("--junit merged/junit-${{ matrix.level }}-${{ matrix.platform }}.xml");
    const [upload] = uses(merge, "actions/upload-artifact");
    expect(upload?.with?.path).toBe("merged/");
    expect(upload?.if).toBe("always()");
  });

  test("telemetry is off unless the repository variable says true; the token is only a secret in a step's env", () => {
    expect(workflow.env.TELEMETRY_ENABLED).toBe(
      "${{ vars.TELEMETRY_ENABLED == 'true' && 'true' || 'false' }}",
    );
    const tokenLines = TEXT.split("\n").filter((line) => line.includes("TELEMETRY_BEARER_TOKEN"));
    expect(tokenLines.filter((line) => !line.trim().startsWith("#"))).toEqual([
      "          TELEMETRY_BEARER_TOKEN: ${{ secrets.TELEMETRY_BEARER_TOKEN }}",
    ]);
    const step = shard.steps.find((s) => s.env?.TELEMETRY_BEARER_TOKEN);
    expect(step?.run).toContain("pk3s-run-matrix");
    expect(step?.run).not.toContain("TOKEN");
    for (const job of Object.values(workflow.jobs)) {
      for (const s of job.steps) expect(s.run ?? "").not.toContain("secrets.");
    }
    expect(workflow.env.TELEMETRY_BEARER_TOKEN).toBeUndefined();
  });
});
