// The object classes to draw with (kind `object`), the active one highlighted; a selected
// object's class changes when another class is picked.
import { useEditor } from "../EditorContext";

export function ClassPanel() {
  const { state, dispatch, change } = useEditor();
  const objects = state.classes.filter((c) => c.kind === "object").sort((a, b) => a.order - b.order);
  const selected = state.selected !== null ? state.annotations.get(state.selected) : undefined;
  return (
    <section aria-labelledby="editor-classes">
      <h2 id="editor-classes">Classes</h2>
      {objects.length === 0 && <p className="muted">This event has no object classes yet (Settings).</p>}
      <ul className="class-list">
        {objects.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              aria-pressed={state.activeClass === c.id}
              onClick={() => {
                dispatch({ type: "class", id: c.id });
                if (selected && selected.label_class !== c.id) void change(selected, { label_class: c.id });
              }}
            >
              <span className="swatch" style={{ background: c.color }} aria-hidden />
              {c.name}
              {c.hotkey && <span className="kbd">{c.hotkey}</span>}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
