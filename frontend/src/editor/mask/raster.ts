// Masks in the browser: a Uint8Array at image resolution, row-major (index y * width + x,
// 1 = in the mask), and its COCO uncompressed RLE (column-major counts starting with a run
// of zeros, the same as events/geometry.py rle_encode / rle_decode). Plus the brush (round
// stamps along the stroke) and the flood fill, all in image pixels.
import type { Rle } from "../types";

export interface MaskBuffer {
  width: number;
  height: number;
  data: Uint8Array;
}

export function emptyMask(width: number, height: number): MaskBuffer {
  return { width, height, data: new Uint8Array(width * height) };
}

/** RLE -> row-major buffer. Throws if the RLE does not fit width x height. */
export function rleDecode(rle: Rle, width: number, height: number): MaskBuffer {
  const [h, w] = rle.size;
  if (h !== height || w !== width) {
    throw new Error(`The mask is ${w} × ${h} px, the image ${width} × ${height} px.`);
  }
  const data = new Uint8Array(width * height);
  let i = 0; // column-major position
  rle.counts.forEach((count, run) => {
    if (run % 2 === 1) {
      for (let k = i; k < i + count; k += 1) {
        const x = Math.floor(k / height);
        const y = k - x * height;
        data[y * width + x] = 1;
      }
    }
    i += count;
  });
  if (i !== width * height) throw new Error(`The mask counts add up to ${i}, not ${width * height}.`);
  return { width, height, data };
}

/** Row-major buffer -> RLE (column-major counts, the first run is zeros, maybe 0 long). */
export function rleEncode(mask: MaskBuffer): Rle {
  const { width, height, data } = mask;
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x += 1) {
    for (let y = 0; y < height; y += 1) {
      const value = data[y * width + x] ? 1 : 0;
      if (value !== current) {
        counts.push(run);
        run = 0;
        current = value;
      }
      run += 1;
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
}

export function countSet(mask: MaskBuffer): number {
  let n = 0;
  for (const v of mask.data) n += v;
  return n;
}

/** Sets (value 1) or clears (0) every pixel whose centre is within `radius` of (cx, cy);
 * a stamp always touches at least the pixel under the point. Returns whether anything changed. */
export function stampDisc(mask: MaskBuffer, cx: number, cy: number, radius: number, value: 0 | 1): boolean {
  const { width, height, data } = mask;
  const r = Math.max(radius, 0);
  let changed = false;
  const x0 = Math.max(0, Math.floor(cx - r - 1));
  const x1 = Math.min(width - 1, Math.ceil(cx + r + 1));
  const y0 = Math.max(0, Math.floor(cy - r - 1));
  const y1 = Math.min(height - 1, Math.ceil(cy + r + 1));
  const r2 = r * r;
  for (let y = y0; y <= y1; y += 1) {
    const dy = y + 0.5 - cy;
    for (let x = x0; x <= x1; x += 1) {
      const dx = x + 0.5 - cx;
      if (dx * dx + dy * dy <= r2 && data[y * width + x] !== value) {
        data[y * width + x] = value;
        changed = true;
      }
    }
  }
  const px = Math.floor(cx);
  const py = Math.floor(cy);
  if (px >= 0 && py >= 0 && px < width && py < height && data[py * width + px] !== value) {
    data[py * width + px] = value;
    changed = true;
  }
  return changed;
}

/** A stroke segment: discs stamped along (ax, ay) -> (bx, by) at most a quarter radius
 * (and half a pixel) apart, so the painted band has no gaps. */
export function stampSegment(
  mask: MaskBuffer,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  radius: number,
  value: 0 | 1,
): boolean {
  const length = Math.hypot(bx - ax, by - ay);
  const step = Math.max(0.5, Math.min(radius / 4, 2));
  const n = Math.max(1, Math.ceil(length / step));
  let changed = false;
  for (let i = 0; i <= n; i += 1) {
    const t = i / n;
    changed = stampDisc(mask, ax + (bx - ax) * t, ay + (by - ay) * t, radius, value) || changed;
  }
  return changed;
}

export interface FillResult {
  filled: number;
  /** The region reached the image's edge: it is not enclosed, so nothing was filled. */
  open: boolean;
}

/** Flood-fills (4-connected) the region of pixels equal to the one at (x, y) with `value`.
 * An open region (one that reaches the image edge while filling with 1) is left alone,
 * so a click outside any closed outline does not paint the whole background. */
export function floodFill(mask: MaskBuffer, x: number, y: number, value: 0 | 1): FillResult {
  const { width, height, data } = mask;
  const px = Math.floor(x);
  const py = Math.floor(y);
  if (px < 0 || py < 0 || px >= width || py >= height) return { filled: 0, open: true };
  const target = data[py * width + px];
  if (target === value) return { filled: 0, open: false };
  const seen = new Uint8Array(width * height);
  const region: number[] = [];
  const stack = [py * width + px];
  seen[py * width + px] = 1;
  let open = false;
  while (stack.length) {
    const i = stack.pop() as number;
    region.push(i);
    const cx = i % width;
    const cy = (i - cx) / width;
    if (cx === 0 || cy === 0 || cx === width - 1 || cy === height - 1) open = true;
    const next = [cx > 0 ? i - 1 : -1, cx < width - 1 ? i + 1 : -1, cy > 0 ? i - width : -1, cy < height - 1 ? i + width : -1];
    for (const j of next) {
      if (j >= 0 && !seen[j] && data[j] === target) {
        seen[j] = 1;
        stack.push(j);
      }
    }
  }
  if (open && value === 1) return { filled: 0, open: true };
  for (const i of region) data[i] = value;
  return { filled: region.length, open };
}

/** "#rrggbb" (or "#rgb") -> [r, g, b]; magenta when unreadable. */
export function parseColor(color: string): [number, number, number] {
  const hex = color.trim().replace(/^#/, "");
  const full = hex.length === 3 ? hex.split("").map((c) => c + c).join("") : hex;
  const value = Number.parseInt(full, 16);
  if (full.length !== 6 || Number.isNaN(value)) return [255, 0, 255];
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}
