// The image's objects: pick one to select it (the map pans to it when it is out of view);
// delete the selected one; undo and redo. The list is virtualised: images with thousands
// of objects stay quick.
import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef } from "react";
import { useEditor } from "../EditorContext";
import "../tools/tools.css";

const ROW = 26;

export function ObjectsPanel() {
  const { state, dispatch, remove, data, undo, redo } = useEditor();
  const items = useMemo(() => [...state.annotations.values()].sort((a, b) => a.id - b.id), [state.annotations]);
  const selected = state.selected !== null ? state.annotations.get(state.selected) : undefined;
  const scroller = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 10,
  });
  const names = useMemo(() => new Map(state.classes.map((c) => [c.id, c])), [state.classes]);
  return (
    <section aria-labelledby="editor-objects">
      <h2 id="editor-objects">Objects ({items.length})</h2>
      <div ref={scroller} className="object-list" style={{ height: Math.min(220, items.length * ROW + 2) }}>
        <ul style={{ height: virtualizer.getTotalSize(), position: "relative", margin: 0, padding: 0 }}>
          {virtualizer.getVirtualItems().map((row) => {
            const a = items[row.index];
            if (!a) return null;
            const cls = names.get(a.label_class);
            return (
              <li key={a.id} style={{ position: "absolute", top: row.start, left: 0, right: 0, height: ROW }}>
                <button
                  type="button"
                  aria-pressed={state.selected === a.id}
                  onClick={() => dispatch({ type: "select", id: a.id })}
                >
                  <span className="swatch" style={{ background: cls?.color ?? "#999" }} aria-hidden />
                  {cls?.name ?? "?"} · {a.kind} #{a.id}
                </button>
              </li>
            );
          })}
        </ul>
      </div>
      {data.can.annotate && (
        <div className="row objects-actions">
          {selected && (
            <button type="button" className="danger" onClick={() => void remove(selected)}>
              Delete {selected.kind} #{selected.id}
            </button>
          )}
          <button type="button" className="secondary" onClick={() => void undo()} title="Undo (Ctrl+Z)">
            Undo
          </button>
          <button type="button" className="secondary" onClick={() => void redo()} title="Redo (Ctrl+Shift+Z)">
            Redo
          </button>
        </div>
      )}
    </section>
  );
}
