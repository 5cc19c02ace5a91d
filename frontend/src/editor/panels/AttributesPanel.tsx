// The selected object: its class, kind, author, source and review state (read-only), and its
// attributes as name / value rows (add, edit, delete), saved through the editor's writer.
import { useState } from "react";
import { useEditor } from "../EditorContext";
import type { Annotation } from "../types";
import "../mask/mask.css";
import { attributesOf, rowsOf, type AttributeRow } from "./attributes";

export function AttributesPanel() {
  const { state } = useEditor();
  const selected = state.selected !== null ? state.annotations.get(state.selected) : undefined;
  return (
    <section className="attr-panel" aria-labelledby="editor-attributes">
      <h2 id="editor-attributes">Selected object</h2>
      {selected ? (
        // Keyed by id and version: a saved or reloaded object starts from its stored rows.
        <AttributesEditor key={`${selected.id}:${selected.version}`} annotation={selected} />
      ) : (
        <p className="muted">Select an object to see and edit its attributes.</p>
      )}
    </section>
  );
}

function AttributesEditor({ annotation }: { annotation: Annotation }) {
  const { state, change, data } = useEditor();
  const [rows, setRows] = useState<AttributeRow[]>(() => rowsOf(annotation.attributes ?? {}));
  const [error, setError] = useState("");
  const [saving, setSaving] = useState(false);
  const cls = state.classes.find((c) => c.id === annotation.label_class);
  const canEdit = data.can.annotate;
  const stored = JSON.stringify(rowsOf(annotation.attributes ?? {}));
  const dirty = JSON.stringify(rows.filter((r) => r.key.trim() || r.value.trim())) !== stored;

  const edit = (index: number, patch: Partial<AttributeRow>) =>
    setRows((all) => all.map((row, i) => (i === index ? { ...row, ...patch } : row)));

  const save = async () => {
    const result = attributesOf(rows);
    if ("error" in result) {
      setError(result.error);
      return;
    }
    setError("");
    setSaving(true);
    const saved = await change(annotation, { attributes: result.attributes });
    setSaving(false);
    if (!saved) setError("Not saved (see the status line).");
  };

  return (
    <>
      <dl className="attr-facts">
        <dt>Object</dt>
        <dd>
          #{annotation.id} · {annotation.kind} · v{annotation.version}
        </dd>
        <dt>Class</dt>
        <dd>
          <span className="swatch" style={{ background: cls?.color ?? "#999" }} aria-hidden /> {cls?.name ?? "?"}
        </dd>
        <dt>Author</dt>
        <dd>{annotation.author ?? "—"}</dd>
        <dt>Source</dt>
        <dd>
          {annotation.source}
          {annotation.confidence !== null && ` (confidence ${annotation.confidence.toFixed(2)})`}
        </dd>
        <dt>Review</dt>
        <dd>{annotation.review_state}</dd>
      </dl>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <table className="attr-table" aria-label="Attributes">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
              <th scope="col">
                <span className="visually-hidden">Delete</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}>
                <td>
                  <input
                    aria-label={`Attribute ${i + 1} name`}
                    value={row.key}
                    disabled={!canEdit}
                    onChange={(e) => edit(i, { key: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    aria-label={`Attribute ${i + 1} value`}
                    value={row.value}
                    disabled={!canEdit}
                    onChange={(e) => edit(i, { value: e.target.value })}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Delete attribute ${row.key || i + 1}`}
                    disabled={!canEdit}
                    onClick={() => setRows((all) => all.filter((_, j) => j !== i))}
                  >
                    ×
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p className="muted">No attributes.</p>}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {canEdit && (
          <div className="row">
            <button type="button" className="secondary" onClick={() => setRows((all) => [...all, { key: "", value: "" }])}>
              Add attribute
            </button>
            <button type="submit" disabled={!dirty || saving}>
              {saving ? "Saving…" : "Save attributes"}
            </button>
          </div>
        )}
      </form>
    </>
  );
}
