// A 409 (code "stale_version"): someone else saved the annotation since the version this
// browser had. Gather who changed it, when, and what (class / geometry / attributes / mask)
// so the person can choose: take theirs, or overwrite with mine knowingly.
import { api, ApiError, type Page } from "../../lib/api";
import type { Annotation, AnnotationChange } from "../types";

export interface Conflict {
  /** The annotation as this browser had it. */
  mine: Annotation;
  /** What this browser tried to write ("delete" for a deletion). */
  attempted: AnnotationChange | "delete";
  /** The stored annotation now (null: it has been deleted). */
  theirs: Annotation | null;
  who: string | null;
  when: string | null;
  /** Words for each part that differs between mine and theirs. */
  changed: string[];
}

export function isStale(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 409 && e.code === "stale_version";
}

interface ChangeEntry {
  action: string;
  user: string | null;
  at: string;
  version: number;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** What differs between two versions of an annotation, in words. */
export function whatChanged(before: Annotation, after: Annotation, className: (id: number) => string): string[] {
  const out: string[] = [];
  if (before.label_class !== after.label_class) {
    out.push(`class: ${className(before.label_class)} → ${className(after.label_class)}`);
  }
  if (!same(before.geometry, after.geometry)) out.push("geometry (shape or position)");
  if (!same(before.mask, after.mask)) out.push("mask pixels");
  if (!same(before.attributes, after.attributes)) out.push("attributes");
  if (before.difficulty !== after.difficulty) out.push("difficulty");
  if (before.review_state !== after.review_state) out.push(`review: ${after.review_state}`);
  return out;
}

/** The stored annotation and the last change that made it (who and when). */
export async function loadConflict(
  mine: Annotation,
  attempted: AnnotationChange | "delete",
  className: (id: number) => string,
): Promise<Conflict> {
  let theirs: Annotation | null = null;
  try {
    theirs = await api<Annotation>(`/annotations/${mine.id}/`);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
  let who: string | null = null;
  let when: string | null = theirs?.updated_at ?? null;
  if (theirs) {
    try {
      const page = await api<Page<ChangeEntry>>(`/annotations/${mine.id}/history/`, {
        query: { page_size: 1000 },
      });
      const entry = [...page.results]
        .reverse()
        .find((c) => c.version === theirs?.version && c.action !== "conflict");
      if (entry) {
        who = entry.user;
        when = entry.at;
      }
    } catch {
      // Who is a courtesy; the choice still works without it.
    }
  }
  const changed = theirs ? whatChanged(mine, theirs, className) : ["deleted"];
  return { mine, attempted, theirs, who, when, changed };
}
