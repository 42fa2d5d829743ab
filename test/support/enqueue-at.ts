// Fixture process: say "ready", wait until the file argv[3] exists, then queue one event into
// the outbox at argv[2]. Several of these released together race on creating a fresh outbox.
import { existsSync } from "node:fs";
import { Outbox } from "../../lib/telemetry/outbox.ts";
import { makeEvent } from "./events.ts";

const [dir, go] = process.argv.slice(2);
if (!dir || !go) throw new Error("usage: enqueue-at.ts <outbox-dir> <go-file>");
console.log("ready");
while (!existsSync(go)) await Bun.sleep(1);
new Outbox(dir).enqueue(makeEvent());
