// The image's classification tags, positive / negative per tag class (editor-masks).
// (Placeholder until its module is built in this session.)
export function TagsPanel() {
  return null;
}
