// Brush size, erase, fill, polygon <-> mask conversion (editor-masks).
// (Placeholder until its module is built in this session.)
export function MaskPanel() {
  return null;
}
