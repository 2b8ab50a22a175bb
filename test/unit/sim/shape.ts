// Shape statistics of a per-minute series, used to check the demo's generator against real traces.

export interface Shape {
  /** Weekday mean of the busiest local hour over the quietest (over minutes with traffic). */
  readonly dailyRatio: number;
  /** Weekend daily mean over weekday daily mean. */
  readonly weekendRatio: number;
  /** Coefficient of variation of minutes around their hour's mean (busy hours only). */
  readonly minuteCv: number;
  /** Share of minutes without any request. */
  readonly idleShare: number;
}

export function shapeOf(perMinute: ArrayLike<number>, startMs: number, utcOffsetHours: number): Shape {
  const hourSum = new Float64Array(24);
  const hourN = new Float64Array(24);
  let wkSum = 0;
  let wkN = 0;
  let weSum = 0;
  let weN = 0;
  let cvSum = 0;
  let cvN = 0;
  let idle = 0;
  for (let i = 0; i < perMinute.length; i++) if ((perMinute[i] ?? 0) === 0) idle++;
  for (let h0 = 0; h0 + 60 <= perMinute.length; h0 += 60) {
    const t = startMs + h0 * 60_000 + utcOffsetHours * 3_600_000;
    const d = new Date(t);
    const dow = d.getUTCDay();
    let s = 0;
    let active = 0;
    for (let i = h0; i < h0 + 60; i++) {
      s += perMinute[i] ?? 0;
      if ((perMinute[i] ?? 0) > 0) active++;
    }
    const mean = s / 60;
    // The daily shape of traffic while there is traffic: idle minutes are a separate property.
    const activeMean = active > 0 ? s / active : 0;
    if (dow === 0 || dow === 6) {
      weSum += mean;
      weN++;
    } else {
      wkSum += mean;
      wkN++;
      hourSum[d.getUTCHours()] = (hourSum[d.getUTCHours()] ?? 0) + activeMean;
      hourN[d.getUTCHours()] = (hourN[d.getUTCHours()] ?? 0) + 1;
    }
    if (mean > 0) {
      let v = 0;
      for (let i = h0; i < h0 + 60; i++) v += ((perMinute[i] ?? 0) - mean) ** 2;
      cvSum += Math.sqrt(v / 60) / mean;
      cvN++;
    }
  }
  const hours = Array.from(hourSum, (s, h) => s / (hourN[h] || 1));
  const max = Math.max(...hours);
  const min = Math.min(...hours.filter((x) => x > 0));
  return {
    dailyRatio: max / min,
    weekendRatio: weSum / weN / (wkSum / wkN),
    minuteCv: cvSum / cvN,
    idleShare: idle / perMinute.length,
  };
}
