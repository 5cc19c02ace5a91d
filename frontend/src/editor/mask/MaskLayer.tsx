// Mask annotations drawn from their RLE, and the brush (editor-masks).
// (Placeholder until its module is built in this session.)
export function MaskLayer() {
  return null;
}
