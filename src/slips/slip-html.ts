import type { FiscalDocument } from '../fiscal/document.ts';
import { DOCUMENT_TITLES } from './labels.ts';
import { qrSvg } from './qr-image.ts';
import { type SlipOptions, slipLines } from './slip.ts';

/**
 * The slip as one self-contained HTML page: the same lines as the text slip, escaped, in a
 * monospace block as wide as the paper, with the QR code inline as SVG. No script, no external
 * URL (the inline SVG drops its xmlns, which HTML does not need), so it renders offline.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

/** The SVG of `qrcode` with its XML prologue and namespace removed: inline SVG in HTML needs neither. */
async function inlineQr(data: string): Promise<string> {
  const svg = await qrSvg(data);
  return svg.replace(/<\?xml[^>]*>\s*/, '').replace(/\s+xmlns="[^"]*"/, '');
}

export async function renderSlipHtml(doc: FiscalDocument, options: SlipOptions): Promise<string> {
  const width = options.width ?? 48;
  const blocks: string[] = [];
  let text: string[] = [];
  const flush = () => {
    if (text.length > 0) blocks.push(`<pre>${text.map(escapeHtml).join('\n')}</pre>`);
    text = [];
  };
  for (const line of slipLines(doc, options)) {
    if ('text' in line) {
      text.push(line.text);
      continue;
    }
    flush();
    blocks.push(
      `<figure class="qr">${await inlineQr(line.qr)}<figcaption>${escapeHtml(line.qr)}</figcaption></figure>`,
    );
  }
  flush();
  const title = `${DOCUMENT_TITLES[doc.kind]} · ФД ${doc.number}`;
  return `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { margin: 1rem; background: #e8e8e8; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.slip { width: ${width}ch; padding: 1ch 2ch; background: #fff; color: #111; box-shadow: 0 1px 4px rgba(0, 0, 0, .25); }
.slip pre { margin: 0; font: inherit; line-height: 1.25; white-space: pre; }
.qr { margin: 1ch 0; text-align: center; }
.qr svg { width: min(24ch, 100%); height: auto; }
.qr figcaption { font-size: .75em; overflow-wrap: anywhere; }
</style>
</head>
<body>
<main class="slip" aria-label="${escapeHtml(title)}">
${blocks.join('\n')}
</main>
</body>
</html>
`;
}
