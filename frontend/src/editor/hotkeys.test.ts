import { describe, expect, it } from "vitest";
import { hotkeyAction, isTyping } from "./hotkeys";

const classes = [
  { id: 7, hotkey: "1", kind: "object" as const },
  { id: 8, hotkey: "2", kind: "tag" as const },
];
const key = (k: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "shiftKey" | "altKey", boolean>> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe("hotkeys", () => {
  it("maps keys to actions", () => {
    expect(hotkeyAction(key("b"), classes)).toEqual({ type: "tool", tool: "bbox" });
    expect(hotkeyAction(key("V"), classes)).toEqual({ type: "tool", tool: "select" });
    expect(hotkeyAction(key("1"), classes)).toEqual({ type: "class", id: 7 });
    expect(hotkeyAction(key("2"), classes)).toBeNull(); // tags are not drawn
    expect(hotkeyAction(key("Delete"), classes)).toEqual({ type: "delete" });
    expect(hotkeyAction(key("Backspace"), classes)).toEqual({ type: "delete" });
    expect(hotkeyAction(key("Escape"), classes)).toEqual({ type: "cancel" });
    expect(hotkeyAction(key("?", { shiftKey: true }), classes)).toEqual({ type: "help" });
    expect(hotkeyAction(key("z", { ctrlKey: true }), classes)).toEqual({ type: "undo" });
    expect(hotkeyAction(key("z", { metaKey: true }), classes)).toEqual({ type: "undo" });
    expect(hotkeyAction(key("Z", { ctrlKey: true, shiftKey: true }), classes)).toEqual({ type: "redo" });
    expect(hotkeyAction(key("y", { ctrlKey: true }), classes)).toEqual({ type: "redo" });
    expect(hotkeyAction(key("b", { ctrlKey: true }), classes)).toBeNull();
  });

  it("knows when someone is typing", () => {
    const input = document.createElement("input");
    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    expect(isTyping(input)).toBe(true);
    expect(isTyping(document.createElement("textarea"))).toBe(true);
    expect(isTyping(checkbox)).toBe(false);
    expect(isTyping(document.createElement("div"))).toBe(false);
  });
});
