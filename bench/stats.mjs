/** Median and spread of samples (every bench figure is reported this way). */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
  };
  return { median: q(0.5), min: s[0], p25: q(0.25), p75: q(0.75), max: s[s.length - 1], n: s.length };
}
