// Every shortcut (`?` shows or hides this panel) and the undo depth setting.
import { useState } from "react";
import { useEditor } from "../EditorContext";
import { SHORTCUTS } from "../hotkeys";
import "../tools/tools.css";

export function HelpPanel() {
  const { state, dispatch, historyDepth, setHistoryDepth } = useEditor();
  const classKeys = state.classes.filter((c) => c.kind === "object" && c.hotkey);
  return (
    <section aria-labelledby="editor-help" className="help-panel">
      <h2 id="editor-help">
        <button
          type="button"
          className="help-toggle"
          aria-expanded={state.help}
          aria-controls="editor-help-body"
          onClick={() => dispatch({ type: "help" })}
        >
          Shortcuts and help <span className="kbd">?</span>
        </button>
      </h2>
      {state.help && (
        <div id="editor-help-body">
          <table className="shortcut-table">
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.keys}>
                  <th scope="row">
                    <span className="kbd">{s.keys}</span>
                  </th>
                  <td>{s.what}</td>
                </tr>
              ))}
              {classKeys.map((c) => (
                <tr key={c.id}>
                  <th scope="row">
                    <span className="kbd">{c.hotkey}</span>
                  </th>
                  <td>
                    <span className="swatch" style={{ background: c.color }} aria-hidden /> {c.name}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">
            Every change is saved at once. If someone else saved the same object meanwhile, you are asked whether to
            keep theirs or overwrite it with yours.
          </p>
          <label>
            Undo steps kept{" "}
            <DepthInput value={historyDepth} onChange={setHistoryDepth} />
          </label>
        </div>
      )}
    </section>
  );
}

/** A number field that may be empty while typing; a whole number >= 1 is applied at once. */
function DepthInput({ value, onChange }: { value: number; onChange: (depth: number) => void }) {
  const [text, setText] = useState(String(value));
  return (
    <input
      type="number"
      min={1}
      max={10000}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const depth = Number(e.target.value);
        if (e.target.value !== "" && Number.isInteger(depth) && depth >= 1) onChange(depth);
      }}
      onBlur={() => setText(String(value))}
      style={{ width: 80 }}
    />
  );
}
