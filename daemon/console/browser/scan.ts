/**
 * Reading a device's QR code: the browser's own BarcodeDetector where it has one (Chrome on
 * Android), else the barcode-detector ponyfill on zxing-wasm, served by the daemon itself. From
 * the camera (needs HTTPS, or a page on localhost), or from a photo where there is no camera.
 */

interface DetectedBarcode {
  rawValue: string;
}

interface QrDetector {
  detect(source: ImageBitmapSource): Promise<DetectedBarcode[]>;
}

interface DetectorClass {
  new (options: { formats: string[] }): QrDetector;
  getSupportedFormats?(): Promise<string[]>;
}

interface Ponyfill {
  BarcodeDetector: DetectorClass;
  prepareZXingModule(options: {
    overrides: { locateFile: (path: string, prefix: string) => string };
  }): void;
}

let detector: Promise<QrDetector> | undefined;

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

async function makeDetector(): Promise<QrDetector> {
  const native = (window as unknown as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (native?.getSupportedFormats !== undefined) {
    const formats = await native.getSupportedFormats();
    if (formats.includes('qr_code')) return new native({ formats: ['qr_code'] });
  }
  await loadScript('/vendor/barcode-detector.js');
  const ponyfill = (window as unknown as { BarcodeDetectionAPI?: Ponyfill }).BarcodeDetectionAPI;
  if (ponyfill === undefined) throw new Error('the QR decoder did not load');
  ponyfill.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) =>
        path.endsWith('.wasm') ? '/vendor/zxing_reader.wasm' : prefix + path,
    },
  });
  return new ponyfill.BarcodeDetector({ formats: ['qr_code'] });
}

function qrDetector(): Promise<QrDetector> {
  detector ??= makeDetector();
  return detector;
}

/** The first QR code in an image, or undefined. */
export async function decodeImage(source: ImageBitmapSource): Promise<string | undefined> {
  const found = await (await qrDetector()).detect(source);
  return found[0]?.rawValue;
}

export function cameraAvailable(): boolean {
  return window.isSecureContext && navigator.mediaDevices?.getUserMedia !== undefined;
}

/**
 * Show the camera in `video` and call `onCode` with the first QR code seen; resolves with a
 * function that stops the camera.
 */
export async function scanCamera(
  video: HTMLVideoElement,
  onCode: (text: string) => void,
): Promise<() => void> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: 'environment' },
    audio: false,
  });
  video.srcObject = stream;
  video.muted = true;
  video.setAttribute('playsinline', '');
  await video.play();
  const qr = await qrDetector();
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  const look = async (): Promise<void> => {
    if (stopped) return;
    try {
      if (video.readyState >= 2) {
        const found = await qr.detect(video);
        if (found[0] !== undefined && !stopped) {
          stop();
          onCode(found[0].rawValue);
          return;
        }
      }
    } catch {
      // A frame that cannot be read: try the next one.
    }
    setTimeout(() => void look(), 200);
  };
  void look();
  return stop;
}
