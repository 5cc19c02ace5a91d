// The annotations drawn over the image on a shared canvas renderer. For speed with
// thousands of shapes, plain polygons and boxes of one class are drawn as ONE canvas path
// (one fill and one stroke per class instead of one per shape), lines likewise; polygons
// with holes, points and the selected shape are layers of their own. Only the classes
// whose shapes changed are rebuilt (by id and version). Clicking picks the smallest shape
// under the cursor (tools/hit.ts). Masks are drawn by the mask layer (mask/).
import L from "leaflet";
import type * as GeoJSON from "geojson";
import { useEffect, useRef } from "react";
import { useMap } from "react-leaflet";
import { geometryToLatLngs, type Grid, toLatLng, toPixel } from "./coords";
import { useEditor } from "./EditorContext";
import { bboxOf, type Box, pick } from "./tools/hit";
import type { Annotation } from "./types";

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
    interactive: false,
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

type Batch = "area" | "line";

/** Shapes per batch: one canvas path per class and CHUNK consecutive ids (a single path of
 * thousands of sub-paths is slower to draw than a few dozen paths). */
const CHUNK = 64;

function batchKey(entry: { labelClass: number; batch: Batch | null; id: number }): string {
  return `${entry.labelClass}:${entry.batch}:${Math.floor(entry.id / CHUNK)}`;
}

interface Entry {
  id: number;
  version: number;
  labelClass: number;
  geometry: GeoJSON.Geometry;
  bbox: Box;
  /** Drawn in its class's batch (with its latlngs), or alone (`own`). */
  batch: Batch | null;
  latlngs: L.LatLng[][] | null;
  own: L.Layer | null;
}

function batchOf(geometry: GeoJSON.Geometry): Batch | null {
  if (geometry.type === "LineString") return "line";
  if (geometry.type === "Polygon") return geometry.coordinates.length === 1 ? "area" : null;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.every((p) => p.length === 1) ? "area" : null;
  return null;
}

/** Outer rings (areas) or the line, as Leaflet latlngs, for a batch. */
function batchLatLngs(geometry: GeoJSON.Geometry, grid: Grid): L.LatLng[][] {
  const shape = geometryToLatLngs(geometry, grid);
  if (geometry.type === "LineString") return [shape as L.LatLng[]];
  if (geometry.type === "Polygon") return [(shape as L.LatLng[][])[0] ?? []];
  return (shape as L.LatLng[][][]).map((part) => part[0] ?? []);
}

