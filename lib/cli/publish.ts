// Publish: the reports a matrix's summary (or a merged one) is rendered into besides its JSON —
// JUnit XML at --junit FILE, and a Markdown table appended to $GITHUB_STEP_SUMMARY when set
// (README › The four programs). Shared by pk3s-run-matrix and its merge subcommand.
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Summary } from "../artifacts/records.ts";
import { junitXml, markdownTable } from "../artifacts/reports.ts";
import type { Env } from "../util/env.ts";
import { writeAtomic } from "../util/fs.ts";
import type { Logger } from "./log.ts";

export function publishReports(
  summary: Summary,
  junit: string | undefined,
  log: Logger,
  env: Env = process.env,
): void {
  if (junit) {
    const file = resolve(junit);
    mkdirSync(dirname(file), { recursive: true });
    writeAtomic(`${file}.${process.pid}.tmp`, file, junitXml(summary), 0o644);
  }
  const stepSummary = env.GITHUB_STEP_SUMMARY?.trim();
  if (stepSummary) {
    try {
      appendFileSync(stepSummary, markdownTable(summary));
    } catch (error) {
      log.warn(`could not append to GITHUB_STEP_SUMMARY: ${(error as Error).message}`);
    }
  }
}
