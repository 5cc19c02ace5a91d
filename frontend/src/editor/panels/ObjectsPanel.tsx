// The image's objects: pick one to select it; delete the selected one.
import { useEditor } from "../EditorContext";

export function ObjectsPanel() {
  const { state, dispatch, remove, data } = useEditor();
  const items = [...state.annotations.values()].sort((a, b) => a.id - b.id);
  const selected = state.selected !== null ? state.annotations.get(state.selected) : undefined;
  return (
    <section aria-labelledby="editor-objects">
      <h2 id="editor-objects">Objects ({items.length})</h2>
      <ul className="object-list">
        {items.map((a) => {
          const cls = state.classes.find((c) => c.id === a.label_class);
          return (
            <li key={a.id}>
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
      {selected && data.can.annotate && (
        <button type="button" className="danger" onClick={() => void remove(selected)}>
          Delete {selected.kind} #{selected.id}
        </button>
      )}
    </section>
  );
}
