// Credential files a source sends (tokens, passwords, header values), re-read when they change. A
// rotated Kubernetes Secret reaches a pod as a swap of its mounted files, not as a restart: the
// source reads its files again every FILE_CHECK_MS, and within REFUSED_CHECK_MS after the server
// refused what it sent (HTTP 401, a refused AMQP login, a failed TLS handshake), so that a password
// changed on the server and then in the Secret is picked up at the next read, not ten seconds later.

import { FileProblem, readBoundedFile } from "../config/files.ts";
import { SourceError } from "./source.ts";

export const FILE_CHECK_MS = 10_000;
export const REFUSED_CHECK_MS = 1_000;

/** When a source's files are due to be read again. */
export class RereadSchedule {
  private checkedAt = Number.NEGATIVE_INFINITY;
  private refusedSince = false;
  private readonly clock: () => number;

  constructor(clock: () => number) {
    this.clock = clock;
  }

  /** Whether the files are due now; a true answer counts as the check. */
  due(): boolean {
    const now = this.clock();
    if (now - this.checkedAt < (this.refusedSince ? REFUSED_CHECK_MS : FILE_CHECK_MS)) return false;
    this.checkedAt = now;
    return true;
  }

  /** The server refused what was sent: read the files again soon. */
  refused(): void {
    this.refusedSince = true;
  }

  /** The server accepted what was sent. */
  accepted(): void {
    this.refusedSince = false;
  }
}

/** A CA bundle of every public CA is about 200 KB; a credential far less. */
const MAX_SECRET_FILE_BYTES = 4 * 1024 * 1024;

/**
 * A file's bytes, or a SourceError naming the field and the file (never its content): a regular
 * file only, read up to its bound (config/files.ts).
 */
export function readBytes(source: string, field: string, path: string): Buffer {
  try {
    return readBoundedFile(path, MAX_SECRET_FILE_BYTES);
  } catch (e) {
    if (!(e instanceof FileProblem)) throw e;
    throw new SourceError(source, `${field}: ${path} ${e.message}`);
  }
}

/**
 * A file holding one credential or header value: its text without surrounding white space (a Secret
 * written with a trailing newline is common). Empty, or holding a control character (a line break
 * inside), is a SourceError naming the field; a value sent as an HTTP header as it is (`asHeader`:
 * a token, a header's value) must also be printable ASCII, where a basic-auth username or password
 * (sent base64-encoded) may hold any other character.
 */
export function readSecretText(source: string, field: string, path: string, asHeader = true): string {
  const text = readBytes(source, field, path).toString("utf8").trim();
  if (text === "") throw new SourceError(source, `${field}: ${path} is empty`);
  if (text.length > 16_384)
    throw new SourceError(source, `${field}: ${path} holds more than 16384 characters`);
  // eslint-disable-next-line no-control-regex
  const bad = asHeader ? /[^\x20-\x7e\t]/ : /[\x00-\x08\x0a-\x1f\x7f]/;
  if (bad.test(text))
    throw new SourceError(
      source,
      asHeader
        ? `${field}: ${path} holds a line break or a character outside printable ASCII, which an HTTP header cannot carry`
        : `${field}: ${path} holds a line break or a control character`,
    );
  return text;
}
