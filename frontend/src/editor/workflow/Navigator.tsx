// Previous / next image through the gallery's filter, skip options (editor-workflow).
// (Placeholder until its module is built in this session.)
export function Navigator() {
  return null;
}
