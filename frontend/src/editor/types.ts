// The editor's resources (the API's annotation, DESIGN.md §4) and its shared state.
import type * as GeoJSON from "geojson";

export type AnnotationKind = "bbox" | "polygon" | "polyline" | "point" | "mask";

/** COCO uncompressed RLE over the whole image, column-major counts (events/geometry.py). */
export interface Rle {
  size: [number, number];
  counts: number[];
}

export interface Annotation {
  id: number;
  image: number;
  label_class: number;
  kind: AnnotationKind;
  /** Pixel space: x right, y down, origin at the top-left corner of the top-left pixel. */
  geometry: GeoJSON.Geometry | null;
  /** Left out of the list the editor asks for (geo=false). */
  geo_geometry?: GeoJSON.Geometry | null;
  mask: Rle | null;
  attributes: Record<string, unknown>;
  keypoints: unknown;
  author: string | null;
  source: "manual" | "predicted" | "imported";
  confidence: number | null;
  difficulty: number | null;
  review_state: string;
  version: number;
  created_at: string;
  updated_at: string;
}

/** What a new annotation is sent with (POST /api/v1/images/{id}/annotations/). */
export interface AnnotationDraft {
  kind: AnnotationKind;
  label_class: number;
  geometry?: GeoJSON.Geometry | null;
  mask?: Rle | null;
  attributes?: Record<string, unknown>;
}

/** The fields a change may touch (PATCH with `version`). */
export type AnnotationChange = Partial<
  Pick<Annotation, "label_class" | "geometry" | "mask" | "attributes" | "difficulty">
>;

export type ToolName = "select" | "bbox" | "polygon" | "polyline" | "point" | "brush" | "erase";
