// The annotations drawn over the image: one Leaflet vector layer per annotation on a shared
// canvas renderer (thousands of shapes stay smooth), updated incrementally by id and
// version. Clicking a shape selects it. Masks are drawn by the mask layer (mask/).
import L from "leaflet";
import { useEffect, useRef } from "react";
import { useMap } from "react-leaflet";
import { geometryToLatLngs, type Grid } from "./coords";
import { useEditor } from "./EditorContext";
import type { Annotation } from "./types";

interface Drawn {
  version: number;
  color: string;
  selected: boolean;
  layer: L.Layer;
}

export function shapeLayer(
  annotation: Annotation,
  grid: Grid,
  color: string,
  selected: boolean,
  renderer: L.Renderer,
): L.Layer | null {
  if (!annotation.geometry || annotation.kind === "mask") return null;
  const style: L.PathOptions = {
    renderer,
    color,
    weight: selected ? 3 : 2,
    fillColor: color,
    fillOpacity: selected ? 0.35 : 0.18,
    dashArray: selected ? "6 4" : undefined,
    pmIgnore: true, // Geoman edits only the selected shape's own layer (tools/ToolLayer)
  };
  const shape = geometryToLatLngs(annotation.geometry, grid);
  switch (annotation.geometry.type) {
    case "Point":
      return L.circleMarker(shape as L.LatLng, { ...style, radius: selected ? 7 : 5, fillOpacity: 0.9 });
    case "LineString":
      return L.polyline(shape as L.LatLng[], { ...style, fill: false });
    case "Polygon":
    case "MultiPolygon":
      return L.polygon(shape as L.LatLng[][], style);
    default:
      return null;
  }
}

export function AnnotationsLayer() {
  const map = useMap();
  const { state, dispatch, data } = useEditor();
  const tool = useRef(state.tool);
  useEffect(() => {
    tool.current = state.tool;
  }, [state.tool]);
  // With the select tool an annotator edits the selected shape: the tool layer draws it.
  const editing = state.tool === "select" && data.can.annotate ? state.selected : null;
  const group = useRef<L.LayerGroup | null>(null);
  const drawn = useRef(new Map<number, Drawn>());
  const renderer = useRef<L.Renderer>(L.canvas({ padding: 0.5, tolerance: 4 }));

  useEffect(() => {
    const layers = L.layerGroup().addTo(map);
    group.current = layers;
    const shapes = drawn.current;
    return () => {
      layers.remove();
      shapes.clear();
    };
  }, [map]);

  useEffect(() => {
    const layers = group.current;
    if (!layers) return;
    const seen = new Set<number>();
    for (const annotation of state.annotations.values()) {
      seen.add(annotation.id);
      const color = state.classes.find((c) => c.id === annotation.label_class)?.color ?? "#ff00ff";
      const selected = state.selected === annotation.id;
      const before = drawn.current.get(annotation.id);
      if (editing === annotation.id && annotation.kind !== "mask") {
        if (before) layers.removeLayer(before.layer);
        drawn.current.delete(annotation.id);
        continue;
      }
      if (before && before.version === annotation.version && before.color === color && before.selected === selected) {
        continue;
      }
      if (before) layers.removeLayer(before.layer);
      const layer = shapeLayer(annotation, state.grid, color, selected, renderer.current);
      if (!layer) {
        drawn.current.delete(annotation.id);
        continue;
      }
      layer.on("click", (e: L.LeafletMouseEvent) => {
        if (tool.current !== "select") return;
        L.DomEvent.stopPropagation(e);
        dispatch({ type: "select", id: annotation.id });
      });
      (layer as L.Path).options.className = `annotation annotation-${annotation.id}`;
      layers.addLayer(layer);
      drawn.current.set(annotation.id, { version: annotation.version, color, selected, layer });
    }
    for (const [id, entry] of drawn.current) {
      if (!seen.has(id)) {
        layers.removeLayer(entry.layer);
        drawn.current.delete(id);
      }
    }
  }, [state.annotations, state.classes, state.selected, state.grid, editing, dispatch]);

  return null;
}
