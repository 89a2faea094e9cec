/** Is dist/ under `root` (default: this package) a build of its sources as they are now? */
export function buildIsFresh(root?: string): boolean;
