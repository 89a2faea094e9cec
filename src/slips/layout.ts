/**
 * Column arithmetic of a receipt printer's text line: every function here returns lines of at
 * most `width` code points (a thermal printer prints one glyph per character, Cyrillic included,
 * so width is counted in code points, never in UTF-16 units or bytes).
 */

export const MIN_WIDTH = 32;
export const MAX_WIDTH = 64;
export const DEFAULT_WIDTH = 48;

/** Length in code points: `'Ёж'.length` is 2 and so is this, but an emoji counts 1, not 2. */
export const cpLength = (s: string): number => [...s].length;

/** Cuts a string into pieces of at most `width` code points. */
function hardSplit(word: string, width: number): string[] {
  const cps = [...word];
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += width) out.push(cps.slice(i, i + width).join(''));
  return out;
}

/**
 * Greedy word wrap on spaces; a word longer than the line is cut where the line ends, as a
 * printer does with a long article number. Runs of spaces collapse. Never returns no line.
 */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((w) => w !== '')) {
    const pieces = cpLength(word) > width ? hardSplit(word, width) : [word];
    for (const piece of pieces) {
      if (line === '') line = piece;
      else if (cpLength(line) + 1 + cpLength(piece) <= width) line = `${line} ${piece}`;
      else {
        lines.push(line);
        line = piece;
      }
    }
  }
  lines.push(line);
  return lines;
}

/** Right-aligns `text` (cut into lines first if it is wider than the line). */
export function right(text: string, width: number): string[] {
  return wrap(text, width).map((l) => ' '.repeat(width - cpLength(l)) + l);
}

/** Each wrapped line centred; no trailing spaces. */
export function center(text: string, width: number): string[] {
  return wrap(text, width).map((l) => ' '.repeat(Math.floor((width - cpLength(l)) / 2)) + l);
}

/**
 * `left` at the start of the line and `value` at its end, the layout of every "label … value"
 * line on a receipt. When both do not fit, the label wraps and the value goes to the end of
 * the label's last line if it fits there, else on its own line(s), right-aligned.
 */
export function pair(left: string, value: string, width: number): string[] {
  const lines = wrap(left, width);
  const last = lines.pop() as string;
  const room = width - cpLength(last) - cpLength(value);
  if (room >= 1) return [...lines, last + ' '.repeat(room) + value];
  return [...lines, last, ...right(value, width)];
}

/** `LABEL: text`, wrapped: for names, addresses and other free text after a label. */
export function labelled(label: string, text: string, width: number): string[] {
  return wrap(`${label}: ${text}`, width);
}

export const rule = (width: number, ch = '-'): string => ch.repeat(width);
