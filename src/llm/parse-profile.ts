// Reads and validates one performance-profile document (format `mlas-llm-profile/v1`, documented
// in profiles/README.md) into a TabulatedProfile. Every problem is reported with the field's path
// and value, all at once. Pure: the document is already parsed JSON; profile-file.ts reads files.

import { ConfigError, Reader, join, show, type Obj } from "../config/read.ts";
import { TabulatedProfile, batchProblem, type ProfileIdentity, type StepTimeTables } from "./step-time.ts";
import type { StepBatch } from "./profile.ts";

export const PROFILE_FORMAT = "mlas-llm-profile/v1";

/** Bounds that keep an untrusted file's work small: points per axis, values per table, checks. */
export const PROFILE_BOUNDS = {
  axisPoints: 4096,
  tableValues: 65536,
  checks: 1000,
  stepMs: 1e7,
  /** A minute: a per-request overhead beyond it is a unit mistake, not a serving path. */
  requestOverheadMs: 60000,
} as const;

/** The tables and the interpolation twin agree to this relative difference on recorded checks. */
const TWIN_TOLERANCE = 1e-9;

const TOP_KEYS = [
  "format",
  "id",
  "model",
  "gpuType",
  "engine",
  "tensorParallel",
  "gpusPerReplica",
  "kvCacheTokens",
  "loadSeconds",
  "maxModelLen",
  "limits",
  "overhead",
  "stepTime",
  "checkTolerance",
  "checks",
  "provenance",
] as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._/+-]*$/;

function identity(r: Reader, d: Obj): ProfileIdentity | undefined {
  const name = { maxLength: 128, pattern: NAME, hint: "must be letters, digits and . _ / + -" };
  const id = r.reqStr("id", d["id"], {
    maxLength: 128,
    pattern: ID,
    hint: "must be letters, digits and . _ / -",
  });
  const model = r.reqStr("model", d["model"], { ...name, maxLength: 256 });
  const gpuType = r.reqStr("gpuType", d["gpuType"], name);
  const engine = r.reqStr("engine", d["engine"], name);
  const tensorParallel = r.reqNum("tensorParallel", d["tensorParallel"], { integer: true, min: 1, max: 64 });
  const gpusPerReplica = r.reqNum("gpusPerReplica", d["gpusPerReplica"], { integer: true, min: 1, max: 512 });
  const kvCacheTokens = r.reqNum("kvCacheTokens", d["kvCacheTokens"], { integer: true, min: 1, max: 1e9 });
  const loadSeconds = r.reqNum("loadSeconds", d["loadSeconds"], { above: 0, max: 86400 });
  const maxModelLen = r.reqNum("maxModelLen", d["maxModelLen"], { integer: true, min: 1, max: 1e8 });
  const l = r.obj("limits", d["limits"], ["maxBatchedTokens", "maxSeqs"]);
  const maxBatchedTokens =
    l && r.reqNum("limits.maxBatchedTokens", l["maxBatchedTokens"], { integer: true, min: 1, max: 1e7 });
  const maxSeqs = l && r.reqNum("limits.maxSeqs", l["maxSeqs"], { integer: true, min: 1, max: 1e6 });
  if (tensorParallel !== undefined && gpusPerReplica !== undefined && gpusPerReplica % tensorParallel !== 0) {
    r.fail(
      "gpusPerReplica",
      `must be a multiple of tensorParallel (${tensorParallel}), got ${gpusPerReplica}`,
    );
  }
  const all = [
    id,
    model,
    gpuType,
    engine,
    tensorParallel,
    gpusPerReplica,
    kvCacheTokens,
    loadSeconds,
    maxModelLen,
  ];
  if (all.some((v) => v === undefined) || maxBatchedTokens === undefined || maxSeqs === undefined)
    return undefined;
  return {
    id: id as string,
    model: model as string,
    gpuType: gpuType as string,
    engine: engine as string,
    tensorParallel: tensorParallel as number,
    gpusPerReplica: gpusPerReplica as number,
    kvCacheTokens: kvCacheTokens as number,
    loadSeconds: loadSeconds as number,
    maxModelLen: maxModelLen as number,
    limits: { maxBatchedTokens, maxSeqs },
  };
}

/**
 * The optional `overhead` block: `perRequestMs`, milliseconds the serving path adds to each request
 * outside the engine's steps (profile.ts, `requestOverheadSeconds`). Absent: 0.
 */
function requestOverhead(r: Reader, v: unknown): number | undefined {
  if (v === undefined) return 0;
  const o = r.obj("overhead", v, ["perRequestMs"]);
  if (o === undefined) return undefined;
  const ms = r.reqNum("overhead.perRequestMs", o["perRequestMs"], {
    min: 0,
    max: PROFILE_BOUNDS.requestOverheadMs,
  });
  return ms === undefined ? undefined : ms / 1000;
}

