// The drawing interactions of the active tool on the map (editor-tools).
// (Placeholder until its module is built in this session.)
export function ToolLayer() {
  return null;
}
