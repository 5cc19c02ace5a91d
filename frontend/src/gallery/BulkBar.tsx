// The selection bar: how many are selected, "select all N matching", and bulk tagging of a
// tag class (positive, negative, clear) through POST events/{id}/images/bulk-tags/.
import { useState } from "react";
import { api, errorText } from "../lib/api";
import type { LabelClass, TagState } from "../lib/types";
import { filterParams, type Filters } from "./filters";
import { selectedCount, type Selection } from "./selection";

export interface BulkBarProps {
  eventId: number;
  count: number | null;
  selection: Selection;
  filters: Filters;
  tagClasses: LabelClass[];
  canAnnotate: boolean;
  onSelectAll: () => void;
  onClear: () => void;
  /** After the server tagged: update the shown images. */
  onTagged: (labelClass: number, state: TagState | null) => void;
}

export function BulkBar(props: BulkBarProps) {
  const { eventId, count, selection, filters, tagClasses, canAnnotate } = props;
  const [chosen, setChosen] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const total = count ?? 0;
  const n = selectedCount(selection, total);
  const classId = chosen || String(tagClasses[0]?.id ?? "");
  const className = tagClasses.find((c) => String(c.id) === classId)?.name ?? "";

  const tag = async (state: TagState | null) => {
    if (!classId || n === 0) return;
    setBusy(true);
    setError("");
    try {
      const body: Record<string, unknown> = { label_class: Number(classId), state };
      if (selection.all) body.filters = filterParams(filters);
      else body.images = [...selection.ids];
      const result = await api<{ updated: number }>(`/events/${eventId}/images/bulk-tags/`, {
        method: "POST",
        body,
      });
      const what = state === null ? "Cleared" : `Tagged ${state}`;
      setMessage(`${what}: ${className} on ${result.updated.toLocaleString()} image${result.updated === 1 ? "" : "s"}.`);
      props.onTagged(Number(classId), state);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="gallery-bulk" aria-label="Selection">
      <div className="row">
        <strong aria-live="polite" data-testid="selected-count">
          {selection.all
            ? `All ${total.toLocaleString()} matching selected`
            : `${n.toLocaleString()} selected`}
        </strong>
        <button type="button" className="secondary" disabled={total === 0 || selection.all} onClick={props.onSelectAll}>
          Select all {total.toLocaleString()} matching
        </button>
        <button type="button" className="secondary" disabled={n === 0} onClick={props.onClear}>
          Clear selection
        </button>
        {canAnnotate && tagClasses.length > 0 && (
          <>
            <span className="gallery-sep" aria-hidden="true" />
            <label className="inline">
              Tag class
              <select value={classId} onChange={(e) => setChosen(e.target.value)}>
                {tagClasses.map((c) => (
                  <option key={c.id} value={String(c.id)}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={busy || n === 0} onClick={() => void tag("positive")}>
              Mark positive
            </button>
            <button type="button" disabled={busy || n === 0} onClick={() => void tag("negative")}>
              Mark negative
            </button>
            <button type="button" className="secondary" disabled={busy || n === 0} onClick={() => void tag(null)}>
              Clear tag
            </button>
          </>
        )}
        {canAnnotate && tagClasses.length === 0 && (
          <span className="muted">No tag classes yet: add one in the event settings to tag images.</span>
        )}
      </div>
      {message && !error && (
        <p className="success gallery-message" role="status">
          {message}
        </p>
      )}
      {error && (
        <p className="error gallery-message" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
