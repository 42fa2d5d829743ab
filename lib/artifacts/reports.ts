// Reports: the matrix summary rendered for other tools — JUnit XML (--junit FILE), a Markdown
// table for GITHUB_STEP_SUMMARY, and the closing lines a person reads. Pure: text in, text out.
// Everything rendered comes from the already-sanitised summary.
import type { Summary } from "./records.ts";

/** &, < and > as entities: what both XML and the step summary's inline HTML need. */
function escapeMarkup(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function xml(text: string): string {
  return escapeMarkup(text).replaceAll('"', "&quot;").replaceAll("'", "&apos;");
}

export function junitXml(summary: Summary): string {
  const entries = Object.entries(summary.scenario_results);
  const count = (r: string) => entries.filter(([, e]) => e.result === r).length;
  const failures = count("fail") + count("interrupted");
  const suite = `pk3s-${summary.test_level}`;
  const cases = entries.map(([name, entry]) => {
    const open = `    <testcase classname="${xml(suite)}" name="${xml(name)}" time="${entry.duration_seconds}"`;
    if (entry.result === "pass") return `${open}/>`;
    const body =
      entry.result === "skip"
        ? `<skipped message="${xml(entry.skip_reason ?? "skipped")}"/>`
        : `<failure message="${xml(entry.fail_reason ?? entry.result)}"/>`;
    return `${open}>\n      ${body}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="pk3s-infra-telemetry" tests="${entries.length}" failures="${failures}" skipped="${count("skip")}" time="${summary.duration_seconds}">`,
    `  <testsuite name="${xml(suite)}" tests="${entries.length}" failures="${failures}" skipped="${count("skip")}" time="${summary.duration_seconds}" timestamp="${summary.started_at}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}

/** A table cell: GitHub renders inline HTML, so the "<host>"-style placeholders are escaped. */
function cell(text: string): string {
  return escapeMarkup(text).replaceAll("|", "\\|").replaceAll("\n", " ");
}

export function markdownTable(summary: Summary): string {
  const rows = Object.entries(summary.scenario_results).map(([name, e]) => {
    const note = e.skip_reason ?? e.fail_reason ?? "";
    return `| ${cell(name)} | ${e.result} | ${e.duration_seconds.toFixed(2)} | ${cell(note)} |`;
  });
  return [
    `### pk3s ${summary.test_level} matrix: ${summary.result}`,
    "",
    "| scenario | result | seconds | note |",
    "| --- | --- | ---: | --- |",
    ...rows,
    "",
    "",
  ].join("\n");
}

/** The closing lines of a matrix run. */
export function summaryText(summary: Summary, summaryFile: string): string {
  const n = (list: string[]) => list.length;
  const lines = [
    `${summary.test_level} matrix ${summary.result.toUpperCase()}: ${n(summary.pass)} passed, ${n(summary.fail)} failed, ${n(summary.skip)} skipped${summary.interrupted.length ? `, ${n(summary.interrupted)} interrupted` : ""} in ${summary.duration_seconds.toFixed(2)}s`,
    `summary: ${summaryFile}`,
  ];
  return `${lines.join("\n")}\n`;
}
