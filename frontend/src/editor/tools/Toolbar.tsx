// The tool column. Each tool's drawing lives in its own module under tools/.
import { useEditor } from "../EditorContext";
import type { ToolName } from "../types";

export const TOOLS: { name: ToolName; label: string; short: string; key: string }[] = [
  { name: "select", label: "Select and edit", short: "Sel", key: "v" },
  { name: "bbox", label: "Box", short: "Box", key: "b" },
  { name: "polygon", label: "Polygon", short: "Poly", key: "p" },
  { name: "polyline", label: "Line", short: "Line", key: "l" },
  { name: "point", label: "Point", short: "Pt", key: "o" },
  { name: "brush", label: "Brush mask", short: "Brush", key: "m" },
  { name: "erase", label: "Erase mask", short: "Erase", key: "e" },
];

export function Toolbar() {
  const { state, dispatch, data } = useEditor();
  return (
    <nav className="editor-tools" aria-label="Tools">
      {TOOLS.map((tool) => (
        <button
          key={tool.name}
          type="button"
          title={`${tool.label} (${tool.key.toUpperCase()})`}
          aria-label={tool.label}
          aria-pressed={state.tool === tool.name}
          disabled={tool.name !== "select" && !data.can.annotate}
          onClick={() => dispatch({ type: "tool", tool: tool.name })}
        >
          {tool.short}
        </button>
      ))}
    </nav>
  );
}
