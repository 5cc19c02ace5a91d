// Dataset versions as the API returns them (api/serializers/datasets.py).
export interface DatasetFile {
  size: number;
  sha256: string;
  download: string;
}

export interface ManifestEntry {
  path: string;
  sha256: string;
  size: number;
}

export interface DatasetCounts {
  images?: Record<string, number>;
  annotations?: Record<string, Record<string, number>>;
  tags?: Record<string, Record<string, number>>;
  map_shapes?: number;
}

export interface DatasetVersion {
  id: number;
  event: number;
  number: number;
  name: string;
  status: "building" | "ready" | "failed";
  error: string;
  formats: string[];
  filters: Record<string, unknown>;
  split: Record<string, unknown>;
  options: Record<string, unknown>;
  counts: DatasetCounts;
  files: Record<string, DatasetFile>;
  checksum: string;
  job: number | null;
  created_by: string | null;
  created_at: string;
  built_at: string | null;
}

export interface DatasetVersionDetail extends DatasetVersion {
  manifest: Record<string, ManifestEntry[]>;
}
