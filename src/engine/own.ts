// User-named keys (service, trigger and GPU type names) index plain records. A lookup must never reach
// Object.prototype: on a record without the key, `record["toString"]` is a function, not undefined,
// and a GPU type named "constructor" would price a replica at NaN.

export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
