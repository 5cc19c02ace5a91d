// The annotation routes the editor uses (DESIGN.md §5): list, create, change with the
// version it is based on (a stale version answers 409 with the current annotation), delete.
import { api, type Page } from "../lib/api";
import type { Annotation, AnnotationChange, AnnotationDraft } from "./types";

export async function listAnnotations(imageId: number): Promise<Annotation[]> {
  const all: Annotation[] = [];
  let page = 1;
  for (;;) {
    const result = await api<Page<Annotation>>(`/images/${imageId}/annotations/`, {
      query: { page, page_size: 1000 },
    });
    all.push(...result.results);
    if (!result.next) return all;
    page += 1;
  }
}

export function createAnnotation(imageId: number, draft: AnnotationDraft): Promise<Annotation> {
  return api<Annotation>(`/images/${imageId}/annotations/`, { method: "POST", body: draft });
}

export function changeAnnotation(
  annotation: Pick<Annotation, "id" | "version">,
  change: AnnotationChange,
): Promise<Annotation> {
  return api<Annotation>(`/annotations/${annotation.id}/`, {
    method: "PATCH",
    body: { ...change, version: annotation.version },
  });
}

export function deleteAnnotation(annotation: Pick<Annotation, "id" | "version">): Promise<undefined> {
  return api<undefined>(`/annotations/${annotation.id}/`, {
    method: "DELETE",
    query: { version: annotation.version },
  });
}
