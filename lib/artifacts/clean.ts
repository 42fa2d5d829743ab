// Clean: what `pk3s-run-matrix clean [scenario]` and `make test-clean` remove (docs/privacy-and-telemetry.md
// › Test artifacts). Without a scenario: every manifest and summary the tools wrote — this toolkit's,
// its earlier uuid-named ones and the bash reference's — plus leftovers of killed writers, and
// the bundled scenarios' generated/ directories. With a scenario: that scenario's manifests,
// whoever wrote them, and its bundled generated/. A file is removed only when its name is one
// the tools give and its content reads as their artifact (or it is a writer's leftover): the
// operator's own files in TEST_ARTIFACTS_DIR stay. Symlinks are never followed, only regular
// files and directories owned by this user are removed.
import { lstatSync, readdirSync, rmdirSync, rmSync, type Stats, unlinkSync } from "node:fs";
import { join } from "node:path";
import { ownUid } from "../util/fs.ts";
import { isLeftover, isManifestName, isSummaryName, RUNS_DIR } from "./names.ts";
import { readStoredManifest, readStoredSummary } from "./reader.ts";

export interface CleanOptions {
  /** Only this scenario's manifests (and its bundled generated/). */
  scenario?: string | undefined;
  /** The bundled scenarios (their generated/ directories are removed too). */
  bundledDir: string;
  /** Names of the bundled scenarios. */
  bundledScenarios: readonly string[];
}

export interface CleanResult {
  /** Manifests and summaries removed (leftovers not counted). */
  removed: number;
  /** Bundled scenarios whose generated/ was removed. */
  generated: string[];
}

function ownStat(path: string): Stats | null {
  try {
    const stat = lstatSync(path);
    return stat.uid === ownUid() ? stat : null;
  } catch {
    return null;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Remove `path` when it is a regular file of ours (a symlink is never followed nor removed). */
function removeFile(path: string): boolean {
  if (!ownStat(path)?.isFile()) return false;
  unlinkSync(path);
  return true;
}

export function cleanArtifacts(artifactsDir: string, options: CleanOptions): CleanResult {
  const runs = join(artifactsDir, RUNS_DIR);
  let removed = 0;
  const runsIsDir = ownStat(runs)?.isDirectory() === true;
  for (const file of runsIsDir ? list(runs) : []) {
    const path = join(runs, file);
    if (options.scenario) {
      if (!file.endsWith(".json")) continue;
      const read = readStoredManifest(path);
      if (read.ok && read.value.scenario === options.scenario && removeFile(path)) removed++;
      continue;
    }
    if (!isManifestName(file)) continue;
    if (isLeftover(file)) removeFile(path);
    else if (readStoredManifest(path).ok && removeFile(path)) removed++;
  }
  if (!options.scenario) {
    for (const file of list(artifactsDir)) {
      if (!isSummaryName(file)) continue;
      const path = join(artifactsDir, file);
      if (isLeftover(file)) removeFile(path);
      else if (readStoredSummary(path).ok && removeFile(path)) removed++;
    }
    if (runsIsDir && list(runs).length === 0) {
      try {
        rmdirSync(runs);
      } catch {
        // something appeared meanwhile: keep it
      }
    }
  }
  const generated: string[] = [];
  const scenarios = options.scenario ? [options.scenario] : options.bundledScenarios;
  for (const name of scenarios) {
    if (!options.bundledScenarios.includes(name)) continue;
    const dir = join(options.bundledDir, name, "generated");
    // A real directory of ours only; rm does not follow the symlinks inside it.
    if (!ownStat(dir)?.isDirectory()) continue;
    rmSync(dir, { recursive: true, force: true });
    generated.push(name);
  }
  return { removed, generated };
}
