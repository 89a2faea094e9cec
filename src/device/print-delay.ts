/** Emulated print time: `0`, `N` ms, or a range `A-B` ms drawn uniformly per document. */
export interface PrintDelay {
  min: number;
  max: number;
}

export function parsePrintDelay(text: string): PrintDelay | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?$/.exec(text);
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  return max >= min ? { min, max } : undefined;
}

export function drawDelay(delay: PrintDelay, random: () => number = Math.random): number {
  return delay.min + (delay.max - delay.min) * random();
}
