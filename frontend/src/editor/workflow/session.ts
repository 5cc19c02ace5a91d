// What the work panel and the navigator share: the state of this image's lock, and the
// requests that must also work while the page unloads (fetch keepalive).
import { useSyncExternalStore } from "react";
import { apiUrl, csrfToken } from "../../lib/api";

export type LockState =
  | { status: "none" }
  | { status: "mine"; until: string }
  | { status: "other"; holder: string; until: string }
  | { status: "error"; message: string };

let current: LockState = { status: "none" };
const listeners = new Set<() => void>();

export function setLockState(next: LockState): void {
  current = next;
  listeners.forEach((listener) => listener());
}

export function getLockState(): LockState {
  return current;
}

export function useLockState(): LockState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

/** "14:05" in the user's time zone. */
export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** Take or renew the lock; a 409 names who holds it (its body has locked_by/locked_until). */
export async function requestLock(imageId: number): Promise<LockState> {
  let response: Response;
  try {
    response = await fetch(apiUrl(`/images/${imageId}/lock/`), {
      method: "POST",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    });
  } catch {
    return { status: "error", message: "The lock could not be renewed: the server is not reachable." };
  }
  const body = (await response.json().catch(() => ({}))) as {
    locked_by?: string;
    locked_until?: string;
    detail?: string;
  };
  if (response.ok && body.locked_until) return { status: "mine", until: body.locked_until };
  if (response.status === 409 && body.locked_by && body.locked_until) {
    return { status: "other", holder: body.locked_by, until: body.locked_until };
  }
  return { status: "error", message: body.detail ?? `The lock failed (${response.status}).` };
}

/** A request that outlives the page (pagehide): keepalive, the session cookie, CSRF. */
export function sendOnLeave(path: string, method: "POST" | "DELETE", body?: unknown): void {
  try {
    void fetch(apiUrl(path), {
      method,
      keepalive: true,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch(() => undefined);
  } catch {
    // the page is going away; nothing left to tell
  }
}
