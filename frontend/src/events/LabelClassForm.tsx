// Add a label class or edit one: name, colour, hotkey, order, kind and (for pixel-value
// classes) the numeric value. The API's refusals (a name or hotkey already used) show
// under the form.
import { useState } from "react";
import { api, errorText } from "../lib/api";
import type { LabelClass, LabelClassKind } from "../lib/types";
import { hotkeyProblem } from "./labelClasses";

interface Props {
  eventId: number;
  editing: LabelClass | null;
  nextOrder: number;
  onDone: () => void;
  onCancel: () => void;
}

const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324"];

export function LabelClassForm({ eventId, editing, nextOrder, onDone, onCancel }: Props) {
  const [name, setName] = useState(editing?.name ?? "");
  const [color, setColor] = useState(editing?.color ?? PALETTE[nextOrder % PALETTE.length] ?? "#e6194b");
  const [hotkey, setHotkey] = useState(editing?.hotkey ?? "");
  const [order, setOrder] = useState(String(editing?.order ?? nextOrder));
  const [kind, setKind] = useState<LabelClassKind>(editing?.kind ?? "object");
  const [value, setValue] = useState(editing?.value === null || editing === null ? "" : String(editing.value));
  const [description, setDescription] = useState(editing?.description ?? "");
  const [error, setError] = useState("");

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const problem = hotkeyProblem(hotkey);
    if (problem) {
      setError(`Hotkey: ${problem}`);
      return;
    }
    if (kind === "value" && value.trim() === "") {
      setError("Value: a pixel-value class needs a number.");
      return;
    }
    const body = {
      name,
      color,
      hotkey,
      order: Number(order),
      kind,
      description,
      value: kind === "value" ? Number(value) : null,
    };
    try {
      if (editing) {
        await api(`/label-classes/${editing.id}/`, { method: "PATCH", body });
      } else {
        await api(`/events/${eventId}/label-classes/`, { method: "POST", body });
      }
      setError("");
      onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const title = editing ? `Edit “${editing.name}”` : "Add a label class";
  return (
    <form className="class-form" aria-label={title} onSubmit={(e) => void submit(e)}>
      <h3 className="wide">{title}</h3>
      <label>
        Class name
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </label>
      <label>
        Colour
        <input type="color" value={color} onChange={(e) => setColor(e.target.value)} />
      </label>
      <label>
        Hotkey
        <input value={hotkey} onChange={(e) => setHotkey(e.target.value)} maxLength={2} size={3} />
      </label>
      <label>
        Order
        <input type="number" min={0} step={1} value={order} onChange={(e) => setOrder(e.target.value)} />
      </label>
      <label>
        Kind
        <select aria-label="Kind" value={kind} onChange={(e) => setKind(e.target.value as LabelClassKind)}>
          <option value="object">Object (shapes)</option>
          <option value="tag">Image tag</option>
          <option value="value">Pixel value</option>
        </select>
      </label>
      {kind === "value" && (
        <label>
          Value
          <input type="number" step="any" value={value} onChange={(e) => setValue(e.target.value)} required />
        </label>
      )}
      <label className="wide">
        Class description
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <div className="row wide">
        <button type="submit">{editing ? "Save class" : "Add class"}</button>
        {editing && (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
        {error && (
          <span className="error" role="alert">
            {error}
          </span>
        )}
      </div>
    </form>
  );
}
