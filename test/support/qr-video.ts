/**
 * A video of a QR code, as a camera would film a device's label: a Y4M file (raw YUV 4:2:0) that
 * Chromium plays as its fake camera (`--use-file-for-fake-video-capture`).
 */
import { writeFileSync } from 'node:fs';
import QRCode from 'qrcode';

export function writeQrVideo(
  path: string,
  text: string,
  options: { width?: number; height?: number } = {},
): void {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const quiet = 4;
  const scale = Math.floor(Math.min(width, height) / (modules.size + 2 * quiet));
  const side = (modules.size + 2 * quiet) * scale;
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const row = Math.floor(y / scale) - quiet;
      const col = Math.floor(x / scale) - quiet;
      const dark =
        row >= 0 &&
        col >= 0 &&
        row < modules.size &&
        col < modules.size &&
        modules.data[row * modules.size + col] === 1;
      if (dark) luma[(top + y) * width + left + x] = 16;
    }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F5:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(path, Buffer.concat([header, ...Array<Buffer>(5).fill(frame)]));
}
