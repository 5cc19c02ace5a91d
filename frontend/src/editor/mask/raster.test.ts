import { describe, expect, it } from "vitest";
import {
  countSet,
  emptyMask,
  floodFill,
  parseColor,
  rleDecode,
  rleEncode,
  stampDisc,
  stampSegment,
  type MaskBuffer,
} from "./raster";

function fromRows(rows: string[]): MaskBuffer {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  const mask = emptyMask(width, height);
  rows.forEach((row, y) => [...row].forEach((c, x) => (mask.data[y * width + x] = c === "#" ? 1 : 0)));
  return mask;
}

function toRows(mask: MaskBuffer): string[] {
  const rows: string[] = [];
  for (let y = 0; y < mask.height; y += 1) {
    let row = "";
    for (let x = 0; x < mask.width; x += 1) row += mask.data[y * mask.width + x] ? "#" : ".";
    rows.push(row);
  }
  return rows;
}

describe("RLE", () => {
  // Both expectations printed by events/geometry.py rle_encode for the same arrays.
  const rows = ["#..#", "#..#", ".#.#"];

  it("encodes column-major, starting with zeros, like the server", () => {
    expect(rleEncode(fromRows(rows))).toEqual({ size: [3, 4], counts: [0, 2, 3, 1, 3, 3] });
    expect(rleEncode(fromRows(["....", "..#.", "...."]))).toEqual({ size: [3, 4], counts: [7, 1, 4] });
  });

  it("decodes the server's RLE back to the same pixels", () => {
    expect(toRows(rleDecode({ size: [3, 4], counts: [0, 2, 3, 1, 3, 3] }, 4, 3))).toEqual(rows);
    expect(toRows(rleDecode({ size: [3, 4], counts: [7, 1, 4] }, 4, 3))).toEqual(["....", "..#.", "...."]);
  });

  it("round-trips a random mask", () => {
    const mask = emptyMask(37, 23);
    let seed = 7;
    for (let i = 0; i < mask.data.length; i += 1) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      mask.data[i] = seed % 3 === 0 ? 1 : 0;
    }
    const back = rleDecode(rleEncode(mask), 37, 23);
    expect(back.data).toEqual(mask.data);
  });

  it("refuses an RLE of another size or a wrong total", () => {
    expect(() => rleDecode({ size: [4, 3], counts: [12] }, 4, 3)).toThrow(/4 × 3/);
    expect(() => rleDecode({ size: [3, 4], counts: [5] }, 4, 3)).toThrow(/add up to 5/);
  });
});

describe("brush", () => {
  it("stamps the pixels whose centres are inside the disc", () => {
    const mask = emptyMask(10, 10);
    expect(stampDisc(mask, 5, 5, 1.5, 1)).toBe(true);
    // centres (4.5|5.5, 4.5|5.5) at 0.71 px, their 4-neighbours at 1.58 px (outside).
    expect(countSet(mask)).toBe(4);
    expect(toRows(mask)[4]).toBe("....##....");
    expect(stampDisc(mask, 5, 5, 3, 1)).toBe(true);
    expect(countSet(mask)).toBe(32);
  });

  it("always paints the pixel under a tiny brush", () => {
    const mask = emptyMask(4, 4);
    stampDisc(mask, 2.9, 1.1, 0.1, 1);
    expect(toRows(mask)).toEqual(["....", "..#.", "....", "...."]);
  });

  it("paints a gapless band along a stroke and erases it again", () => {
    const mask = emptyMask(40, 20);
    stampSegment(mask, 2, 10, 37, 10, 2, 1);
    for (let x = 2; x < 37; x += 1) {
      expect(mask.data[9 * 40 + x]).toBe(1);
      expect(mask.data[10 * 40 + x]).toBe(1);
    }
    expect(mask.data[5 * 40 + 20]).toBe(0);
    stampSegment(mask, 0, 10, 40, 10, 4, 0);
    expect(countSet(mask)).toBe(0);
  });

  it("clips at the image edges", () => {
    const mask = emptyMask(5, 5);
    stampDisc(mask, 0, 0, 3, 1);
    expect(countSet(mask)).toBeGreaterThan(0);
    expect(mask.data.length).toBe(25);
  });
});

describe("flood fill", () => {
  const ring = ["......", ".####.", ".#..#.", ".#..#.", ".####.", "......"];

  it("fills a closed region", () => {
    const mask = fromRows(ring);
    expect(floodFill(mask, 2.5, 2.5, 1)).toEqual({ filled: 4, open: false });
    expect(toRows(mask)).toEqual(["......", ".####.", ".####.", ".####.", ".####.", "......"]);
  });

  it("leaves an open region alone", () => {
    const mask = fromRows(ring);
    expect(floodFill(mask, 0.5, 0.5, 1)).toEqual({ filled: 0, open: true });
    expect(toRows(mask)).toEqual(ring);
  });

  it("erases a connected painted region", () => {
    const mask = fromRows(["##..", "##..", "...#"]);
    expect(floodFill(mask, 0, 0, 0).filled).toBe(4);
    expect(toRows(mask)).toEqual(["....", "....", "...#"]);
  });
});

describe("colours", () => {
  it("reads hex colours", () => {
    expect(parseColor("#ff8000")).toEqual([255, 128, 0]);
    expect(parseColor("#0f0")).toEqual([0, 255, 0]);
    expect(parseColor("blue")).toEqual([255, 0, 255]);
  });
});
