import { afterEach, describe, expect, it, vi } from "vitest";
import { getLockState, requestLock, sendOnLeave, setLockState } from "./session";

const json = (body: unknown, status: number) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("the lock", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("is mine on 200 and names the other user on 409", async () => {
    document.cookie = "csrftoken=tok";
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(json({ image: 4, locked_by: "alice", locked_until: "2026-01-01T10:05:00Z", lock_seconds: 300 }, 200))
      .mockResolvedValueOnce(
        json({ detail: "Image 4 is open by bob…", code: "locked", fields: {}, locked_by: "bob", locked_until: "2026-01-01T10:06:00Z" }, 409),
      )
      .mockResolvedValueOnce(json({ detail: "You need the annotator role.", code: "permission_denied", fields: {} }, 403));
    vi.stubGlobal("fetch", fetchMock);
    expect(await requestLock(4)).toEqual({ status: "mine", until: "2026-01-01T10:05:00Z" });
    expect(await requestLock(4)).toEqual({ status: "other", holder: "bob", until: "2026-01-01T10:06:00Z" });
    expect(await requestLock(4)).toEqual({ status: "error", message: "You need the annotator role." });
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/v1/images/4/lock/");
    expect(init.method).toBe("POST");
    expect((init.headers as Record<string, string>)["X-CSRFToken"]).toBe("tok");
  });

  it("is shared through a small store", () => {
    setLockState({ status: "other", holder: "bob", until: "2026-01-01T10:06:00Z" });
    expect(getLockState()).toEqual({ status: "other", holder: "bob", until: "2026-01-01T10:06:00Z" });
    setLockState({ status: "none" });
  });

  it("leaves with keepalive requests carrying the CSRF token", () => {
    document.cookie = "csrftoken=tok";
    const fetchMock = vi.fn().mockResolvedValue(new Response(null, { status: 204 }));
    vi.stubGlobal("fetch", fetchMock);
    sendOnLeave("/images/4/worklog/", "POST", { seconds: 12 });
    sendOnLeave("/images/4/lock/", "DELETE");
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/v1/images/4/worklog/");
    expect(init).toMatchObject({ method: "POST", keepalive: true, credentials: "same-origin", body: '{"seconds":12}' });
    expect((init.headers as Record<string, string>)["X-CSRFToken"]).toBe("tok");
    const [, release] = fetchMock.mock.calls[1] as [string, RequestInit];
    expect(release).toMatchObject({ method: "DELETE", keepalive: true, body: undefined });
  });
});
