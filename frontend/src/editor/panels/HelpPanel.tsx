// Hotkeys and tool shortcuts (editor-tools).
// (Placeholder until its module is built in this session.)
export function HelpPanel() {
  return null;
}
