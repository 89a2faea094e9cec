/**
 * The few lines `npm start` prints on a terminal once everything listens: where each part is.
 * Only for people at a terminal; a process whose stdout is not a TTY gets JSON log lines alone.
 */
export function startBanner(title: string, places: readonly (readonly [string, string | undefined])[]): string {
  const shown = places.filter((p): p is readonly [string, string] => p[1] !== undefined);
  const width = Math.max(...shown.map(([name]) => name.length));
  return [title, ...shown.map(([name, url]) => `  ${name.padEnd(width)}  ${url}`)].join('\n');
}
