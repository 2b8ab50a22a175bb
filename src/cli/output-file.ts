// The HTML report a run writes (--report): checked before the run by opening it for writing for
// real, and written after it with any failure (a full disk) as one line, never a stack.

import { closeSync, mkdirSync, openSync, statSync, unlinkSync, writeFileSync, type Stats } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describeFsError, fileKind } from "../config/files.ts";
import { show, SHOWN_PATH_CHARS } from "../config/read.ts";
import { UsageError } from "./duration.ts";

/** A failure to write an output after the run (exit 1 with one line). */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputError";
  }
}

function statOrMissing(flag: string, path: string, full: string): Stats | undefined {
  try {
    return statSync(full);
  } catch (e) {
    // A missing file, or a file where a directory of the path should be (said when the walk meets it).
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new UsageError(`${flag}: cannot write ${show(path, SHOWN_PATH_CHARS)}: ${describeFsError(e)}`);
  }
}

/** Opens (creating it if `create`) and closes a file: what the write will need, without writing. */
function probe(flag: string, shown: string, file: string, create: boolean): void {
  try {
    closeSync(openSync(file, create ? "wx" : "a"));
    if (create) unlinkSync(file);
  } catch (e) {
    throw new UsageError(`${flag}: cannot write ${shown}: ${describeFsError(e)}`);
  }
}

/**
 * `path` can be written once the run is done: an existing regular file that opens for writing, or
 * a new one that can be created in the nearest existing directory (missing directories below it are
 * made at the end). A directory, a device or a named pipe, a loop of symbolic links or a read-only
 * place is a UsageError before anything runs.
 */
export function checkReportPath(path: string, flag = "--report"): string {
  const full = resolve(path);
  const shown = show(path, SHOWN_PATH_CHARS);
  const st = statOrMissing(flag, path, full);
  if (st?.isDirectory()) throw new UsageError(`${flag}: ${shown} is a directory; name a file`);
  if (st && !st.isFile())
    throw new UsageError(`${flag}: ${shown} is ${fileKind(st)}, not a regular file; name a file`);
  if (st) {
    probe(flag, shown, full, false);
    return path;
  }
  let dir = dirname(full);
  let dirStat = statOrMissing(flag, dir, dir);
  while (!dirStat) {
    dir = dirname(dir);
    dirStat = statOrMissing(flag, dir, dir);
  }
  if (!dirStat.isDirectory())
    throw new UsageError(
      `${flag}: cannot write under ${show(dir, SHOWN_PATH_CHARS)}: it is ${fileKind(dirStat)}, not a directory`,
    );
  probe(flag, `under ${show(dir, SHOWN_PATH_CHARS)}`, join(dir, `.mlas-write-check-${process.pid}`), true);
  return path;
}

/** Writes `text` to `path`, making missing directories; a failure is an OutputError in one line. */
export function writeOutputFile(path: string, text: string, flag = "--report"): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (e) {
    throw new OutputError(`${flag}: cannot write ${show(path, SHOWN_PATH_CHARS)}: ${describeFsError(e)}`);
  }
}
