// Shapes of the REST API's resources, as the OpenAPI schema (/api/schema/) describes them.
import type * as GeoJSON from "geojson";

export type Role = "owner" | "manager" | "reviewer" | "annotator" | "viewer";
export const ROLES: Role[] = ["viewer", "annotator", "reviewer", "manager", "owner"];

export interface User {
  id: number;
  username: string;
  email: string;
}

export interface Team {
  id: number;
  name: string;
  slug: string;
  description: string;
  created_at: string;
  role: Role | null;
}

export interface Membership {
  id: number;
  user: User;
  role: Role;
  created_at: string;
}

export type Geometry = GeoJSON.Geometry;

export interface EventData {
  id: number;
  team: number;
  name: string;
  slug: string;
  description: string;
  phenomenon: string;
  starts_at: string | null;
  ends_at: string | null;
  area_of_interest: GeoJSON.Polygon | GeoJSON.MultiPolygon | null;
  settings: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export type LabelClassKind = "tag" | "object" | "value";

export interface LabelClass {
  id: number;
  event: number;
  name: string;
  color: string;
  hotkey: string;
  order: number;
  kind: LabelClassKind;
  description: string;
  value: number | null;
}

export type TagState = "positive" | "negative";

export interface ImageTag {
  label_class: number;
  state: TagState;
}

export interface ImageData {
  id: number;
  event: number;
  name: string;
  source: "upload" | "geotiff" | "gibs" | "sentinelhub";
  status: "processing" | "ready" | "failed";
  status_message: string;
  width: number;
  height: number;
  band_count: number;
  band_names: string[];
  dtype: string;
  nodata: number | null;
  crs: string;
  transform: number[] | null;
  footprint: GeoJSON.Polygon | GeoJSON.MultiPolygon | null;
  stats: Record<string, unknown>[] | null;
  tiles: string | null;
  image_tiles: string | null;
  tilejson: string | null;
  preview_url: string | null;
  thumbnail_url: string | null;
  acquired_at: string | null;
  cloud_cover: number | null;
  provenance: Record<string, unknown>;
  checksum: string;
  created_at: string;
  tags: ImageTag[];
}

export type JobStatus = "queued" | "running" | "succeeded" | "failed";

export interface Job {
  id: number;
  kind: string;
  status: JobStatus;
  progress: number;
  message: string;
  params: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: string;
  owner: string | null;
  team: number | null;
  event: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export function jobFinished(job: Job): boolean {
  return job.status === "succeeded" || job.status === "failed";
}
