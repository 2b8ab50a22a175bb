// Files named by the user (a flag or a config field): regular files only, read up to a bound, in
// UTF-8. A device (/dev/zero, /dev/urandom), a named pipe or a directory is refused before any
// byte is read: none of them ends, or ends where a file would.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/**
 * Why a file cannot be used, without its path (the caller names the path or the field): `message`
 * reads after the path ("cannot be read: ENOENT (...)", "is a named pipe (FIFO), not a regular
 * file"), `detail` after "cannot read PATH: ".
 */
export class FileProblem extends Error {
  readonly detail: string;
  constructor(detail: string, unreadable = false) {
    super(unreadable ? `cannot be read: ${detail}` : `is ${detail}`);
    this.name = "FileProblem";
    this.detail = detail;
  }
}

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ELOOP: "too many levels of symbolic links (a loop?)",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "is a directory",
  ENAMETOOLONG: "the name is too long",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EFBIG: "file too large",
  EIO: "input/output error",
  EEXIST: "already exists",
};

/** A file-system error, its code and in words ("EACCES (permission denied)"), never a stack. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === undefined) return e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e);
  const words = ERRNO_WORDS[code];
  return words === undefined ? code : `${code} (${words})`;
}

/** What a file that is not a regular file is, in words. */
export function fileKind(st: Stats): string {
  if (st.isFile()) return "a file";
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

function sizeText(bytes: number): string {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(0)} MiB` : `${bytes} bytes`;
}

/** Reads up to `maxBytes + 1` bytes from an open file: a file that grows past the bound is still bounded. */
function readUpTo(fd: number, maxBytes: number, sizeHint: number): Buffer {
  let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(sizeHint + 1, 65536)));
  let len = 0;
  for (;;) {
    if (len === buf.length) {
      if (len > maxBytes) break;
      const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2));
      buf.copy(bigger, 0, 0, len);
      buf = bigger;
    }
    const n = readSync(fd, buf, len, buf.length - len, null);
    if (n === 0) break;
    len += n;
  }
  if (len > maxBytes) throw new FileProblem(`larger than the limit of ${sizeText(maxBytes)}`);
  return buf.subarray(0, len);
}

/**
 * The bytes of the regular file at `path`, at most `maxBytes`, or a FileProblem. The file is opened
 * without blocking (a named pipe with no writer would wait forever) and checked before it is read.
 */
export function readBoundedFile(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new FileProblem(describeFsError(e), true);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileProblem(`${fileKind(st)}, not a regular file`);
    if (st.size > maxBytes)
      throw new FileProblem(`${sizeText(st.size)}, more than the limit of ${sizeText(maxBytes)}`);
    return readUpTo(fd, maxBytes, st.size);
  } catch (e) {
    if (e instanceof FileProblem) throw e;
    throw new FileProblem(describeFsError(e), true);
  } finally {
    closeSync(fd);
  }
}

/**
 * "UTF-16 (little-endian, with a byte-order mark)" when `bytes` look like UTF-16, else undefined:
 * a byte-order mark FF FE or FE FF, or, without one, text whose every other byte is mostly zero
 * (ASCII in UTF-16). UTF-8 text holds no zero byte.
 */
export function utf16Kind(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "UTF-16 (little-endian, with a byte-order mark)";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "UTF-16 (big-endian, with a byte-order mark)";
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros >= pairs / 2 && evenZeros * 4 < oddZeros)
    return "UTF-16 (little-endian, without a byte-order mark)";
  if (evenZeros >= pairs / 2 && oddZeros * 4 < evenZeros)
    return "UTF-16 (big-endian, without a byte-order mark)";
  return undefined;
}

/** `bytes` as UTF-8 text without a leading byte-order mark, or a FileProblem telling UTF-16 to be saved as UTF-8. */
export function utf8Text(bytes: Buffer): string {
  const utf16 = utf16Kind(bytes);
  if (utf16 !== undefined) throw new FileProblem(`${utf16}: save it as UTF-8`);
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString("utf8", hasBom ? 3 : 0);
}

/** The UTF-8 text of the regular file at `path`, at most `maxBytes`, or a FileProblem. */
export function readTextFile(path: string, maxBytes: number): string {
  return utf8Text(readBoundedFile(path, maxBytes));
}
