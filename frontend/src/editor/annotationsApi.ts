// The annotation routes the editor uses (DESIGN.md §5): list, create, change with the
// version it is based on (a stale version answers 409 with the current annotation), delete.
import { api } from "../lib/api";
import type { Annotation, AnnotationChange, AnnotationDraft } from "./types";

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
