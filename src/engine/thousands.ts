// Whole numbers grouped by thousands for the reasons ("63,800 tokens/s"): the same text as
// Math.round(x).toLocaleString("en-US"), which goes through ICU and costs more than the decision
// around it when every tick writes a few.

const GROUPED_UP_TO = 1e21;

/** Math.round(x) with commas between thousands, as toLocaleString("en-US") writes it. */
export function tokens(x: number): string {
  const n = Math.round(x);
  if (!Number.isFinite(n) || Math.abs(n) >= GROUPED_UP_TO || Object.is(n, -0))
    return n.toLocaleString("en-US");
  const digits = String(Math.abs(n));
  let out = "";
  for (let end = digits.length; end > 0; end -= 3) {
    const part = digits.slice(Math.max(0, end - 3), end);
    out = out === "" ? part : `${part},${out}`;
  }
  return n < 0 ? `-${out}` : out;
}