/** A grid axis: 2..axisPoints finite numbers, strictly increasing, the first >= `min`. */
function axis(r: Reader, path: string, v: unknown, min: number): number[] | undefined {
  if (!Array.isArray(v)) return r.fail(path, `must be a list of numbers, got ${show(v)}`);
  if (v.length < 2 || v.length > PROFILE_BOUNDS.axisPoints) {
    return r.fail(path, `must have 2 to ${PROFILE_BOUNDS.axisPoints} points, got ${v.length}`);
  }
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== "number" || !Number.isFinite(x))
      return r.fail(join(path, i), `must be a finite number, got ${show(x)}`);
    if (i === 0 && x < min) return r.fail(join(path, 0), `must be >= ${min}, got ${x}`);
    const prev = v[i - 1] as number;
    if (i > 0 && x <= prev)
      return r.fail(join(path, i), `must be greater than the point before it (${prev}), got ${x}`);
  }
  return v as number[];
}

/** A row of step times in ms: `length` finite values in (0, stepMs]. */
function times(r: Reader, path: string, v: unknown, length: number): number[] | undefined {
  if (!Array.isArray(v)) return r.fail(path, `must be a list of ${length} times in ms, got ${show(v)}`);
  if (v.length !== length)
    return r.fail(path, `must have ${length} values (one per grid point), got ${v.length}`);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== "number" || !Number.isFinite(x) || x <= 0 || x > PROFILE_BOUNDS.stepMs) {
      return r.fail(join(path, i), `must be a time in ms in (0, ${PROFILE_BOUNDS.stepMs}], got ${show(x)}`);
    }
  }
  return v as number[];
}

function grid2(r: Reader, path: string, v: unknown, rows: number, columns: number): number[][] | undefined {
  if (rows * columns > PROFILE_BOUNDS.tableValues) {
    return r.fail(path, `must have at most ${PROFILE_BOUNDS.tableValues} values, got ${rows} x ${columns}`);
  }
  if (!Array.isArray(v)) return r.fail(path, `must be a list of ${rows} rows, got ${show(v)}`);
  if (v.length !== rows) return r.fail(path, `must have ${rows} rows (one per row point), got ${v.length}`);
  const out: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const row = times(r, join(path, i), v[i], columns);
    if (row === undefined) return undefined;
    out.push(row);
  }
  return out;
}

/** An axis of sequence or token counts must reach the scheduler's limit: beyond it is extrapolation. */
function reaches(
  r: Reader,
  path: string,
  a: readonly number[] | undefined,
  limit: number | undefined,
  what: string,
): void {
  const top = a?.[a.length - 1];
  if (top !== undefined && limit !== undefined && top < limit) {
    r.fail(path, `must reach ${what} (${limit}), got ${top} as its last point`);
  }
}

function table1(r: Reader, path: string, v: unknown, axisKey: string) {
  const t = r.obj(path, v, [axisKey, "ms"]);
  const a = t && axis(r, join(path, axisKey), t[axisKey], 1);
  const ms = t && a && times(r, join(path, "ms"), t["ms"], a.length);
  return a && ms ? { axis: a, ms } : undefined;
}

function table2(r: Reader, path: string, v: unknown, rowKey: string, columnKey: string, columnMin: number) {
  const t = r.obj(path, v, [rowKey, columnKey, "ms"]);
  const rows = t && axis(r, join(path, rowKey), t[rowKey], 1);
  const columns = t && axis(r, join(path, columnKey), t[columnKey], columnMin);
  const ms = t && rows && columns && grid2(r, join(path, "ms"), t["ms"], rows.length, columns.length);
  return rows && columns && ms ? { rows, columns, ms } : undefined;
}

function stepTables(
  r: Reader,
  v: unknown,
  limits: ProfileIdentity["limits"] | undefined,
): StepTimeTables | undefined {
  const keys = ["unit", "decodeLinear", "mixedLinear", "prefillAttention", "decodeAttention"];
  const s = r.obj("stepTime", v, keys);
  if (s === undefined) return undefined;
  if (s["unit"] !== "ms") r.fail("stepTime.unit", `must be "ms", got ${show(s["unit"])}`);
  const dl = table1(r, "stepTime.decodeLinear", s["decodeLinear"], "decodeSeqs");
  const ml = table1(r, "stepTime.mixedLinear", s["mixedLinear"], "batchedTokens");
  const pa = table2(r, "stepTime.prefillAttention", s["prefillAttention"], "prefillSeqs", "promptTokens", 1);
  const da = table2(r, "stepTime.decodeAttention", s["decodeAttention"], "decodeSeqs", "contextTokens", 0);
  reaches(r, "stepTime.decodeLinear.decodeSeqs", dl?.axis, limits?.maxSeqs, "limits.maxSeqs");
  reaches(r, "stepTime.decodeAttention.decodeSeqs", da?.rows, limits?.maxSeqs, "limits.maxSeqs");
  reaches(
    r,
    "stepTime.mixedLinear.batchedTokens",
    ml?.axis,
    limits?.maxBatchedTokens,
    "limits.maxBatchedTokens",
  );
  if (!dl || !ml || !pa || !da) return undefined;
  return {
    decodeLinear: { decodeSeqs: dl.axis, ms: dl.ms },
    mixedLinear: { batchedTokens: ml.axis, ms: ml.ms },
    prefillAttention: { prefillSeqs: pa.rows, promptTokens: pa.columns, ms: pa.ms },
    decodeAttention: { decodeSeqs: da.rows, contextTokens: da.columns, ms: da.ms },
  };
}

