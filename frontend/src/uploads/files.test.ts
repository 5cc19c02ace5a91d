import { describe, expect, it } from "vitest";
import { errorFromXhr, formatBytes, groupFiles, ingestSummary, runLimited, sidecarOwner } from "./files";

const named = (...names: string[]) => names.map((name) => ({ name }));

describe("groupFiles", () => {
  it("makes one group per image or archive, sidecars with their image", () => {
    const groups = groupFiles(
      named("tile.jpg", "tile.wld", "scene.tif", "scene.tif.aux.xml", "a.zip", "other.png", "tile.prj"),
    );
    expect(groups.map((g) => [g.name, g.files.map((f) => f.name)])).toEqual([
      ["tile.jpg", ["tile.jpg", "tile.wld", "tile.prj"]],
      ["scene.tif", ["scene.tif", "scene.tif.aux.xml"]],
      ["a.zip", ["a.zip"]],
      ["other.png", ["other.png"]],
    ]);
  });
  it("sends a sidecar without its image alone (the API refuses it in words)", () => {
    expect(groupFiles(named("lost.wld", "x.png")).map((g) => g.name)).toEqual(["x.png", "lost.wld"]);
  });
  it("keeps unknown files as their own group", () => {
    expect(groupFiles(named("notes.txt")).map((g) => g.name)).toEqual(["notes.txt"]);
  });
});

describe("sidecarOwner", () => {
  it("matches by full name or by stem, ignoring case", () => {
    expect(sidecarOwner("TILE.JPG.aux.xml", ["tile.jpg"])).toBe("tile.jpg");
    expect(sidecarOwner("tile.jgw", ["tile.jpg"])).toBe("tile.jpg");
    expect(sidecarOwner("tile.aux.xml", ["tile.png"])).toBe("tile.png");
    expect(sidecarOwner("nope.wld", ["tile.jpg"])).toBeNull();
  });
});

describe("errorFromXhr", () => {
  it("uses the API's words", () => {
    const error = errorFromXhr(
      400,
      "Bad Request",
      JSON.stringify({ detail: "x.tif is not a TIFF.", code: "unsupported_format", fields: {} }),
    );
    expect(error.describe()).toBe("x.tif is not a TIFF.");
    expect(error.status).toBe(400);
  });
  it("says what a bare 413 means", () => {
    expect(errorFromXhr(413, "Payload Too Large", "<html>").message).toBe(
      "The file is larger than the server accepts.",
    );
  });
});

describe("small helpers", () => {
  it("formats sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MB");
  });
  it("summarises an ingest result", () => {
    expect(ingestSummary({ images: [1], duplicates: [], tags: {} })).toBe("1 image added");
    expect(ingestSummary({ images: [1, 2], duplicates: [{}], tags: { flood: 2 } })).toBe(
      "2 images added; 1 already in the event (skipped); tagged flood",
    );
  });
  it("runs at most `limit` tasks at once", async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const tasks = [1, 2, 3, 4, 5].map((n) => async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      running -= 1;
      done.push(n);
      if (n === 3) throw new Error("one fails");
    });
    await runLimited(tasks, 2);
    expect(most).toBe(2);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
