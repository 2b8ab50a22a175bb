// Reads a config file from disk: the edge where config text enters the process.

import { readFileSync } from "node:fs";
import { ConfigError } from "./read.ts";
import { parseConfigText, type Config } from "./schema.ts";

export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError([
      { path, message: `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` },
    ]);
  }
  return parseConfigText(text, path);
}
