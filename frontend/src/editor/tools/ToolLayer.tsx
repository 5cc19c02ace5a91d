// The drawing interactions of the active tool on the map: box (with an optional fixed
// aspect ratio), polygon (new object, a hole in the selected polygon, or another part of
// it), line, point; the select tool edits the selected shape (Leaflet-Geoman edit mode:
// drag vertices, drag the middle handles to add one, right-click a vertex to delete it,
// drag the shape to move it). Every result goes through the editor's writer.
import L from "leaflet";
import type * as GeoJSON from "geojson";
import { useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { useMap } from "react-leaflet";
import {
  boxGeometry,
  geometryToLatLngs,
  type Grid,
  lineGeometry,
  type Pixel,
  pointGeometry,
  polygonGeometry,
  toLatLng,
  toPixel,
} from "../coords";
import { type EditorContextValue, useEditor } from "../EditorContext";
import { CANCEL_EVENT } from "../hotkeys";
import type { Annotation } from "../types";
import { addHole, addPart, aspectCorner, parseRatio } from "./geometry";
import "./tools.css";

export type PolygonMode = "new" | "hole" | "part";
export const RATIOS = ["free", "1:1", "4:3", "3:4", "16:9"];
const DRAW_COLOR = "#ffd400";

/** The editor's latest context, for map handlers registered once. */
function useLatest(): React.RefObject<EditorContextValue> {
  const editor = useEditor();
  const ref = useRef(editor);
  useEffect(() => {
    ref.current = editor;
  });
  return ref;
}

function activeClassOrWarn(editor: EditorContextValue): number | null {
  const id = editor.state.activeClass;
  if (id === null) editor.notify("Pick a class first (right panel, or its number key).", "error");
  return id;
}

function selectedAnnotation(editor: EditorContextValue): Annotation | undefined {
  const id = editor.state.selected;
  return id === null ? undefined : editor.state.annotations.get(id);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000 + 0;
}

export function ToolLayer() {
  const { state, data } = useEditor();
  const [ratio, setRatio] = useState("free");
  const [polygonMode, setPolygonMode] = useState<PolygonMode>("new");
  const canAnnotate = data.can.annotate;
  const map = useMap();
  useEffect(() => {
    map.pm.setGlobalOptions({ snappable: false });
  }, [map]);
  return (
    <>
      <ToolOptions ratio={ratio} setRatio={setRatio} polygonMode={polygonMode} setPolygonMode={setPolygonMode} />
      {canAnnotate && state.tool === "bbox" && <BoxTool ratio={parseRatio(ratio)} />}
      {canAnnotate && state.tool === "polygon" && <DrawTool shape="Polygon" mode={polygonMode} />}
      {canAnnotate && state.tool === "polyline" && <DrawTool shape="Line" mode="new" />}
      {canAnnotate && state.tool === "point" && <PointTool />}
      {state.tool === "select" && <SelectTool editable={canAnnotate} />}
    </>
  );
}

/** A small bar over the map with the active tool's options. */
function ToolOptions({
  ratio,
  setRatio,
  polygonMode,
  setPolygonMode,
}: {
  ratio: string;
  setRatio: (r: string) => void;
  polygonMode: PolygonMode;
  setPolygonMode: (m: PolygonMode) => void;
}) {
  const map = useMap();
  const { state, dispatch, data } = useEditor();
  const [host] = useState(() => {
    const div = L.DomUtil.create("div", "tool-options");
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    // A button may be gone from the DOM by the time its click reaches the map (React
    // re-renders the bar at once), so Leaflet could not tell it came from here: stop it.
    L.DomEvent.on(div, "click", L.DomEvent.stopPropagation);
    return div;
  });
  useEffect(() => {
    map.getContainer().appendChild(host);
    return () => host.remove();
  }, [map, host]);
  if (!data.can.annotate) return null;
  const selected = state.selected !== null ? state.annotations.get(state.selected) : undefined;
  const polygonSelected = selected?.kind === "polygon";
  const activeClass = state.classes.find((c) => c.id === state.activeClass);
  let body: React.ReactNode = null;
  if (state.tool === "bbox") {
    body = (
      <label>
        Aspect ratio{" "}
        <select aria-label="Box aspect ratio" value={ratio} onChange={(e) => setRatio(e.target.value)}>
          {RATIOS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
    );
  } else if (state.tool === "polygon") {
    body = (
      <span role="radiogroup" aria-label="Polygon mode" className="tool-modes">
        {(
          [
            ["new", "New object"],
            ["hole", "Hole in selected"],
            ["part", "Add part to selected"],
          ] as [PolygonMode, string][]
        ).map(([mode, label]) => (
          <button
            key={mode}
            type="button"
            role="radio"
            aria-checked={polygonMode === mode}
            disabled={mode !== "new" && !polygonSelected}
            onClick={() => setPolygonMode(mode)}
          >
            {label}
          </button>
        ))}
      </span>
    );
  } else if (state.tool === "select" && polygonSelected) {
    body = (
      <span className="tool-modes">
        <button
          type="button"
          onClick={() => {
            setPolygonMode("hole");
            dispatch({ type: "tool", tool: "polygon" });
          }}
        >
          Draw hole
        </button>
        <button
          type="button"
          onClick={() => {
            setPolygonMode("part");
            dispatch({ type: "tool", tool: "polygon" });
          }}
        >
          Add part
        </button>
      </span>
    );
  }
  const drawing = ["bbox", "polygon", "polyline", "point"].includes(state.tool);
  if (!body && !drawing) return null;
  return createPortal(
    <div className="tool-options-bar" role="toolbar" aria-label="Tool options">
      {drawing && (
        <span className="tool-class">
          <span className="swatch" style={{ background: activeClass?.color ?? "#999" }} aria-hidden />
          {activeClass?.name ?? "no class"}
        </span>
      )}
      {body}
    </div>,
    host,
  );
}

function BoxTool({ ratio }: { ratio: number | null }) {
  const map = useMap();
  const latest = useLatest();
  useEffect(() => {
    const grid = latest.current.state.grid;
    map.dragging.disable();
    map.getContainer().classList.add("drawing");
    let start: Pixel | null = null;
    let preview: L.Rectangle | null = null;
    const corners = (latlng: L.LatLng): [Pixel, Pixel] | null => {
      if (!start) return null;
      const b = aspectCorner(start, toPixel(latlng, grid), ratio);
      return [start, [round3(b[0]), round3(b[1])]];
    };
    const clear = () => {
      preview?.remove();
      preview = null;
      start = null;
    };
    const down = (e: L.LeafletMouseEvent) => {
      if (e.originalEvent.button !== 0) return;
      if (activeClassOrWarn(latest.current) === null) return;
      start = toPixel(e.latlng, grid);
      preview = L.rectangle(L.latLngBounds(e.latlng, e.latlng), {
        color: DRAW_COLOR,
        weight: 2,
        dashArray: "5 4",
        fillOpacity: 0.08,
        interactive: false,
        pmIgnore: true,
      }).addTo(map);
    };
    const move = (e: L.LeafletMouseEvent) => {
      const box = corners(e.latlng);
      if (box && preview) preview.setBounds(L.latLngBounds(toLatLng(box[0], grid), toLatLng(box[1], grid)));
    };
    const up = (e: L.LeafletMouseEvent) => {
      const box = corners(e.latlng);
      clear();
      if (!box) return;
      const [a, b] = box;
      const editor = latest.current;
      if (Math.abs(b[0] - a[0]) < 1 || Math.abs(b[1] - a[1]) < 1) {
        editor.notify("Drag to draw a box.");
        return;
      }
      const label = editor.state.activeClass;
      if (label === null) return;
      void editor.create({ kind: "bbox", label_class: label, geometry: boxGeometry(a, b) });
    };
    const cancel = (e: Event) => {
      if (!start) return;
      e.preventDefault();
      clear();
    };
    map.on("mousedown", down);
    map.on("mousemove", move);
    map.on("mouseup", up);
    window.addEventListener(CANCEL_EVENT, cancel);
    return () => {
      clear();
      map.off("mousedown", down);
      map.off("mousemove", move);
      map.off("mouseup", up);
      window.removeEventListener(CANCEL_EVENT, cancel);
      map.dragging.enable();
      map.getContainer().classList.remove("drawing");
    };
  }, [map, ratio, latest]);
  return null;
}

function ringOf(latlngs: L.LatLng[], grid: Grid): GeoJSON.Position[] {
  return latlngs.map((p) => toPixel(p, grid));
}

/** Polygon and line drawing with Leaflet-Geoman (click vertices; close on the first vertex,
 * finish a line on its last vertex; Esc cancels). */
function DrawTool({ shape, mode }: { shape: "Polygon" | "Line"; mode: PolygonMode }) {
  const map = useMap();
  const latest = useLatest();
  useEffect(() => {
    const grid = latest.current.state.grid;
    const options: L.PM.DrawModeOptions = {
      snappable: false,
      continueDrawing: true,
      allowSelfIntersection: false,
      finishOnEnter: true,
      templineStyle: { color: DRAW_COLOR },
      hintlineStyle: { color: DRAW_COLOR, dashArray: "5 5" },
      pathOptions: { color: DRAW_COLOR, pmIgnore: true } as L.PathOptions,
    } as L.PM.DrawModeOptions;
    map.pm.enableDraw(shape, options);
    map.getContainer().classList.add("drawing");
    const onCreate = (e: { layer: L.Layer }) => {
      const layer = e.layer as L.Polyline;
      const latlngs = layer.getLatLngs() as L.LatLng[] | L.LatLng[][];
      layer.remove();
      const editor = latest.current;
      const label = activeClassOrWarn(editor);
      if (label === null) return;
      if (shape === "Line") {
        void editor.create({ kind: "polyline", label_class: label, geometry: lineGeometry(latlngs as L.LatLng[], grid) });
        return;
      }
      const ring = (Array.isArray(latlngs[0]) ? latlngs[0] : latlngs) as L.LatLng[];
      if (mode === "new") {
        void editor.create({ kind: "polygon", label_class: label, geometry: polygonGeometry(ring, grid) });
        return;
      }
      const target = selectedAnnotation(editor);
      const geometry = target?.geometry;
      if (!target || target.kind !== "polygon" || !geometry || (geometry.type !== "Polygon" && geometry.type !== "MultiPolygon")) {
        editor.notify("Select a polygon first (V, then click it).", "error");
        return;
      }
      const pixels = ringOf(ring, grid);
      void editor.change(target, { geometry: mode === "hole" ? addHole(geometry, pixels) : addPart(geometry, pixels) });
    };
    const drawer = () =>
      (map.pm.Draw as unknown as Record<string, { _layer?: L.Polyline } | undefined>)[shape]?._layer;
    const cancel = (e: Event) => {
      const drawing = drawer();
      if (!drawing || drawing.getLatLngs().length === 0) return;
      e.preventDefault();
      map.pm.disableDraw();
      map.pm.enableDraw(shape, options);
    };
    map.on("pm:create", onCreate);
    window.addEventListener(CANCEL_EVENT, cancel);
    return () => {
      map.off("pm:create", onCreate);
      window.removeEventListener(CANCEL_EVENT, cancel);
      map.pm.disableDraw();
      map.getContainer().classList.remove("drawing");
    };
  }, [map, shape, mode, latest]);
  return null;
}

function PointTool() {
  const map = useMap();
  const latest = useLatest();
  useEffect(() => {
    const grid = latest.current.state.grid;
    map.getContainer().classList.add("drawing");
    const click = (e: L.LeafletMouseEvent) => {
      const editor = latest.current;
      const label = activeClassOrWarn(editor);
      if (label === null) return;
      void editor.create({ kind: "point", label_class: label, geometry: pointGeometry(e.latlng, grid) });
    };
    map.on("click", click);
    return () => {
      map.off("click", click);
      map.getContainer().classList.remove("drawing");
    };
  }, [map, latest]);
  return null;
}

/** The selected shape as a Leaflet layer that Geoman can edit. */
function editableLayer(annotation: Annotation, grid: Grid, color: string, renderer: L.Renderer): L.Layer | null {
  const geometry = annotation.geometry;
  if (!geometry || annotation.kind === "mask") return null;
  const style: L.PathOptions = { renderer, color, weight: 3, fillColor: color, fillOpacity: 0.3 };
  const shape = geometryToLatLngs(geometry, grid);
  if (geometry.type === "Point") {
    return L.marker(shape as L.LatLng, {
      draggable: true,
      icon: L.divIcon({ className: "point-handle", iconSize: [14, 14] }),
      keyboard: false,
      pmIgnore: true,
    });
  }
  if (annotation.kind === "bbox" && geometry.type === "Polygon") {
    return L.rectangle(L.latLngBounds((shape as L.LatLng[][])[0] ?? []), style);
  }
  if (geometry.type === "LineString") return L.polyline(shape as L.LatLng[], { ...style, fill: false });
  return L.polygon(shape as L.LatLng[][], style);
}

function geometryOf(layer: L.Layer, annotation: Annotation, grid: Grid): GeoJSON.Geometry | null {
  if (layer instanceof L.Marker) return pointGeometry(layer.getLatLng(), grid);
  if (layer instanceof L.Rectangle) {
    const bounds = layer.getBounds();
    return boxGeometry(toPixel(bounds.getNorthWest(), grid), toPixel(bounds.getSouthEast(), grid));
  }
  if (layer instanceof L.Polygon) return polygonGeometry(layer.getLatLngs() as L.LatLng[][], grid);
  if (layer instanceof L.Polyline) return lineGeometry(layer.getLatLngs() as L.LatLng[], grid);
  void annotation;
  return null;
}

/** Select tool: the selected shape is editable (picking by click is AnnotationsLayer's). */
function SelectTool({ editable }: { editable: boolean }) {
  const map = useMap();
  const latest = useLatest();
  const { state } = useEditor();
  const selected = state.selected !== null ? state.annotations.get(state.selected) : undefined;
  const color = state.classes.find((c) => c.id === selected?.label_class)?.color ?? "#ff00ff";
  const renderer = useRef<L.Renderer>(L.svg({ padding: 0.5 }));

  useEffect(() => {
    if (!selected || !editable) return;
    const grid = latest.current.state.grid;
    const layer = editableLayer(selected, grid, color, renderer.current);
    if (!layer) return;
    layer.addTo(map);
    layer.on("click", (e: L.LeafletMouseEvent) => L.DomEvent.stopPropagation(e));
    const save = async (): Promise<boolean> => {
      const geometry = geometryOf(layer, selected, grid);
      if (!geometry || JSON.stringify(geometry) === JSON.stringify(selected.geometry)) return true;
      return (await latest.current.change(selected, { geometry })) !== null;
    };
    if (layer instanceof L.Marker) {
      layer.on("dragend", () => void save());
      return () => {
        layer.off();
        layer.remove();
      };
    }
    const path = layer as L.Polyline;
    const editOptions: L.PM.EditModeOptions = {
      snappable: false,
      allowSelfIntersection: false,
      removeVertexOn: "contextmenu",
    } as L.PM.EditModeOptions;
    path.pm.enable(editOptions);
    path.on("pm:edit", () => void save());
    // Moving the whole shape: drag it (Geoman's free edit mode has vertices only).
    let from: L.LatLng | null = null;
    let original: unknown = null;
    let moved = false;
    const shifted = (value: unknown, dlat: number, dlng: number): unknown =>
      Array.isArray(value)
        ? value.map((v) => shifted(v, dlat, dlng))
        : L.latLng((value as L.LatLng).lat + dlat, (value as L.LatLng).lng + dlng);
    const over = () => {
      if (!from) map.dragging.disable();
    };
    const out = () => {
      if (!from) map.dragging.enable();
    };
    const move = (e: L.LeafletMouseEvent) => {
      if (!from) return;
      if (!moved) {
        if (map.latLngToContainerPoint(from).distanceTo(e.containerPoint) < 3) return;
        moved = true;
        path.pm.disable();
      }
      path.setLatLngs(shifted(original, e.latlng.lat - from.lat, e.latlng.lng - from.lng) as L.LatLng[]);
    };
    const up = () => {
      map.off("mousemove", move);
      map.off("mouseup", up);
      from = null;
      map.dragging.enable();
      if (!moved) return;
      void save().then((ok) => {
        if (ok || !path.getElement()) return;
        path.setLatLngs(original as L.LatLng[]);
        path.pm.enable(editOptions);
      });
    };
    const down = (e: L.LeafletMouseEvent) => {
      if (e.originalEvent.button !== 0) return;
      from = e.latlng;
      original = path.getLatLngs();
      moved = false;
      map.on("mousemove", move);
      map.on("mouseup", up);
    };
    path.on("mouseover", over);
    path.on("mouseout", out);
    path.on("mousedown", down);
    return () => {
      map.off("mousemove", move);
      map.off("mouseup", up);
      map.dragging.enable();
      path.pm?.disable();
      path.off();
      path.remove();
    };
    // Re-created when the selection, its version or its colour changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [map, selected?.id, selected?.version, color, editable, latest]);
  return null;
}
