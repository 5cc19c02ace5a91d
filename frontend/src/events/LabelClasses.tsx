// The event's label classes: list, add, edit, delete (after a confirmation) and reorder
// (up/down rewrite `order`). Managers and owners only; others see the list.
import { useEffect, useState } from "react";
import { api, errorText } from "../lib/api";
import type { LabelClass } from "../lib/types";
import { LabelClassForm } from "./LabelClassForm";
import { moveClass, orderChanges, sortClasses } from "./labelClasses";

const KIND_NAMES: Record<LabelClass["kind"], string> = {
  tag: "Image tag",
  object: "Object (shapes)",
  value: "Pixel value",
};

export function LabelClasses({ eventId, editable }: { eventId: number; editable: boolean }) {
  const [classes, setClasses] = useState<LabelClass[] | null>(null);
  const [editing, setEditing] = useState<LabelClass | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [error, setError] = useState("");

  const [tick, setTick] = useState(0);
  const load = () => setTick((t) => t + 1);
  useEffect(() => {
    api<LabelClass[]>(`/events/${eventId}/label-classes/`)
      .then((list) => setClasses(sortClasses(list)))
      .catch((e: unknown) => setError(errorText(e)));
  }, [eventId, tick]);

  const act = async (request: () => Promise<unknown>) => {
    try {
      await request();
      setError("");
    } catch (e) {
      setError(errorText(e));
    }
    load();
  };
  const move = (id: number, step: -1 | 1) =>
    act(async () => {
      for (const change of orderChanges(moveClass(classes ?? [], id, step))) {
        await api(`/label-classes/${change.id}/`, { method: "PATCH", body: { order: change.order } });
      }
    });
  const remove = (id: number) =>
    act(async () => {
      setConfirming(null);
      if (editing?.id === id) setEditing(null);
      await api(`/label-classes/${id}/`, { method: "DELETE" });
    });

  const list = classes ?? [];
  return (
    <section className="panel" aria-labelledby="classes-heading">
      <h2 id="classes-heading">Label classes</h2>
      {classes === null && !error && <p className="muted">Loading…</p>}
      {classes?.length === 0 && <p className="muted">No label class yet.</p>}
      {list.length > 0 && (
        <table className="classes-table">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Value</th>
              <th scope="col">Hotkey</th>
              <th scope="col">Description</th>
              {editable && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.map((c, index) => (
              <tr key={c.id} data-class={c.name}>
                <td>{c.order}</td>
                <td>
                  <span className="swatch" style={{ background: c.color }} aria-hidden="true" />
                  {c.name} <span className="visually-hidden">colour {c.color}</span>
                </td>
                <td>{KIND_NAMES[c.kind]}</td>
                <td>{c.kind === "value" ? (c.value ?? "—") : ""}</td>
                <td>{c.hotkey && <kbd>{c.hotkey}</kbd>}</td>
                <td className="muted">{c.description}</td>
                {editable && (
                  <td>
                    {confirming === c.id ? (
                      <span className="class-actions" role="group" aria-label={`Confirm deleting ${c.name}`}>
                        Delete {c.name}?
                        <button type="button" className="danger" onClick={() => void remove(c.id)}>
                          Yes, delete
                        </button>
                        <button type="button" className="secondary" onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </span>
                    ) : (
                      <span className="class-actions">
                        <button
                          type="button"
                          className="secondary"
                          aria-label={`Move ${c.name} up`}
                          disabled={index === 0}
                          onClick={() => void move(c.id, -1)}
                        >
                          ↑
                        </button>
                        <button
                          type="button"
                          className="secondary"
                          aria-label={`Move ${c.name} down`}
                          disabled={index === list.length - 1}
                          onClick={() => void move(c.id, 1)}
                        >
                          ↓
                        </button>
                        <button
                          type="button"
                          className="secondary"
                          aria-label={`Edit ${c.name}`}
                          onClick={() => setEditing(c)}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="danger"
                          aria-label={`Delete ${c.name}`}
                          onClick={() => setConfirming(c.id)}
                        >
                          Delete
                        </button>
                      </span>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {editable && (
        <LabelClassForm
          key={editing?.id ?? `new-${list.length}`}
          eventId={eventId}
          editing={editing}
          nextOrder={list.length}
          onDone={() => {
            setEditing(null);
            load();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
    </section>
  );
}
