import { describe, expect, it } from "vitest";
import {
  ActivityClock,
  editorUrl,
  formatDuration,
  galleryUrl,
  navigationKey,
  neighboursQuery,
  readSkips,
  writeSkips,
} from "./work";

describe("ActivityClock", () => {
  it("counts visible time with recent input", () => {
    const clock = new ActivityClock(0);
    expect(clock.take(10_500)).toBe(10);
    expect(clock.take(11_000)).toBe(1); // the half second carried over
  });

  it("stops counting a minute after the last input", () => {
    const clock = new ActivityClock(0, { idleMs: 60_000 });
    expect(clock.take(300_000)).toBe(60);
    clock.input(400_000);
    expect(clock.take(410_000)).toBe(10);
  });

  it("does not count hidden time", () => {
    const clock = new ActivityClock(0);
    clock.visibility(false, 5_000);
    expect(clock.take(50_000)).toBe(5);
    clock.visibility(true, 50_000);
    expect(clock.take(53_000)).toBe(3);
  });

  it("flushes rounded and gives back failed reports", () => {
    const clock = new ActivityClock(0);
    expect(clock.flush(2_600)).toBe(3);
    expect(clock.flush(2_600)).toBe(0);
    clock.giveBack(7);
    expect(clock.take(2_600)).toBe(7);
  });

  it("caps one report at an hour", () => {
    const clock = new ActivityClock(0, { idleMs: 10_000_000 });
    expect(clock.take(5_000_000)).toBe(3600);
    expect(clock.take(5_000_000)).toBe(1400);
  });
});

describe("navigation", () => {
  it("keeps the gallery's filters and adds the skips", () => {
    const filters = "label_class=3&tag_state=positive&ordering=-cloud_cover&page=2";
    expect(neighboursQuery(filters, { labelledByOthers: true, locked: false })).toBe(
      "label_class=3&tag_state=positive&ordering=-cloud_cover&skip_labelled_by_others=true",
    );
    expect(editorUrl(7, filters)).toBe("/images/7/edit/?label_class=3&tag_state=positive&ordering=-cloud_cover");
    expect(editorUrl(7, "")).toBe("/images/7/edit/");
    expect(galleryUrl(2, "skip_locked=true&source=gibs")).toBe("/events/2/gallery/?source=gibs");
  });

  it("reads [ and ] without modifiers", () => {
    expect(navigationKey({ key: "]", ctrlKey: false, metaKey: false, altKey: false })).toBe("next");
    expect(navigationKey({ key: "[", ctrlKey: false, metaKey: false, altKey: false })).toBe("previous");
    expect(navigationKey({ key: "]", ctrlKey: true, metaKey: false, altKey: false })).toBeNull();
  });

  it("remembers the skip options", () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(readSkips(storage)).toEqual({ labelledByOthers: false, locked: true });
    writeSkips({ labelledByOthers: true, locked: false }, storage);
    expect(readSkips(storage)).toEqual({ labelledByOthers: true, locked: false });
    store.set("labeler.editor.skips", "{not json");
    expect(readSkips(storage)).toEqual({ labelledByOthers: false, locked: true });
  });
});

describe("formatDuration", () => {
  it("reads like a person would say it", () => {
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(200)).toBe("3 min 20 s");
    expect(formatDuration(3720)).toBe("1 h 02 min");
  });
});
