// Fixture process: wait until the wall-clock instant argv[3] (ms), then queue one event into the
// outbox at argv[2]. Several of these started together race on creating a fresh outbox.
import { Outbox } from "../../lib/telemetry/outbox.ts";
import { makeEvent } from "./events.ts";

const [dir, at] = process.argv.slice(2);
if (!dir || !at) throw new Error("usage: enqueue-at.ts <outbox-dir> <epoch-ms>");
await Bun.sleep(Math.max(0, Number(at) - Date.now()));
await new Outbox(dir).enqueue(makeEvent());
