import { describe, expect, it } from "vitest";
import { describeRange, fromDateInput, toDateInput } from "./dates";

describe("event dates", () => {
  it("round-trips a day through the date input in UTC", () => {
    expect(fromDateInput("2024-05-01", "start")).toBe("2024-05-01T00:00:00Z");
    expect(fromDateInput("2024-05-09", "end")).toBe("2024-05-09T23:59:59Z");
    expect(toDateInput("2024-05-09T23:59:59Z")).toBe("2024-05-09");
    expect(toDateInput("2024-05-01T01:30:00+02:00")).toBe("2024-04-30");
  });

  it("treats empty as none", () => {
    expect(fromDateInput("", "start")).toBeNull();
    expect(toDateInput(null)).toBe("");
    expect(toDateInput("not a date")).toBe("");
  });

  it("describes ranges", () => {
    expect(describeRange("2024-05-01T00:00:00Z", "2024-05-09T23:59:59Z")).toBe("2024-05-01 – 2024-05-09");
    expect(describeRange("2024-05-01T00:00:00Z", "2024-05-01T23:59:59Z")).toBe("2024-05-01");
    expect(describeRange(null, "2024-05-09T00:00:00Z")).toBe("… – 2024-05-09");
    expect(describeRange(null, null)).toBe("—");
  });
});
