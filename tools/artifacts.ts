#!/usr/bin/env bun
// Artifact housekeeping behind `make test-checkstatus` and `make test-clean`:
//   status [--since T] one line per manifest (result, level, scenario, duration); exit 1 on any fail
//   clean [SCENARIO]  remove all artifacts, or only that scenario's manifests and generated/ dir
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { artifactsDir, type Manifest, ManifestSchema } from "../lib/artifacts/records.ts";
import { bundledScenariosDir } from "../lib/runs/scenario.ts";

const dir = artifactsDir();
const runsDir = join(dir, "infra-runs");

function manifests(): Array<{ file: string; manifest: Manifest | null }> {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir)
    .filter((f) => f.endsWith(".json"))
    .map((file) => {
      try {
        const parsed = v.safeParse(ManifestSchema, JSON.parse(readFileSync(join(runsDir, file), "utf8")));
        return { file, manifest: parsed.success ? parsed.output : null };
      } catch {
        return { file, manifest: null };
      }
    });
}

function status(since: string | undefined): number {
  const from = since ? Date.parse(since) : Number.NaN;
  if (since && Number.isNaN(from)) {
    console.error(`--since must be a timestamp, got ${JSON.stringify(since)}`);
    return 2;
  }
  // Compared as times: "…:05.123Z" is after "…:05Z", though it sorts before it as text.
  const all = manifests()
    .filter(({ manifest }) => Number.isNaN(from) || !manifest || Date.parse(manifest.started_at) >= from)
    .sort((a, b) => (a.manifest?.started_at ?? "").localeCompare(b.manifest?.started_at ?? ""));
  if (all.length === 0) {
    console.log(
      since
        ? "no manifests written by this run"
        : "no manifests under test-artifacts/infra-runs/ (run make test-static first)",
    );
    return 0;
  }
  let failed = 0;
  const count = { pass: 0, skip: 0 };
  for (const { file, manifest } of all) {
    if (!manifest) {
      failed++;
      console.log(`INVALID  ${file}`);
      continue;
    }
    if (manifest.result === "fail") failed++;
    else count[manifest.result]++;
    const why = manifest.skip_reason ?? manifest.fail_reason;
    console.log(
      `${manifest.result.toUpperCase().padEnd(8)} ${manifest.test_level.padEnd(9)} ${manifest.scenario.padEnd(20)} ${manifest.duration_seconds.toFixed(2).padStart(8)}s${why ? `  ${why}` : ""}`,
    );
  }
  console.log(`${all.length} manifest(s): ${count.pass} passed, ${failed} failed, ${count.skip} skipped`);
  return failed > 0 ? 1 : 0;
}

function clean(scenario: string | undefined): number {
  if (!scenario) {
    // Only what pk3s writes (manifests, <run_id>-summary.json, leftover .tmp files):
    // TEST_ARTIFACTS_DIR may point at a directory with other files in it.
    let removed = 0;
    const ours = (dirPath: string, pattern: RegExp) => {
      for (const entry of existsSync(dirPath) ? readdirSync(dirPath) : []) {
        if (!pattern.test(entry)) continue;
        rmSync(join(dirPath, entry), { force: true });
        if (!entry.endsWith(".tmp")) removed++;
      }
    };
    // Run ids are always UUIDs made by pk3s: files named otherwise are someone else's.
    const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    ours(runsDir, new RegExp(`^${uuid}\\.json(?:\\.\\d+\\.tmp)?$`));
    ours(dir, new RegExp(`^${uuid}-summary\\.json(?:\\.\\d+\\.tmp)?$`));
    if (existsSync(runsDir) && readdirSync(runsDir).length === 0) rmSync(runsDir, { recursive: true });
    console.log(`removed ${removed} test artifact(s)`);
    return 0;
  }
  let removed = 0;
  for (const { file, manifest } of manifests()) {
    if (manifest?.scenario === scenario) {
      rmSync(join(runsDir, file));
      removed++;
    }
  }
  const generated = join(bundledScenariosDir(), scenario, "generated");
  if (!scenario.includes("/") && !scenario.includes("..") && existsSync(generated))
    rmSync(generated, { recursive: true });
  console.log(`removed ${removed} manifest(s) of ${scenario}`);
  return 0;
}

const [command, arg, value] = process.argv.slice(2);
if (command === "status") process.exit(status(arg === "--since" ? value : undefined));
else if (command === "clean") process.exit(clean(arg?.trim() || undefined));
else {
  console.error("usage: bun tools/artifacts.ts status | clean [SCENARIO]");
  process.exit(2);
}
