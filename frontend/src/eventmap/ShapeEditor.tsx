// The form of one map shape: label class (kind object) and key/value attributes.
import { useState } from "react";
import type { LabelClass } from "../lib/types";

interface Props {
  title: string;
  classes: LabelClass[];
  labelClass: number | null;
  rows: [string, string][];
  busy: boolean;
  editingGeometry?: boolean;
  onSave: (labelClass: number | null, rows: [string, string][]) => void;
  onCancel: () => void;
  onDelete?: () => void;
  onEditGeometry?: () => void;
}

export function ShapeEditor(props: Props) {
  const [labelClass, setLabelClass] = useState<number | null>(props.labelClass);
  const [rows, setRows] = useState<[string, string][]>(props.rows);
  const objects = props.classes.filter((c) => c.kind === "object");
  return (
    <form
      className="shape-editor"
      aria-label={props.title}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(labelClass, rows);
      }}
    >
      <h3>{props.title}</h3>
      <label>
        Label class
        <select
          value={labelClass ?? ""}
          onChange={(e) => setLabelClass(e.target.value ? Number(e.target.value) : null)}
        >
          <option value="">No class</option>
          {objects.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>Attributes</legend>
        {rows.map(([key, value], i) => (
          <div className="row attribute" key={i}>
            <input
              aria-label={`Attribute ${i + 1} name`}
              placeholder="name"
              value={key}
              onChange={(e) => setRows(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))}
            />
            <input
              aria-label={`Attribute ${i + 1} value`}
              placeholder="value"
              value={value}
              onChange={(e) => setRows(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))}
            />
            <button
              type="button"
              className="secondary"
              aria-label={`Remove attribute ${i + 1}`}
              onClick={() => setRows(rows.filter((_, j) => j !== i))}
            >
              ×
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => setRows([...rows, ["", ""]])}>
          Add attribute
        </button>
      </fieldset>
      <div className="row">
        <button type="submit" disabled={props.busy}>
          Save shape
        </button>
        {props.onEditGeometry && (
          <button type="button" className="secondary" onClick={props.onEditGeometry}>
            {props.editingGeometry ? "Editing geometry… (drag the vertices)" : "Edit geometry"}
          </button>
        )}
        {props.onDelete && (
          <button type="button" className="danger" disabled={props.busy} onClick={props.onDelete}>
            Delete
          </button>
        )}
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
