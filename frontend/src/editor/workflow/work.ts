// The editor's workflow without React: active labelling time, the navigation query and the
// remembered skip options. Tested in work.test.ts.

/** Input older than this stops the clock (the labeller walked away). */
export const IDLE_MS = 60_000;
/** The server takes at most this much per report (POST /images/{id}/worklog/). */
export const MAX_REPORT_SECONDS = 3600;

/**
 * Active time: the page is visible and there was input in the last `idleMs`. Time is
 * counted between calls (`input`, `visibility`, `take`, `flush`), so a stalled timer loses
 * nothing and an idle minute counts only up to the idle limit.
 */
export class ActivityClock {
  private last: number;
  private lastInput: number;
  private visible: boolean;
  private pendingMs = 0;
  private readonly idleMs: number;

  constructor(now: number, { visible = true, idleMs = IDLE_MS } = {}) {
    this.last = now;
    this.lastInput = now; // opening the image counts as input
    this.visible = visible;
    this.idleMs = idleMs;
  }

  private advance(now: number): void {
    if (this.visible) {
      const end = Math.min(now, this.lastInput + this.idleMs);
      if (end > this.last) this.pendingMs += end - this.last;
    }
    this.last = Math.max(this.last, now);
  }

  input(now: number): void {
    this.advance(now);
    this.lastInput = now;
  }

  visibility(visible: boolean, now: number): void {
    this.advance(now);
    this.visible = visible;
    if (visible) this.lastInput = now; // coming back to the tab is input
  }

  /** Active milliseconds not yet taken (for display). */
  pending(now: number): number {
    this.advance(now);
    return this.pendingMs;
  }

  /** Whole seconds to report now (at most MAX_REPORT_SECONDS); the rest stays pending. */
  take(now: number): number {
    this.advance(now);
    const seconds = Math.min(Math.floor(this.pendingMs / 1000), MAX_REPORT_SECONDS);
    this.pendingMs -= seconds * 1000;
    return seconds;
  }

  /** Everything pending, rounded to the nearest second (the last report, on leave). */
  flush(now: number): number {
    this.advance(now);
    const seconds = Math.min(Math.round(this.pendingMs / 1000), MAX_REPORT_SECONDS);
    this.pendingMs = 0;
    return seconds;
  }

  /** A report that failed: its seconds count again. */
  giveBack(seconds: number): void {
    this.pendingMs += seconds * 1000;
  }
}

/** "1 h 02 min", "3 min 20 s", "45 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h} h ${String(m).padStart(2, "0")} min`;
  if (m) return `${m} min ${String(r).padStart(2, "0")} s`;
  return `${r} s`;
}

export interface Skips {
  labelledByOthers: boolean;
  locked: boolean;
}

const SKIPS_KEY = "labeler.editor.skips";

export function readSkips(storage: Pick<Storage, "getItem"> | null = safeStorage()): Skips {
  const fallback = { labelledByOthers: false, locked: true };
  try {
    const raw = storage?.getItem(SKIPS_KEY);
    if (!raw) return fallback;
    const parsed = JSON.parse(raw) as Partial<Skips>;
    return {
      labelledByOthers: parsed.labelledByOthers === true,
      locked: parsed.locked !== false,
    };
  } catch {
    return fallback;
  }
}

export function writeSkips(skips: Skips, storage: Pick<Storage, "setItem"> | null = safeStorage()): void {
  try {
    storage?.setItem(SKIPS_KEY, JSON.stringify(skips));
  } catch {
    // private mode or full: the choice lasts for this page only
  }
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The gallery's query string without what the editor adds itself. */
export function galleryQuery(filters: string): string {
  const params = new URLSearchParams(filters);
  params.delete("skip_labelled_by_others");
  params.delete("skip_locked");
  params.delete("page");
  params.delete("page_size");
  return params.toString();
}

/** The neighbours route's query: the gallery's filters and ordering plus the skips. */
export function neighboursQuery(filters: string, skips: Skips): string {
  const params = new URLSearchParams(galleryQuery(filters));
  if (skips.labelledByOthers) params.set("skip_labelled_by_others", "true");
  if (skips.locked) params.set("skip_locked", "true");
  return params.toString();
}

/** The editor of another image, keeping the gallery's filters. */
export function editorUrl(imageId: number, filters: string): string {
  const query = galleryQuery(filters);
  return `/images/${imageId}/edit/${query ? `?${query}` : ""}`;
}

/** The gallery with the same filters. */
export function galleryUrl(eventId: number, filters: string): string {
  const query = galleryQuery(filters);
  return `/events/${eventId}/gallery/${query ? `?${query}` : ""}`;
}


/** "[" previous, "]" next (no modifier keys), else null. */
export function navigationKey(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">): "previous" | "next" | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === "[") return "previous";
  if (e.key === "]") return "next";
  return null;
}