const CHECK_KEYS = [
  "prefillTokens",
  "prefillSeqs",
  "prefillContextTokens",
  "decodeSeqs",
  "decodeContextTokens",
  "sourceMs",
  "profileMs",
] as const;

/** One recorded check: the batch, the source's time for it, and (optionally) the generator's table time. */
function check(r: Reader, path: string, v: unknown, profile: TabulatedProfile, tolerance: number): void {
  const c = r.obj(path, v, CHECK_KEYS);
  if (c === undefined) return;
  const count = (k: string): number | undefined =>
    r.reqNum(join(path, k), c[k], { integer: true, min: 0, max: 1e9 });
  const batch = {
    prefillTokens: count("prefillTokens"),
    prefillSeqs: count("prefillSeqs"),
    prefillContextTokens: count("prefillContextTokens"),
    decodeSeqs: count("decodeSeqs"),
    decodeContextTokens: count("decodeContextTokens"),
  };
  const sourceMs = r.reqNum(join(path, "sourceMs"), c["sourceMs"], { above: 0, max: PROFILE_BOUNDS.stepMs });
  const profileMs = r.optNum(join(path, "profileMs"), c["profileMs"], {
    above: 0,
    max: PROFILE_BOUNDS.stepMs,
  });
  if (Object.values(batch).some((x) => x === undefined) || sourceMs === undefined) return;
  const problem = batchProblem(batch as StepBatch);
  if (problem !== undefined) {
    r.fail(path, `is not a step: ${problem}`);
    return;
  }
  const ms = profile.stepMs(batch as StepBatch);
  if (profileMs !== undefined && Math.abs(ms - profileMs) > TWIN_TOLERANCE * profileMs) {
    r.fail(
      join(path, "profileMs"),
      `the tables give ${Number(ms.toPrecision(12))} ms, the file records ${profileMs}: interpolation differs`,
    );
  }
  const off = Math.abs(ms - sourceMs) / sourceMs;
  if (off > tolerance) {
    r.fail(
      path,
      `the tables give ${ms.toFixed(4)} ms where the source gives ${sourceMs} ms: ${(off * 100).toFixed(2)}% off, above checkTolerance ${tolerance}`,
    );
  }
}

function checks(r: Reader, d: Obj, profile: TabulatedProfile, tolerance: number): void {
  const list = r.list("checks", d["checks"]);
  if (list.length > PROFILE_BOUNDS.checks) {
    r.fail("checks", `must have at most ${PROFILE_BOUNDS.checks} entries, got ${list.length}`);
    return;
  }
  list.forEach((c, i) => {
    check(r, join("checks", i), c, profile, tolerance);
  });
}

function provenance(r: Reader, v: unknown): void {
  const p = r.obj("provenance", v);
  if (p !== undefined) r.reqStr("provenance.source", p["source"], { maxLength: 1024 });
}

function readProfile(r: Reader, doc: unknown): TabulatedProfile | undefined {
  const d = r.obj("", doc, TOP_KEYS);
  if (d === undefined) return undefined;
  if (d["format"] !== PROFILE_FORMAT)
    r.fail("format", `must be "${PROFILE_FORMAT}", got ${show(d["format"])}`);
  const id = identity(r, d);
  const overheadSeconds = requestOverhead(r, d["overhead"]);
  const tables = stepTables(r, d["stepTime"], id?.limits);
  const tolerance = r.num("checkTolerance", d["checkTolerance"], 0.05, { above: 0, max: 1 });
  provenance(r, d["provenance"]);
  if (id === undefined || overheadSeconds === undefined || tables === undefined || r.issues.length > 0)
    return undefined;
  const profile = new TabulatedProfile({ ...id, requestOverheadSeconds: overheadSeconds }, tables);
  checks(r, d, profile, tolerance);
  return profile;
}

/** Parses a profile document; throws ConfigError naming every bad field (paths prefixed with `where`). */
export function parseProfile(doc: unknown, where = ""): TabulatedProfile {
  const r = new Reader();
  const profile = readProfile(r, doc);
  if (profile !== undefined && r.issues.length === 0) return profile;
  const prefix = where === "" ? "" : `${where}: `;
  throw new ConfigError(r.issues.map((i) => ({ path: `${prefix}${i.path}`, message: i.message })));
}