export function AnnotationsLayer() {
  const map = useMap();
  const { state, dispatch, data } = useEditor();
  const group = useRef<L.LayerGroup | null>(null);
  const entries = useRef(new Map<number, Entry>());
  const batches = useRef(new Map<string, L.Path>());
  const shown = useRef<{ hidden: number | null; key: string; layer: L.Layer | null }>({
    hidden: null,
    key: "",
    layer: null,
  });
  const renderer = useRef<L.Renderer>(L.canvas({ padding: 0.3, tolerance: 4 }));
  const tool = useRef(state.tool);
  useEffect(() => {
    tool.current = state.tool;
  }, [state.tool]);
  // With the select tool an annotator edits the selected shape: the tool layer draws it.
  const editing = state.tool === "select" && data.can.annotate ? state.selected : null;

  useEffect(() => {
    const layers = L.layerGroup().addTo(map);
    group.current = layers;
    const known = entries.current;
    const batched = batches.current;
    return () => {
      layers.remove();
      known.clear();
      batched.clear();
      shown.current = { hidden: null, key: "", layer: null };
    };
  }, [map]);

  // Click to select: the smallest shape under the cursor; empty image clears the selection.
  useEffect(() => {
    const click = (e: L.LeafletMouseEvent) => {
      if (tool.current !== "select") return;
      const grid = state.grid;
      const tolerance = 5 * 2 ** (grid.maxZoom - map.getZoom());
      const id = pick(entries.current.values(), toPixel(e.latlng, grid), tolerance);
      dispatch({ type: "select", id });
    };
    map.on("click", click);
    return () => {
      map.off("click", click);
    };
  }, [map, dispatch, state.grid]);

  // A selection entirely out of view (picked in the objects list) brings the map to it.
  useEffect(() => {
    const entry = state.selected === null ? undefined : entries.current.get(state.selected);
    if (!entry) return;
    const [x0, y0, x1, y1] = entry.bbox;
    const bounds = L.latLngBounds(toLatLng([x0, y1], state.grid), toLatLng([x1, y0], state.grid));
    // Entirely out of view only: a shape clicked on the map is (at least partly) in view.
    if (map.getBounds().intersects(bounds)) return;
    const size = map.getSize();
    const a = map.latLngToContainerPoint(bounds.getNorthWest());
    const b = map.latLngToContainerPoint(bounds.getSouthEast());
    if (b.x - a.x < size.x * 0.8 && b.y - a.y < size.y * 0.8) map.panTo(bounds.getCenter());
    else map.fitBounds(bounds.pad(0.1), { maxZoom: map.getZoom() });
  }, [map, state.selected, state.grid]);

  useEffect(() => {
    const layers = group.current;
    if (!layers) return;
    const grid = state.grid;
    const colors = new Map(state.classes.map((c) => [c.id, c.color]));
    const colorOf = (id: number) => colors.get(id) ?? "#ff00ff";
    const known = entries.current;
    const dirty = new Set<string>();
    const hidden = state.selected;
    const drop = (entry: Entry) => {
      if (entry.own) layers.removeLayer(entry.own);
      if (entry.batch) dirty.add(batchKey(entry));
    };
    const seen = new Set<number>();
    for (const annotation of state.annotations.values()) {
      if (!annotation.geometry || annotation.kind === "mask") continue;
      seen.add(annotation.id);
      const before = known.get(annotation.id);
      if (before && before.version === annotation.version && before.labelClass === annotation.label_class) continue;
      if (before) drop(before);
      const geometry = annotation.geometry;
      const batch = batchOf(geometry);
      const entry: Entry = {
        id: annotation.id,
        version: annotation.version,
        labelClass: annotation.label_class,
        geometry,
        bbox: bboxOf(geometry),
        batch,
        latlngs: batch ? batchLatLngs(geometry, grid) : null,
        own: null,
      };
      if (!batch) {
        entry.own = shapeLayer(annotation, grid, colorOf(annotation.label_class), false, renderer.current);
        if (entry.own && annotation.id !== hidden) layers.addLayer(entry.own);
      } else {
        dirty.add(batchKey(entry));
      }
      known.set(annotation.id, entry);
    }
    for (const [id, entry] of known) {
      if (!seen.has(id)) {
        drop(entry);
        known.delete(id);
      }
    }
    // The selected shape is left out of its batch and drawn highlighted on its own (or by
    // the tool layer while it is edited); the previously selected one goes back.
    if (hidden !== shown.current.hidden) {
      for (const id of [shown.current.hidden, hidden]) {
        const entry = id === null ? undefined : known.get(id);
        if (!entry) continue;
        if (entry.batch) dirty.add(batchKey(entry));
        else if (entry.own && id === hidden) layers.removeLayer(entry.own);
        else if (entry.own && !layers.hasLayer(entry.own)) layers.addLayer(entry.own);
      }
      shown.current.hidden = hidden;
    }
    const highlightKey = hidden === null ? "" : `${hidden}:${known.get(hidden)?.version}:${editing === hidden}:${state.classes.length}`;
    if (shown.current.key !== highlightKey) {
      if (shown.current.layer) layers.removeLayer(shown.current.layer);
      shown.current.layer = null;
      shown.current.key = highlightKey;
      const annotation = hidden === null ? undefined : state.annotations.get(hidden);
      if (annotation && editing !== hidden) {
        shown.current.layer = shapeLayer(annotation, grid, colorOf(annotation.label_class), true, renderer.current);
        if (shown.current.layer) layers.addLayer(shown.current.layer);
      }
    }
    // Colour changes rebuild everything of that class.
    for (const [key, layer] of batches.current) {
      const classId = Number(key.split(":")[0]);
      if (layer.options.color !== colorOf(classId)) dirty.add(key);
    }
    const members = new Map<string, L.LatLng[][]>();
    if (dirty.size) {
      for (const entry of known.values()) {
        if (!entry.latlngs || entry.id === hidden) continue;
        const key = batchKey(entry);
        if (!dirty.has(key)) continue;
        const rings = members.get(key) ?? [];
        for (const ring of entry.latlngs) rings.push(ring);
        members.set(key, rings);
      }
    }
    for (const key of dirty) {
      const [classPart, kind] = key.split(":");
      const classId = Number(classPart);
      const rings = members.get(key) ?? [];
      const old = batches.current.get(key);
      if (old) layers.removeLayer(old);
      batches.current.delete(key);
      if (rings.length === 0) continue;
      const color = colorOf(classId);
      const style: L.PolylineOptions = {
        renderer: renderer.current,
        color,
        weight: 2,
        fillColor: color,
        fillOpacity: 0.18,
        interactive: false,
        pmIgnore: true,
      };
      // Areas: one polygon per ring in one path; nonzero so that overlapping shapes of a
      // class are all filled (shapes with holes are drawn on their own, even-odd).
      const layer: L.Path =
        kind === "area"
          ? L.polygon(
              rings.map((r) => [r]),
              { ...style, fillRule: "nonzero" },
            )
          : L.polyline(rings, { ...style, fill: false });
      layers.addLayer(layer);
      batches.current.set(key, layer);
    }
  }, [state.annotations, state.classes, state.selected, state.grid, editing]);

  return null;
}
