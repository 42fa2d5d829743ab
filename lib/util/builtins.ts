// Node built-ins on first use. In a compiled binary importing node:fs costs about 1 ms of
// start-up and node:path about 0.3 ms, and pk3s-emit's usual path (queue one event with
// Bun.write, start the background flusher) needs neither: the modules pk3s-emit loads reach
// them through these instead of importing them.
type NodeFs = typeof import("node:fs");
type NodePath = typeof import("node:path");

export function fs(): NodeFs {
  return process.getBuiltinModule("node:fs") as NodeFs;
}

export function path(): NodePath {
  return process.getBuiltinModule("node:path") as NodePath;
}
