// `mlas serve` bound to one loopback address (startServer's `host`), so two replicas can share a
// port on 127.0.0.1 and 127.0.0.2 behind one DNS name. Usage: serve-on.ts <config> <host>.

import { startServer } from "../../src/cli/serve.ts";

const [config, host] = process.argv.slice(2);
if (!config || !host) throw new Error("usage: serve-on.ts <config> <host>");
const running = await startServer({ config, host });
const stop = (): void => {
  running.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
