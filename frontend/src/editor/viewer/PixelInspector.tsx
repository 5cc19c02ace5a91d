// The band vector and lon/lat under the cursor (editor-viewer).
// (Placeholder until its module is built in this session.)
export function PixelInspector() {
  return null;
}
