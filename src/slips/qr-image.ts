/**
 * The receipt's QR code drawn by a maintained library (`qrcode`), never by hand: the string is
 * encoded exactly as given (byte mode picks itself for `t=…&s=…`), error correction M, the
 * standard 4-module quiet zone.
 */
const OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const;

/** Loaded on the first QR drawn: the adapter starts without it (most runs never draw one). */
const qrcode = async () => (await import('qrcode')).default;

/** A standalone SVG document (served as image/svg+xml). */
export async function qrSvg(data: string): Promise<string> {
  return (await qrcode()).toString(data, { ...OPTIONS, type: 'svg' });
}

/** A PNG, `scale` pixels per module. */
export async function qrPng(data: string, scale = 6): Promise<Buffer> {
  return (await qrcode()).toBuffer(data, { ...OPTIONS, type: 'png', scale });
}
