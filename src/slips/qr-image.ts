import QRCode from 'qrcode';

/**
 * The receipt's QR code drawn by a maintained library (`qrcode`), never by hand: the string is
 * encoded exactly as given (byte mode picks itself for `t=…&s=…`), error correction M, the
 * standard 4-module quiet zone.
 */
const OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const;

/** A standalone SVG document (served as image/svg+xml). */
export function qrSvg(data: string): Promise<string> {
  return QRCode.toString(data, { ...OPTIONS, type: 'svg' });
}

/** A PNG, `scale` pixels per module. */
export function qrPng(data: string, scale = 6): Promise<Buffer> {
  return QRCode.toBuffer(data, { ...OPTIONS, type: 'png', scale });
}
