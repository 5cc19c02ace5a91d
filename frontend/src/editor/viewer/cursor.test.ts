import { describe, expect, it, vi } from "vitest";
import { formatLonLat, formatValue, getCursor, pixelAt, setCursor, subscribeCursor } from "./cursor";

describe("cursor", () => {
  it("turns image coordinates into the integer pixel, none outside", () => {
    expect(pixelAt(10.99, 0, 64, 64)).toEqual([10, 0]);
    expect(pixelAt(63.999, 63.5, 64, 64)).toEqual([63, 63]);
    expect(pixelAt(64, 3, 64, 64)).toBeNull();
    expect(pixelAt(-0.01, 3, 64, 64)).toBeNull();
    expect(pixelAt(Number.NaN, 3, 64, 64)).toBeNull();
  });

  it("tells its listeners when the pixel or its place changes, not otherwise", () => {
    const listener = vi.fn();
    const unsubscribe = subscribeCursor(listener);
    setCursor({ x: 1, y: 2, lon: null, lat: null });
    setCursor({ x: 1, y: 2, lon: null, lat: null });
    expect(listener).toHaveBeenCalledTimes(1);
    setCursor({ x: 1, y: 2, lon: -77.5, lat: 24.7 });
    expect(listener).toHaveBeenCalledTimes(2);
    expect(getCursor()).toEqual({ x: 1, y: 2, lon: -77.5, lat: 24.7 });
    unsubscribe();
    setCursor(null);
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it("formats values and places for people", () => {
    expect(formatValue(1321)).toBe("1321");
    expect(formatValue(0.13210000000000002)).toBe("0.1321");
    expect(formatValue(null)).toBe("—");
    expect(formatValue(Number.NaN)).toBe("NaN");
    expect(formatLonLat(-77.7465721, 24.7201963)).toBe("24.720196° N, 77.746572° W");
    expect(formatLonLat(28.5, -3.25)).toBe("3.250000° S, 28.500000° E");
  });
});
