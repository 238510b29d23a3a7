// A canvas to draw a digit on with the mouse, a pen or a finger. Strokes are drawn opaque on a
// transparent canvas, so each pixel's alpha is how much ink it holds; `changed` is called with the
// ink as MNIST's 28x28 image while drawing (at most every `everyMs`) and when a stroke ends.
import { mnistDigit, SIDE } from './mnist-digit.js';

export class DigitPad {
  private drawing = false;
  private last: [number, number] | null = null;
  private lastReport = 0;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly preview: HTMLCanvasElement,
    private readonly changed: (image: Float32Array | null) => void,
    private readonly everyMs = 150,
  ) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    canvas.style.touchAction = 'none';
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.drawing = true;
      this.last = this.at(e);
      this.stroke(this.last, this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      const p = this.at(e);
      this.stroke(this.last!, p);
      this.last = p;
      if (performance.now() - this.lastReport > this.everyMs) this.report();
    });
    const end = () => {
      if (!this.drawing) return;
      this.drawing = false;
      this.report();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  clear(): void {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.report();
  }

  /** The drawing as MNIST's 28x28 image, or null when the pad is empty. */
  image(): Float32Array | null {
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const ink = new Float32Array(width * height);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[i * 4 + 3]! / 255;
    return mnistDigit(ink, width, height);
  }

  private at(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * this.canvas.width, ((e.clientY - r.top) / r.height) * this.canvas.height];
  }

  private stroke(from: [number, number], to: [number, number]): void {
    const c = this.ctx;
    // About MNIST's pen: strokes 2 to 3 pixels wide once the digit is scaled into its 20-pixel box.
    c.lineWidth = this.canvas.width / 13;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.strokeStyle = '#111827';
    c.beginPath();
    c.moveTo(from[0], from[1]);
    c.lineTo(to[0] + 0.01, to[1]);
    c.stroke();
  }

  private report(): void {
    this.lastReport = performance.now();
    const img = this.image();
    const p = this.preview.getContext('2d')!;
    const pixels = p.createImageData(SIDE, SIDE);
    for (let i = 0; i < SIDE * SIDE; i++) {
      const v = 255 - Math.round((img?.[i] ?? 0) * 255);
      pixels.data.set([v, v, v, 255], i * 4);
    }
    p.putImageData(pixels, 0, 0);
    this.changed(img);
  }
}
