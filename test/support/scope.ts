// Per-test resources (temp dirs, receivers, listeners) released after each test, in reverse order.
import { afterEach } from "bun:test";
import { type Receiver, type ReceiverOptions, SilentServer, startReceiver } from "./receiver.ts";
import { TestDirs } from "./run.ts";

export interface Scope {
  dirs(): TestDirs;
  receiver(options?: ReceiverOptions): Receiver;
  silent(): SilentServer;
  defer(cleanup: () => unknown): void;
}

/** Call once at the top of a test file. */
export function useScope(): Scope {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    dirs() {
      const dirs = new TestDirs();
      cleanups.push(() => dirs.cleanup());
      return dirs;
    },
    receiver(options = {}) {
      const receiver = startReceiver(options);
      cleanups.push(() => receiver.stop());
      return receiver;
    },
    silent() {
      const server = new SilentServer();
      cleanups.push(() => server.stop());
      return server;
    },
    defer(cleanup) {
      cleanups.push(cleanup);
    },
  };
}
