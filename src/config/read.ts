// Small typed readers for untrusted input (YAML config, scaler metadata, values).
// Every problem is recorded with the dotted path of the field and the offending value,
// so a bad file reports all of its mistakes at once instead of the first one only.

import { excerpt } from "./redact.ts";

export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** The longest value and key an error message echoes. */
const SHOWN_CHARS = 60;
/** The longest file path an error message echoes. */
export const SHOWN_PATH_CHARS = 1024;

/**
 * Renders a value for an error message: short, single-line, never a credential. Reads a bounded
 * prefix of a string, however long (redact.ts).
 */
export function show(value: unknown, maxChars = SHOWN_CHARS): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(excerpt(value, maxChars, { wholeValue: true }));
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return "a list";
  return "an object";
}

export type Obj = Readonly<Record<string, unknown>>;

interface NumOpts {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  /** Exclusive lower bound. */
  readonly above?: number;
}

/** Collects issues while reading one document. */
export class Reader {
  readonly issues: ConfigIssue[] = [];

  fail(path: string, message: string): undefined {
    this.issues.push({ path: path === "" ? "(root)" : path, message });
    return undefined;
  }

  /** Reads an object; `known` lists its allowed keys (unknown keys are errors: typos must not pass). */
  obj(path: string, v: unknown, known?: readonly string[]): Obj | undefined {
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      return this.fail(path, `must be an object, got ${show(v)}`);
    }
    const o = v as Obj;
    if (known) {
      for (const k of Object.keys(o)) {
        if (!known.includes(k)) {
          this.fail(join(path, k), `unknown key (allowed: ${known.join(", ")})`);
        }
      }
    }
    return o;
  }

  optObj(path: string, v: unknown, known?: readonly string[]): Obj {
    if (v === undefined) return {};
    return this.obj(path, v, known) ?? {};
  }

  num(path: string, v: unknown, def: number, opts: NumOpts = {}): number {
    if (v === undefined) return def;
    return this.reqNum(path, v, opts) ?? def;
  }

  optNum(path: string, v: unknown, opts: NumOpts = {}): number | undefined {
    if (v === undefined) return undefined;
    return this.reqNum(path, v, opts);
  }

  reqNum(path: string, v: unknown, opts: NumOpts = {}): number | undefined {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      return this.fail(path, `must be a finite number, got ${show(v)}`);
    }
    if (opts.integer === true && !Number.isInteger(v))
      return this.fail(path, `must be a whole number, got ${show(v)}`);
    if (opts.min !== undefined && v < opts.min)
      return this.fail(path, `must be >= ${opts.min}, got ${show(v)}`);
    if (opts.above !== undefined && v <= opts.above)
      return this.fail(path, `must be > ${opts.above}, got ${show(v)}`);
    if (opts.max !== undefined && v > opts.max)
      return this.fail(path, `must be <= ${opts.max}, got ${show(v)}`);
    return v;
  }

  bool(path: string, v: unknown, def: boolean): boolean {
    if (v === undefined) return def;
    if (typeof v !== "boolean") return this.fail(path, `must be true or false, got ${show(v)}`) ?? def;
    return v;
  }

  str(
    path: string,
    v: unknown,
    def: string,
    opts: { maxLength?: number; pattern?: RegExp; hint?: string } = {},
  ): string {
    if (v === undefined) return def;
    return this.reqStr(path, v, opts) ?? def;
  }

  optStr(
    path: string,
    v: unknown,
    opts: { maxLength?: number; pattern?: RegExp; hint?: string } = {},
  ): string | undefined {
    if (v === undefined) return undefined;
    return this.reqStr(path, v, opts);
  }

  reqStr(
    path: string,
    v: unknown,
    opts: { maxLength?: number; pattern?: RegExp; hint?: string } = {},
  ): string | undefined {
    if (typeof v !== "string") return this.fail(path, `must be a string, got ${show(v)}`);
    if (v.length === 0) return this.fail(path, "must not be empty");
    const max = opts.maxLength ?? 4096;
    if (v.length > max) return this.fail(path, `must be at most ${max} characters, got ${v.length}`);
    if (opts.pattern && !opts.pattern.test(v)) {
      return this.fail(path, `${opts.hint ?? `must match ${String(opts.pattern)}`}, got ${show(v)}`);
    }
    return v;
  }

  oneOf<T extends string>(path: string, v: unknown, allowed: readonly T[], def: T): T {
    if (v === undefined) return def;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
      return this.fail(path, `must be one of ${allowed.join(", ")}, got ${show(v)}`) ?? def;
    }
    return v as T;
  }

  list(path: string, v: unknown): readonly unknown[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) return this.fail(path, `must be a list, got ${show(v)}`) ?? [];
    return v as unknown[];
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new ConfigError(this.issues);
  }
}

/** A field path for an error message; a key is echoed as `show` echoes a value (bounded, redacted). */
export function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  const k = excerpt(key, SHOWN_CHARS, { wholeValue: true });
  return path === "" ? k : `${path}.${k}`;
}

/** Deep-freezes a parsed config so nothing downstream can mutate it. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}
