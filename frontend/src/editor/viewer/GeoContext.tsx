// For georeferenced images: where the image is on a web map (editor-viewer).
// (Placeholder until its module is built in this session.)
export function GeoContext() {
  return null;
}
