// One image in detail: the enlarged view with a band preset and brightness, its metadata,
// and its tags (set one by one here; many at once from the selection bar).
import { useEffect, useRef, useState } from "react";
import { api, errorText } from "../lib/api";
import type { ImageData, LabelClass, TagState } from "../lib/types";
import { ImageView, PRESETS, type Rendering } from "./ImageView";
import { editorHref } from "./filters";
import { TagBadges } from "./Tags";
import { formatCloud, formatDate } from "./views";

export interface DetailDialogProps {
  image: ImageData;
  classes: Map<number, LabelClass>;
  tagClasses: LabelClass[];
  canAnnotate: boolean;
  /** The gallery's filters and ordering (query string): the editor follows them. */
  editorQuery: string;
  onChanged: (image: ImageData) => void;
  onClose: () => void;
}

function crsText(crs: string): string {
  if (!crs) return "none (pixel space only)";
  return crs.length > 40 ? `${crs.slice(0, 40)}…` : crs;
}

export function DetailDialog({ image, classes, tagClasses, canAnnotate, editorQuery, onChanged, onClose }: DetailDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [rendering, setRendering] = useState<Rendering>({ preset: "", brightness: 0 });
  const [error, setError] = useState("");
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  const setTag = async (labelClass: number, state: TagState | null) => {
    try {
      const updated = await api<ImageData>(`/images/${image.id}/tags/`, {
        method: "POST",
        body: { label_class: labelClass, state },
      });
      setError("");
      onChanged(updated);
    } catch (e) {
      setError(errorText(e));
    }
  };

  const bands = image.band_names.length ? image.band_names.join(", ") : `${image.band_count} (unnamed)`;
  return (
    <dialog ref={dialog} className="gallery-dialog" aria-labelledby="gallery-detail-title" onClose={onClose}>
      <div className="row gallery-dialog-head">
        <h2 id="gallery-detail-title" className="grow">
          {image.name}
        </h2>
        <a className="button" href={editorHref(image.id, editorQuery)}>
          Open in editor
        </a>
        <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
      <div className="gallery-dialog-body">
        <div className="gallery-dialog-view">
          <ImageView image={image} rendering={rendering} />
          <div className="row">
            <label>
              Band preset
              <select
                value={rendering.preset}
                onChange={(e) => setRendering({ ...rendering, preset: e.target.value })}
              >
                {PRESETS.map((p) => (
                  <option key={p.value} value={p.value}>
                    {p.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="grow">
              Brightness {rendering.brightness > 0 ? "+" : ""}
              {rendering.brightness.toFixed(2)}
              <input
                type="range"
                min={-0.5}
                max={0.5}
                step={0.05}
                value={rendering.brightness}
                onChange={(e) => setRendering({ ...rendering, brightness: Number(e.target.value) })}
              />
            </label>
          </div>
        </div>
        <div className="gallery-dialog-meta">
          <dl>
            <dt>Size</dt>
            <dd>
              {image.width} × {image.height} px
            </dd>
            <dt>Bands</dt>
            <dd>{bands}</dd>
            <dt>Data type</dt>
            <dd>{image.dtype}</dd>
            <dt>CRS</dt>
            <dd title={image.crs}>{crsText(image.crs)}</dd>
            <dt>Acquired</dt>
            <dd>{formatDate(image.acquired_at)}</dd>
            <dt>Cloud cover</dt>
            <dd>{formatCloud(image.cloud_cover)}</dd>
            <dt>Source</dt>
            <dd>{image.source}</dd>
            <dt>Status</dt>
            <dd>{image.status}</dd>
            <dt>Tags</dt>
            <dd>{image.tags.length ? <TagBadges image={image} classes={classes} /> : "none"}</dd>
          </dl>
          {canAnnotate && tagClasses.length > 0 && (
            <fieldset>
              <legend>Tag this image</legend>
              {tagClasses.map((c) => {
                const state = image.tags.find((t) => t.label_class === c.id)?.state ?? null;
                return (
                  <div key={c.id} className="row gallery-tag-row" role="group" aria-label={`Tag ${c.name}`}>
                    <span className="grow">{c.name}</span>
                    <button type="button" className={state === "positive" ? "" : "secondary"} aria-pressed={state === "positive"} onClick={() => void setTag(c.id, "positive")}>
                      Positive
                    </button>
                    <button type="button" className={state === "negative" ? "" : "secondary"} aria-pressed={state === "negative"} onClick={() => void setTag(c.id, "negative")}>
                      Negative
                    </button>
                    <button type="button" className="secondary" disabled={state === null} onClick={() => void setTag(c.id, null)}>
                      Clear
                    </button>
                  </div>
                );
              })}
            </fieldset>
          )}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </div>
      </div>
    </dialog>
  );
}
