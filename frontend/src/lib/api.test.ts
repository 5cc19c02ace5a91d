import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, apiUrl, errorText } from "./api";

describe("apiUrl", () => {
  it("prefixes /api/v1 and encodes the query, repeating list values", () => {
    expect(apiUrl("/events/3/images/", { page: 2, source: ["gibs", "upload"], empty: "" })).toBe(
      "/api/v1/events/3/images/?page=2&source=gibs&source=upload",
    );
  });

  it("keeps a full API path (a `next` link) and appends to its query", () => {
    expect(apiUrl("/api/v1/jobs/?page=2", { page_size: 10 })).toBe("/api/v1/jobs/?page=2&page_size=10");
  });
});

describe("api", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("turns the API's error body into an ApiError that names the fields", async () => {
    document.cookie = "csrftoken=abc123";
    const fetchMock = vi.fn().mockResolvedValue(
      new Response(
        JSON.stringify({
          detail: "Invalid input.",
          code: "invalid",
          fields: { name: ["This field may not be blank."] },
        }),
        { status: 400, headers: { "Content-Type": "application/json" } },
      ),
    );
    vi.stubGlobal("fetch", fetchMock);
    const error = await api("/events/", { method: "POST", body: { name: "" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect(errorText(error)).toBe("Invalid input.\nname: This field may not be blank.");
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/v1/events/");
    expect((init.headers as Record<string, string>)["X-CSRFToken"]).toBe("abc123");
    expect(init.body).toBe('{"name":""}');
  });

  it("says the server could not be reached when fetch itself fails", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    const error = await api("/jobs/").catch((e: unknown) => e);
    expect((error as ApiError).code).toBe("network_error");
  });
});
