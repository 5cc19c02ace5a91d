// The mask panel: brush size, fill mode, overlay opacity, paint / erase, and converting the
// selected object between polygon and mask (POST /api/v1/annotations/{id}/convert/).
import { useState } from "react";
import { api, errorText } from "../../lib/api";
import { useEditor } from "../EditorContext";
import type { Annotation } from "../types";
import { MAX_BRUSH, MIN_BRUSH, setMaskSettings, useMaskSettings } from "./settings";
import "./mask.css";

export interface ConvertRequest {
  to: "mask" | "polygon";
  simplify?: number;
  version: number;
}

export function convertAnnotation(annotation: Pick<Annotation, "id">, body: ConvertRequest): Promise<Annotation> {
  return api<Annotation>(`/annotations/${annotation.id}/convert/`, { method: "POST", body });
}

export function MaskPanel() {
  const { state, dispatch, notify, data, forget } = useEditor();
  const settings = useMaskSettings();
  const [simplify, setSimplify] = useState(0.5);
  const [busy, setBusy] = useState(false);
  const selected = state.selected !== null ? state.annotations.get(state.selected) : undefined;
  const canEdit = data.can.annotate;

  const convert = async (to: "mask" | "polygon") => {
    if (!selected) return;
    setBusy(true);
    try {
      const saved = await convertAnnotation(selected, {
        to,
        version: selected.version,
        ...(to === "polygon" ? { simplify } : {}),
      });
      dispatch({ type: "upsert", annotation: saved });
      forget(saved.id); // its earlier steps were of the other kind
      notify(`#${saved.id} is now a ${saved.kind} (its earlier steps can no longer be undone).`);
    } catch (e) {
      notify(errorText(e), "error");
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="mask-panel" aria-labelledby="editor-masks">
      <h2 id="editor-masks">Mask</h2>
      <div className="row" role="group" aria-label="Mask tool">
        <button
          type="button"
          className="secondary"
          aria-pressed={state.tool === "brush"}
          disabled={!canEdit}
          onClick={() => dispatch({ type: "tool", tool: "brush" })}
        >
          Paint
        </button>
        <button
          type="button"
          className="secondary"
          aria-pressed={state.tool === "erase"}
          disabled={!canEdit}
          onClick={() => dispatch({ type: "tool", tool: "erase" })}
        >
          Erase
        </button>
        <label>
          <input
            type="checkbox"
            checked={settings.fill}
            onChange={(e) => setMaskSettings({ fill: e.target.checked })}
          />
          Fill on click
        </label>
      </div>
      <div className="row">
        <label htmlFor="mask-brush-size">Brush</label>
        <input
          id="mask-brush-size-range"
          type="range"
          min={MIN_BRUSH}
          max={MAX_BRUSH}
          value={settings.size}
          aria-label="Brush size (range)"
          onChange={(e) => setMaskSettings({ size: Number(e.target.value) })}
        />
        <input
          id="mask-brush-size"
          type="number"
          min={MIN_BRUSH}
          max={MAX_BRUSH}
          value={settings.size}
          onChange={(e) => setMaskSettings({ size: Number(e.target.value) })}
        />
        <span className="muted">px</span>
      </div>
      <div className="row">
        <label htmlFor="mask-opacity">Opacity</label>
        <input
          id="mask-opacity"
          type="range"
          min={0.1}
          max={1}
          step={0.05}
          value={settings.opacity}
          onChange={(e) => setMaskSettings({ opacity: Number(e.target.value) })}
        />
      </div>
      <p className="muted" style={{ margin: "4px 0", fontSize: "0.8rem" }}>
        {!canEdit
          ? "Masks are shown; painting them needs the annotator role."
          : settings.fill
            ? "Click inside a closed outline to fill it (with Erase: click a painted region to clear it)."
            : selected?.kind === "mask"
              ? `Painting adds to mask #${selected.id}.`
              : "Painting starts a new mask of the active class."}
      </p>
      {selected && (selected.kind === "polygon" || selected.kind === "bbox") && (
        <div className="row">
          <button type="button" disabled={!canEdit || busy} onClick={() => void convert("mask")}>
            Convert #{selected.id} to mask
          </button>
        </div>
      )}
      {selected?.kind === "mask" && (
        <div className="row">
          <label htmlFor="mask-simplify">Simplify</label>
          <input
            id="mask-simplify"
            type="number"
            min={0}
            max={100}
            step={0.25}
            value={simplify}
            style={{ width: 64 }}
            onChange={(e) => setSimplify(Math.max(0, Number(e.target.value) || 0))}
          />
          <span className="muted">px</span>
          <button type="button" disabled={!canEdit || busy} onClick={() => void convert("polygon")}>
            Convert #{selected.id} to polygon
          </button>
        </div>
      )}
    </section>
  );
}
