// Pure helpers of the uploads page: which files go together in one request, sizes in
// words, and one request's upload with progress (XMLHttpRequest: fetch has no upload
// progress events).
import { ApiError, apiUrl, csrfToken, type ApiErrorBody } from "../lib/api";
import type { Job } from "../lib/types";

/** What the upload API takes (workers/sources/upload.py: IMAGE_EXTENSIONS, SIDECAR_SUFFIXES). */
export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".tif", ".tiff"];
export const ARCHIVE_EXTENSIONS = [".zip"];
export const SIDECAR_SUFFIXES = [
  ".aux.xml", ".wld", ".jgw", ".pgw", ".tfw", ".jpgw", ".pngw", ".tifw", ".tiffw", ".prj",
];
/** The file picker's accept list (a hint only: the server checks every file's content). */
export const ACCEPT = [...IMAGE_EXTENSIONS, ...ARCHIVE_EXTENSIONS, ...SIDECAR_SUFFIXES].join(",");

export function isSidecar(name: string): boolean {
  const lower = name.toLowerCase();
  return SIDECAR_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

function stem(name: string): string {
  const lower = name.toLowerCase();
  const dot = lower.lastIndexOf(".");
  return dot > 0 ? lower.slice(0, dot) : lower;
}

/** The image a sidecar belongs to: `tile.jpg.aux.xml` and `tile.wld` go with `tile.jpg`. */
export function sidecarOwner(sidecar: string, images: string[]): string | null {
  const lower = sidecar.toLowerCase();
  for (const image of images) {
    if (lower.startsWith(`${image.toLowerCase()}.`)) return image;
  }
  const own = lower.endsWith(".aux.xml") ? stem(lower.slice(0, -".aux.xml".length)) : stem(lower);
  return images.find((image) => stem(image) === own) ?? null;
}

export interface FileGroup<F extends { name: string }> {
  /** The image, archive or (unmatched) other file the group is named after. */
  name: string;
  files: F[];
}

/**
 * One upload request per image or archive, so each gets its own ingest job (the API runs
 * one job per request, and a job fails as a whole): sidecars travel with their image,
 * since GDAL must find them beside it. A sidecar without its image is sent alone, and the
 * API says in words why it is refused.
 */
export function groupFiles<F extends { name: string }>(files: F[]): FileGroup<F>[] {
  const mains = files.filter((f) => !isSidecar(f.name));
  const groups = new Map<string, FileGroup<F>>();
  for (const file of mains) groups.set(file.name, { name: file.name, files: [file] });
  const names = mains.map((f) => f.name);
  const lone: FileGroup<F>[] = [];
  for (const file of files.filter((f) => isSidecar(f.name))) {
    const owner = sidecarOwner(file.name, names);
    if (owner) groups.get(owner)?.files.push(file);
    else lone.push({ name: file.name, files: [file] });
  }
  return [...groups.values(), ...lone];
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Parses an error answer of the API; a proxy's page or an empty body keeps the status. */
export function errorFromXhr(status: number, statusText: string, text: string): ApiError {
  let body: ApiErrorBody = {
    detail: status ? `${status} ${statusText}`.trim() : "The upload did not reach the server.",
    code: status ? "http_error" : "network_error",
    fields: {},
  };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && "detail" in parsed) {
      body = { ...body, ...(parsed as Partial<ApiErrorBody>) } as ApiErrorBody;
    }
  } catch {
    // not JSON
  }
  if (status === 413 && body.code === "http_error") {
    body = { ...body, detail: "The file is larger than the server accepts.", code: "payload_too_large" };
  }
  return new ApiError(status, body);
}

export interface UploadHandle {
  promise: Promise<Job>;
  abort: () => void;
}

/**
 * POSTs `files` (and the optional band order) to the event's upload API; `onProgress` gets
 * the bytes sent and the total. Resolves with the queued ingest job; rejects with an
 * ApiError in the API's words (a refused file, too large, no permission).
 */
export function uploadFiles(
  eventId: number,
  files: File[],
  bandOrder: string,
  onProgress: (loaded: number, total: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<Job>((resolve, reject) => {
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    if (bandOrder) form.append("band_order", bandOrder);
    xhr.open("POST", apiUrl(`/events/${eventId}/uploads/`));
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.withCredentials = true;
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      if (xhr.status === 202 || xhr.status === 201 || xhr.status === 200) {
        try {
          resolve(JSON.parse(xhr.responseText) as Job);
        } catch {
          reject(errorFromXhr(xhr.status, "The server's answer was not JSON", ""));
        }
      } else {
        reject(errorFromXhr(xhr.status, xhr.statusText, xhr.responseText));
      }
    };
    xhr.onerror = () =>
      reject(
        new ApiError(0, {
          detail:
            "The upload was cut off: the server could not be reached or closed the connection " +
            "(a file over the size limit is stopped this way).",
          code: "network_error",
          fields: {},
        }),
      );
    xhr.onabort = () =>
      reject(new ApiError(0, { detail: "Upload cancelled.", code: "aborted", fields: {} }));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

/** Runs `tasks` with at most `limit` at once; resolves when all have settled. */
export async function runLimited(tasks: (() => Promise<unknown>)[], limit: number): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const task = tasks[next];
      next += 1;
      try {
        await task?.();
      } catch {
        // each task reports its own failure
      }
    }
  });
  await Promise.all(lanes);
}

/** The ingest job's result in words: images created, duplicates skipped, tags set. */
export function ingestSummary(result: Record<string, unknown> | null): string {
  const images = Array.isArray(result?.images) ? result.images.length : 0;
  const duplicates = Array.isArray(result?.duplicates) ? result.duplicates.length : 0;
  const tags = result?.tags && typeof result.tags === "object" ? Object.keys(result.tags) : [];
  const parts = [`${images} image${images === 1 ? "" : "s"} added`];
  if (duplicates) parts.push(`${duplicates} already in the event (skipped)`);
  if (tags.length) parts.push(`tagged ${tags.join(", ")}`);
  return parts.join("; ");
}
