/**
 * Hybrid logical clock: wall time in ms plus a counter, so timestamps keep increasing even
 * when the machine's clock steps back (NTP, a dead RTC battery). The last value is persisted
 * by its owner and fed back in at start-up.
 */
export interface Hlc {
  wall: number;
  logical: number;
}

export const HLC_ZERO: Hlc = { wall: 0, logical: 0 };

/**
 * The text form has room for 5 counter digits. A clock stuck behind (the dead RTC battery) would
 * otherwise grow the counter past that and break both the fixed width and the sort order, so the
 * counter carries into the wall time instead: 1 ms of drift per 100 000 events.
 */
export const HLC_MAX_LOGICAL = 99_999;

function carry(wall: number, logical: number): Hlc {
  return logical > HLC_MAX_LOGICAL ? { wall: wall + 1, logical: 0 } : { wall, logical };
}

export function hlcTick(prev: Hlc, now: number): Hlc {
  if (now > prev.wall) return { wall: now, logical: 0 };
  return carry(prev.wall, prev.logical + 1);
}

/** Merge a timestamp seen from another node (e.g. the ОФД) into the local clock. */
export function hlcReceive(prev: Hlc, remote: Hlc, now: number): Hlc {
  const wall = Math.max(prev.wall, remote.wall, now);
  if (wall === prev.wall && wall === remote.wall) return carry(wall, Math.max(prev.logical, remote.logical) + 1);
  if (wall === prev.wall) return carry(wall, prev.logical + 1);
  if (wall === remote.wall) return carry(wall, remote.logical + 1);
  return { wall, logical: 0 };
}

export function hlcCompare(a: Hlc, b: Hlc): number {
  return a.wall - b.wall || a.logical - b.logical;
}

/** Fixed-width text form that sorts like the clock: `0001764072300000-00000`. */
export function hlcToString(h: Hlc): string {
  return `${String(h.wall).padStart(16, '0')}-${String(h.logical).padStart(5, '0')}`;
}

export function hlcParse(text: string): Hlc | undefined {
  const m = /^(\d{16})-(\d{5})$/.exec(text);
  return m ? { wall: Number(m[1]), logical: Number(m[2]) } : undefined;
}
