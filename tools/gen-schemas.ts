#!/usr/bin/env bun
// Write schemas/*.json from the valibot schemas (make schemas).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generatedSchemas } from "../lib/artifacts/schemas.ts";

const dir = join(import.meta.dir, "..", "schemas");
mkdirSync(dir, { recursive: true });
for (const [file, text] of Object.entries(generatedSchemas())) {
  writeFileSync(join(dir, file), text);
  console.log(`wrote schemas/${file}`);
}
