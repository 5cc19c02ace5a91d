import { describe, expect, it } from "vitest";
import { activeFilterCount, editorHref, EMPTY_FILTERS, filterParams, filtersFromQuery, filtersKey, listQuery, queryString } from "./filters";
import { retagged } from "./useImagePages";
import type { ImageData } from "../lib/types";

describe("filters", () => {
  it("sends nothing when nothing is set", () => {
    expect(filterParams(EMPTY_FILTERS)).toEqual({});
    expect(activeFilterCount(EMPTY_FILTERS)).toBe(0);
  });

  it("turns every filter into the API's names and types", () => {
    const f = {
      ...EMPTY_FILTERS,
      labelClass: "7",
      tagState: "unlabeled" as const,
      source: "gibs",
      acquiredFrom: "2024-05-01",
      acquiredTo: "2024-05-31",
      cloudMin: "0",
      cloudMax: "30",
      labelled: "false" as const,
      autoLabelled: "true" as const,
      ordering: "-acquired_at",
    };
    expect(filterParams(f)).toEqual({
      label_class: 7,
      tag_state: "unlabeled",
      source: "gibs",
      acquired_after: "2024-05-01T00:00:00Z",
      acquired_before: "2024-05-31T23:59:59.999Z",
      cloud_cover_min: 0,
      cloud_cover_max: 30,
      labelled: false,
      auto_labelled: true,
    });
    expect(listQuery(f).ordering).toBe("-acquired_at");
    expect("ordering" in filterParams(f)).toBe(false); // bulk "select all" sends no ordering
    expect(activeFilterCount(f)).toBe(8);
  });

  it("drops a tag state without a class, and keys lists by what they show", () => {
    expect(filterParams({ ...EMPTY_FILTERS, tagState: "positive" })).toEqual({});
    expect(filtersKey(EMPTY_FILTERS)).not.toBe(filtersKey({ ...EMPTY_FILTERS, ordering: "name" }));
  });
});

describe("retagged", () => {
  const image = { id: 1, tags: [{ label_class: 3, state: "negative" }, { label_class: 4, state: "positive" }] } as ImageData;

  it("sets, replaces and clears one class's tag, keeping the others", () => {
    expect(retagged(image, 3, "positive").tags).toEqual([
      { label_class: 4, state: "positive" },
      { label_class: 3, state: "positive" },
    ]);
    expect(retagged(image, 4, null).tags).toEqual([{ label_class: 3, state: "negative" }]);
    expect(retagged(image, 9, "negative").tags).toHaveLength(3);
  });
});

describe("filters in the URL", () => {
  it("round-trips through a query string", () => {
    const f = {
      ...EMPTY_FILTERS,
      labelClass: "7",
      tagState: "positive" as const,
      source: "gibs",
      acquiredFrom: "2024-05-01",
      acquiredTo: "2024-05-31",
      cloudMin: "5",
      cloudMax: "40",
      labelled: "false" as const,
      autoLabelled: "true" as const,
      ordering: "-cloud_cover",
    };
    const query = queryString(f);
    expect(query).toContain("label_class=7&tag_state=positive");
    expect(query).toContain("ordering=-cloud_cover");
    expect(filtersFromQuery(query)).toEqual(f);
    expect(filtersFromQuery(`?${query}`)).toEqual(f);
    expect(editorHref(4, query)).toBe(`/images/4/edit/?${query}`);
    expect(editorHref(4, "")).toBe("/images/4/edit/");
  });

  it("ignores values the gallery does not offer", () => {
    expect(filtersFromQuery("ordering=size&tag_state=maybe&label_class=x&labelled=yes")).toEqual(EMPTY_FILTERS);
    expect(queryString(EMPTY_FILTERS)).toBe("");
  });
});
