// Loading the event map's data from the REST API.
import type * as GeoJSON from "geojson";
import { api, type Page } from "../lib/api";
import type { EventData, ImageData, LabelClass } from "../lib/types";

export interface GibsLayer {
  identifier: string;
  title: string;
  formats: string[];
  tile_matrix_sets: string[];
  time: { default: string | null; start: string | null; end: string | null; period: string | null; values: string[] } | null;
  tile_url_template: string;
}

export interface Acquisition {
  id: string;
  datetime: string | null;
  cloud_cover: number | null;
  bbox: number[] | null;
}

export type ShapeFeature = GeoJSON.Feature<GeoJSON.Geometry, Record<string, unknown>> & { id: number };
export interface ShapeCollection {
  type: "FeatureCollection";
  features: ShapeFeature[];
}

export async function loadEvent(eventId: number): Promise<EventData> {
  return api<EventData>(`/events/${eventId}/`);
}

/** Every image of the event (all pages). */
export async function loadImages(eventId: number, signal?: AbortSignal): Promise<ImageData[]> {
  const all: ImageData[] = [];
  for (let page = 1; ; page++) {
    const answer = await api<Page<ImageData>>(`/events/${eventId}/images/`, {
      query: { page, page_size: 500 },
      signal,
    });
    all.push(...answer.results);
    if (!answer.next) return all;
  }
}

/** Ids of the event's images with any tag or annotation (the list's labelled filter). */
export async function loadLabelledIds(eventId: number, signal?: AbortSignal): Promise<Set<number>> {
  const ids = new Set<number>();
  for (let page = 1; ; page++) {
    const answer = await api<Page<ImageData>>(`/events/${eventId}/images/`, {
      query: { page, page_size: 500, labelled: true },
      signal,
    });
    for (const image of answer.results) ids.add(image.id);
    if (!answer.next) return ids;
  }
}

export async function loadClasses(eventId: number): Promise<LabelClass[]> {
  const answer = await api<LabelClass[] | Page<LabelClass>>(`/events/${eventId}/label-classes/`);
  return Array.isArray(answer) ? answer : answer.results;
}

export async function loadShapes(eventId: number): Promise<ShapeCollection> {
  return api<ShapeCollection>(`/events/${eventId}/map-shapes/`);
}

export async function searchGibsLayers(search: string, signal?: AbortSignal): Promise<GibsLayer[]> {
  const answer = await api<Page<GibsLayer>>("/sources/gibs/layers/", {
    query: { search, page_size: 50 },
    signal,
  });
  return answer.results;
}
