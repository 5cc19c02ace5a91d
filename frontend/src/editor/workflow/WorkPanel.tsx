// Image lock, labelling time and the image's perceived difficulty (editor-workflow).
// (Placeholder until its module is built in this session.)
export function WorkPanel() {
  return null;
}
