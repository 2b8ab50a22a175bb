// Credentials never leave the process, and untrusted text is bounded before anything reads it.
// One redaction for every surface: log lines, the HTTP API's error fields, CLI output and gRPC error
// messages all take their untrusted text through `excerpt` (or `redact`) here.
//
// What is hidden: the userinfo of a URL, `user:password@host`, with or without `scheme://`. A
// password may hold any character but a line break (`/`, `#`, `?`, `@`, `:`, spaces, quotes), so
// where it ends cannot be told from the text; the rule errs on the side of hiding more. On each
// line, everything from the start of the first word that opens like a userinfo (`user:` followed by
// something other than a space: `amqp://`, `admin:s3cret`) to the last `@` that can end one is
// replaced by `***`; a leading `scheme://` is kept. Worked example:
//   `dial amqp://guest:p@ss w/rd@rabbit:5672/%2F failed` -> `dial amqp://***@rabbit:5672/%2F failed`
// A line without such a word before an `@` is left alone (`unexpected "@"`, `a@b`).
// Not recognised in free text: a userinfo without a scheme whose password starts with a space
// (`user: pass@host` reads as prose); `show()` of a config value does hide it (`wholeValue`).
//
// Every function here takes time linear in its input (one pass, no backtracking regex), and
// `excerpt` reads only a bounded prefix of what it is given.

/** How much text past an excerpt's end is read to find where a URL's userinfo ends. */
const LOOKAHEAD = 2048;

const SPACE = new Set([" ", "\t", "\v", "\f"]);
/** Characters that end a word (a userinfo starts at a word's start). */
const DELIMITER = new Set([
  ...SPACE,
  '"',
  "'",
  "`",
  "<",
  ">",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ";",
  "=",
  "\\",
]);
/** Before and after an `@` that stands alone (`unexpected "@"`, `x @ 5`): it ends no userinfo. */
const OPENS = new Set([...SPACE, '"', "'", "(", "<"]);
const CLOSES = new Set([...SPACE, '"', "'", ")", ">"]);

export interface RedactOptions {
  /**
   * The text continues past its end (an excerpt): a userinfo opened on the last line may end after
   * it, so that line is hidden from the userinfo's start to the end.
   */
  readonly openEnd?: boolean;
  /**
   * The text is one value (a config field), not prose: a line's userinfo may start at the line's
   * start whatever follows its colon (`user: pass@host`).
   */
  readonly wholeValue?: boolean;
}

/** Where the first word that opens like a userinfo starts on text[from, to), or -1. */
function userinfoStart(text: string, from: number, to: number, o: RedactOptions): number {
  let wordStart = from;
  for (let i = from; i < to; i++) {
    const c = text[i] ?? "";
    if (DELIMITER.has(c)) {
      wordStart = i + 1;
      continue;
    }
    if (c !== ":") continue;
    if (o.wholeValue === true) return from;
    if (i === wordStart) continue;
    // The character after the colon: a space makes it prose ("error: ..."); at the end of an
    // excerpt it is unknown, so it counts.
    const next = i + 1 < to ? text[i + 1] : undefined;
    if (next === undefined ? o.openEnd === true && to === text.length : !SPACE.has(next)) return wordStart;
  }
  return -1;
}

/** The last `@` on text[from, to) that can end a userinfo (not one standing alone), or -1. */
function lastSeparator(text: string, from: number, to: number): number {
  for (let i = to - 1; i >= from; i--) {
    if (text[i] !== "@") continue;
    const before = i > from ? text[i - 1] : undefined;
    const after = i + 1 < to ? text[i + 1] : undefined;
    const alone = (before === undefined || OPENS.has(before)) && (after === undefined || CLOSES.has(after));
    if (!alone) return i;
  }
  return -1;
}

/** Length of a `scheme://` at text[at] (kept in the output: it is no secret), or 0. */
function schemeLength(text: string, at: number, to: number): number {
  let i = at;
  if (!/[A-Za-z]/.test(text[i] ?? "")) return 0;
  while (i < to && /[A-Za-z0-9+.-]/.test(text[i] ?? "")) i++;
  return text.startsWith("://", i) && i + 3 <= to ? i + 3 - at : 0;
}

function redactLine(text: string, from: number, to: number, o: RedactOptions): string {
  const start = userinfoStart(text, from, to, o);
  if (start < 0) return text.slice(from, to);
  const open = o.openEnd === true && to === text.length;
  const at = open ? to : lastSeparator(text, start, to);
  if (at <= start) return text.slice(from, to);
  const keep = start + schemeLength(text, start, at);
  return `${text.slice(from, keep)}***${text.slice(at, to)}`;
}

/** The index of `c` in `text` at or after `from`, reusing `last` while it is still ahead (-1: none). */
function next(text: string, c: string, from: number, last: number): number {
  return last === -1 || last >= from ? last : text.indexOf(c, from);
}

/** `text` with the userinfo of every URL in it replaced by `***` (see the top of this file). */
export function redact(text: string, o: RedactOptions = {}): string {
  let at = text.indexOf("@");
  // Without an @ only an open end can hide a userinfo, and only after a colon.
  if (at < 0 && (o.openEnd !== true || !text.includes(":"))) return text;
  const out: string[] = [];
  let lf = text.indexOf("\n");
  let cr = text.indexOf("\r");
  for (let from = 0; ;) {
    lf = next(text, "\n", from, lf);
    cr = next(text, "\r", from, cr);
    at = next(text, "@", from, at);
    const to = Math.min(lf < 0 ? text.length : lf, cr < 0 ? text.length : cr);
    const openLast = o.openEnd === true && to === text.length;
    // A line without an @ holds no userinfo (unless the text goes on past its end).
    out.push((at >= 0 && at < to) || openLast ? redactLine(text, from, to, o) : text.slice(from, to));
    if (to >= text.length) break;
    out.push(text[to] ?? "");
    from = to + 1;
  }
  return out.join("");
}

/** `s` without a high surrogate left alone at its end by a cut. */
function wholeCharacters(s: string): string {
  const last = s.charCodeAt(s.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? s.slice(0, -1) : s;
}

export interface ExcerptOptions {
  readonly wholeValue?: boolean;
  /** `text` is only the start of a longer text (the first bytes of a body). */
  readonly partial?: boolean;
}

/**
 * At most `max` characters of untrusted text (and "..." when cut), redacted. Reads at most
 * `max + LOOKAHEAD` characters of `text`, however long it is.
 */
export function excerpt(text: string, max: number, o: ExcerptOptions = {}): string {
  const window = text.length > max ? text.slice(0, max + LOOKAHEAD) : text;
  const cut = window.length < text.length || o.partial === true;
  const r = redact(window, { ...(o.wholeValue === true ? { wholeValue: true } : {}), openEnd: cut });
  if (r.length > max) return `${wholeCharacters(r.slice(0, Math.max(0, max - 3)))}...`;
  return cut ? `${r}...` : r;
}

/** The longest error message kept for the API and the logs. */
export const MAX_ERROR_CHARS = 500;

/** An error's message as the API and the logs may show it: bounded and redacted. */
export function errorText(e: unknown, max = MAX_ERROR_CHARS): string {
  const m = e instanceof Error ? e.message : typeof e === "string" ? e : String(e);
  return excerpt(m, max);
}
