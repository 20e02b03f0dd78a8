// Small statistics and formatting helpers for the bench.

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

export function median(xs: readonly number[]): number {
  const s = sorted(xs);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export const min = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : Math.min(...xs));
export const max = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : Math.max(...xs));

/** Milliseconds with one decimal. */
export const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');
/** A ratio with two decimals. */
export const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}x` : '-');
/** KiB as MiB with one decimal. */
export const mib = (kib: number): string => (Number.isFinite(kib) ? (kib / 1024).toFixed(1) : '-');
/** Bytes as KiB with one decimal. */
export const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
/** A signed difference in ms. */
export const delta = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(1)}` : '-');

/** "a" or "a-b" for a range of counts. */
export function range(xs: readonly number[]): string {
  const lo = min(xs);
  const hi = max(xs);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/** A markdown table. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align?: readonly ('l' | 'r')[]): string {
  const sep = header.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** A seeded generator in [0, 1) (mulberry32), so the intervals in the report are reproducible. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** median(a) - median(b), with a 95% bootstrap interval (the runs of each side resampled). */
export interface Difference {
  diff: number;
  lo: number;
  hi: number;
}

export function medianDifference(a: readonly number[], b: readonly number[], resamples = 2000): Difference {
  const diff = median(a) - median(b);
  if (a.length === 0 || b.length === 0) return { diff, lo: Number.NaN, hi: Number.NaN };
  const random = generator(a.length * 7919 + b.length);
  const pick = (xs: readonly number[]): number[] => xs.map(() => xs[Math.floor(random() * xs.length)] as number);
  const diffs = sorted(Array.from({ length: resamples }, () => median(pick(a)) - median(pick(b))));
  return { diff, lo: diffs[Math.floor(resamples * 0.025)] as number, hi: diffs[Math.ceil(resamples * 0.975) - 1] as number };
}

/** "-3.1 [-4.0, -2.2]": a difference and its interval, in ms. */
export const withInterval = (d: Difference): string => `${delta(d.diff)} [${delta(d.lo)}, ${delta(d.hi)}]`;

/** Whether the interval leaves out 0 (a difference the runs show, not noise). */
export const isClear = (d: Difference): boolean => d.lo > 0 || d.hi < 0;
