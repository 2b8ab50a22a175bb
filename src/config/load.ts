// Reads a config file from disk: the edge where config text enters the process.

import { FileProblem, readTextFile } from "./files.ts";
import { ConfigError } from "./read.ts";
import { MAX_CONFIG_BYTES, parseConfigText, type Config } from "./schema.ts";

export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readTextFile(path, MAX_CONFIG_BYTES);
  } catch (e) {
    if (!(e instanceof FileProblem)) throw e;
    throw new ConfigError([{ path, message: e.message }]);
  }
  return parseConfigText(text, path);
}
