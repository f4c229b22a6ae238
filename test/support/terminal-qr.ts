/**
 * Reads back a QR code drawn for a terminal by `qrcode` (`type: 'terminal', small: true`): each
 * character holds two modules, one above the other (`█` both dark, `▀` upper, `▄` lower, space
 * none), in black on white. Lines drawn in white (`ESC[37m`) are the bottom margin, not modules. The
 * modules are scaled up with a wide light border and decoded by jsQR, independent of the encoder.
 */
import jsQRModule from 'jsqr';

// jsqr is CommonJS with a default export in its types: ESM sees the function as module.exports.
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ??
  jsQRModule) as unknown as typeof jsQRModule.default;

const ESCAPE = /\u001b\[[0-9;]*m/g;
const SCALE = 4;
const BORDER = 8;

export function decodeTerminalQr(text: string): string | undefined {
  const rows: boolean[][] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('\u001b[47m') || line.includes('\u001b[37m')) continue;
    const chars = [...line.replace(ESCAPE, '')];
    rows.push(chars.map((c) => c === '█' || c === '▀'));
    rows.push(chars.map((c) => c === '█' || c === '▄'));
  }
  if (rows.length === 0) return undefined;
  const modules = Math.max(...rows.map((row) => row.length));
  const width = (modules + 2 * BORDER) * SCALE;
  const height = (rows.length + 2 * BORDER) * SCALE;
  const pixels = new Uint8ClampedArray(width * height * 4).fill(255);
  rows.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < SCALE; dy++) {
        for (let dx = 0; dx < SCALE; dx++) {
          const offset = (((y + BORDER) * SCALE + dy) * width + (x + BORDER) * SCALE + dx) * 4;
          pixels.fill(0, offset, offset + 3);
        }
      }
    }),
  );
  return jsQR(pixels, width, height)?.data;
}
