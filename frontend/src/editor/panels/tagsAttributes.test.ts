import { describe, expect, it } from "vitest";
import type { LabelClass } from "../../lib/types";
import { attributesOf, parseValue, rowsOf } from "./attributes";
import { isTyping } from "../hotkeys";
import { defaultTagClass, nextTagState, tagStateOf } from "./tagState";

const tag = (id: number, name: string) => ({ id, name, kind: "tag" }) as LabelClass;

describe("tags", () => {
  it("T cycles unlabelled -> positive -> negative -> unlabelled", () => {
    expect(nextTagState(null)).toBe("positive");
    expect(nextTagState("positive")).toBe("negative");
    expect(nextTagState("negative")).toBeNull();
  });

  it("reads an image's tag state", () => {
    const tags = [{ label_class: 4, state: "negative" as const }];
    expect(tagStateOf(tags, 4)).toBe("negative");
    expect(tagStateOf(tags, 5)).toBeNull();
  });

  it("the default class is the remembered one if it still exists, else the first", () => {
    const classes = [tag(1, "flooded"), tag(2, "cloudy")];
    expect(defaultTagClass(classes, "2")?.name).toBe("cloudy");
    expect(defaultTagClass(classes, "9")?.name).toBe("flooded");
    expect(defaultTagClass(classes, null)?.name).toBe("flooded");
    expect(defaultTagClass([], "2")).toBeNull();
  });

  it("keys typed into form fields are not commands", () => {
    expect(isTyping(document.createElement("input"))).toBe(true);
    expect(isTyping(document.createElement("textarea"))).toBe(true);
    expect(isTyping(document.createElement("select"))).toBe(true);
    expect(isTyping(document.createElement("button"))).toBe(false);
    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    expect(isTyping(checkbox)).toBe(false);
    expect(isTyping(null)).toBe(false);
  });
});

describe("attributes", () => {
  it("types values: numbers, booleans, null, JSON, else text", () => {
    expect(parseValue("2.5")).toBe(2.5);
    expect(parseValue("-3")).toBe(-3);
    expect(parseValue("true")).toBe(true);
    expect(parseValue("null")).toBeNull();
    expect(parseValue('{"a": 1}')).toEqual({ a: 1 });
    expect(parseValue("[1, 2]")).toEqual([1, 2]);
    expect(parseValue("[not json")).toBe("[not json");
    expect(parseValue("shallow water")).toBe("shallow water");
    expect(parseValue("007a")).toBe("007a");
  });

  it("shows stored attributes as sorted rows and reads them back", () => {
    const rows = rowsOf({ note: "deep", depth: 2.5, tags: ["a"] });
    expect(rows).toEqual([
      { key: "depth", value: "2.5" },
      { key: "note", value: "deep" },
      { key: "tags", value: '["a"]' },
    ]);
    expect(attributesOf(rows)).toEqual({ attributes: { depth: 2.5, note: "deep", tags: ["a"] } });
  });

  it("names the problem: a value without a name, a name used twice", () => {
    expect(attributesOf([{ key: "", value: "x" }])).toEqual({ error: "Every value needs a name." });
    expect(attributesOf([{ key: " ", value: "" }])).toEqual({ attributes: {} });
    expect(attributesOf([{ key: "a", value: "1" }, { key: "a ", value: "2" }])).toEqual({
      error: "The name “a” is used twice.",
    });
  });
});
