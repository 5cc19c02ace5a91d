// The selected object's attributes (editor-masks).
// (Placeholder until its module is built in this session.)
export function AttributesPanel() {
  return null;
}
