// How the image is shown: band preset (server-side), contrast and invert (browser-side).
import { useEditor } from "../EditorContext";

const PRESETS: [string, string][] = [
  ["", "Default (first three bands)"],
  ["truecolor", "True colour"],
  ["falsecolor", "False colour (NIR)"],
  ["swir", "SWIR"],
  ["snow", "Snow"],
];

export function DisplayPanel() {
  const { state, dispatch } = useEditor();
  const { display } = state;
  return (
    <section aria-labelledby="editor-display">
      <h2 id="editor-display">Display</h2>
      <label>
        Bands
        <select
          value={display.preset}
          onChange={(e) => dispatch({ type: "display", display: { mode: "preset", preset: e.target.value } })}
        >
          {PRESETS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}
