// node:fs on first use. Importing it costs about 1 ms of a compiled binary's start-up, and
// pk3s-emit's usual path (queue one event with Bun.write, start the background flusher) never
// needs it; modules that pk3s-emit loads reach node:fs through this instead of importing it.
type NodeFs = typeof import("node:fs");

export function fs(): NodeFs {
  return process.getBuiltinModule("node:fs") as NodeFs;
}
