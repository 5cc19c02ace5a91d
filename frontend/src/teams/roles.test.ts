import { describe, expect, it } from "vitest";
import { assignableRoles, canManage, mayHandle } from "./roles";

describe("member roles (events/rules.py)", () => {
  it("lets managers and owners manage", () => {
    expect(canManage("owner")).toBe(true);
    expect(canManage("manager")).toBe(true);
    expect(canManage("reviewer")).toBe(false);
    expect(canManage(null)).toBe(false);
  });

  it("keeps owner for owners", () => {
    expect(assignableRoles("owner")).toContain("owner");
    expect(assignableRoles("manager")).toEqual(["viewer", "annotator", "reviewer", "manager"]);
    expect(assignableRoles("annotator")).toEqual([]);
    expect(mayHandle("manager", "owner")).toBe(false);
    expect(mayHandle("manager", "annotator")).toBe(true);
    expect(mayHandle("owner", "owner")).toBe(true);
    expect(mayHandle("viewer", "viewer")).toBe(false);
  });
});
