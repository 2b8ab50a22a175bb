// Where a worker thread's module is: beside the module that starts it, with the same extension
// (.ts when run from source, .js from the build).

import { extname } from "node:path";

export function workerModule(name: string, from: string): URL {
  return new URL(`./${name}${extname(new URL(from).pathname)}`, from);
}
