// Reads a performance-profile file from disk (the edge: parse-profile.ts does the checking).

import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "../config/read.ts";
import { parseProfile } from "./parse-profile.ts";
import type { TabulatedProfile } from "./step-time.ts";

/** A profile file is a few hundred kB; a larger one is refused before it is read. */
export const MAX_PROFILE_FILE_BYTES = 8 * 1024 * 1024;

function fail(file: string, message: string): never {
  throw new ConfigError([{ path: file, message }]);
}

/** Loads and validates one profile file; throws ConfigError naming the file and every bad field. */
export function loadProfileFile(file: string): TabulatedProfile {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    return fail(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (size > MAX_PROFILE_FILE_BYTES)
    fail(file, `is ${size} bytes, above the ${MAX_PROFILE_FILE_BYTES}-byte limit for a profile`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    return fail(
      file,
      e instanceof SyntaxError ? `is not JSON: ${e.message.slice(0, 200)}` : `cannot read: ${String(e)}`,
    );
  }
  return parseProfile(doc, file);
}
