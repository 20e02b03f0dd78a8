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
