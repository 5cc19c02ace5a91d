// Mask annotations drawn from their RLE, and the brush.
//
// Every mask is decoded once per version into a Uint8Array at image resolution; all of them
// are composed into one canvas (class colours, the selected one stronger) that sits over the
// image bounds as an image overlay, so zooming and panning cost nothing. The brush paints
// into a copy of the target mask (the selected mask, or a new one of the active class), the
// canvas is recomposed at most once a frame, and on mouse-up the result is encoded as RLE
// and saved through the editor's writer (create, change, or remove when erased to nothing).
import L from "leaflet";
import { useEffect, useLayoutEffect, useRef } from "react";
import { useMap } from "react-leaflet";
import { geometryToLatLngs, imageBounds, toPixel } from "../coords";
import { useEditor, type EditorContextValue } from "../EditorContext";
import type { EditorState } from "../store";
import type { Annotation } from "../types";
import { countSet, emptyMask, floodFill, parseColor, rleDecode, rleEncode, stampDisc, stampSegment, type MaskBuffer } from "./raster";
import { getMaskSettings, useMaskSettings } from "./settings";
import "./mask.css";

const PANE = "masks";
/** Sent by the editor when Esc is pressed (editor/hotkeys.ts CANCEL_EVENT); a stroke being
 * painted is dropped and the event marked as handled. */
const CANCEL_EVENT = "editor:cancel";

interface OverlayInternals {
  _url: HTMLCanvasElement;
  _image: HTMLElement;
  _zoomAnimated: boolean;
  options: L.ImageOverlayOptions;
}

/** L.ImageOverlay showing a canvas element instead of an <img> (same positioning/zoom). */
const CanvasOverlay = L.ImageOverlay.extend({
  _initImage(this: OverlayInternals) {
    const canvas = this._url;
    this._image = canvas;
    L.DomUtil.addClass(canvas, "leaflet-image-layer");
    if (this._zoomAnimated) L.DomUtil.addClass(canvas, "leaflet-zoom-animated");
    if (this.options.className) L.DomUtil.addClass(canvas, this.options.className);
  },
}) as unknown as new (
  canvas: HTMLCanvasElement,
  bounds: L.LatLngBounds,
  options?: L.ImageOverlayOptions,
) => L.ImageOverlay;

interface Decoded {
  version: number;
  mask: MaskBuffer;
}

interface Stroke {
  /** The mask being painted: an existing annotation or a new one of `classId`. */
  annotation: Annotation | null;
  classId: number;
  mask: MaskBuffer;
  value: 0 | 1;
  last: [number, number] | null;
  changed: boolean;
  /** Mouse released, save in flight: keep showing the painted buffer until it lands. */
  saving: boolean;
}

export function masksOf(annotations: Map<number, Annotation>): Annotation[] {
  return [...annotations.values()].filter((a) => a.kind === "mask" && a.mask).sort((a, b) => a.id - b.id);
}

/** The other masks, composed once per change of the annotations / classes / selection (and
 * of the decoded set): while a stroke is painted only its own buffer is drawn each frame. */
interface BaseCache {
  key: unknown[];
  data: Uint8ClampedArray;
}

function paint(out: Uint8ClampedArray, mask: MaskBuffer, color: string, alpha: number): void {
  const [r, g, b] = parseColor(color);
  const data = mask.data;
  for (let i = 0; i < data.length; i += 1) {
    if (data[i]) {
      const o = i * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = alpha;
    }
  }
}

/** Compose every mask into the canvas (the stroke's buffer replaces its annotation's and is
 * drawn on top). */
function compose(
  target: HTMLCanvasElement,
  s: EditorState,
  decoded: Map<number, Decoded>,
  generation: number,
  painting: Stroke | null,
  cache: { current: BaseCache | null },
): void {
  const ctx = target.getContext("2d");
  if (!ctx) return;
  const colorOf = (classId: number) => s.classes.find((c) => c.id === classId)?.color ?? "#ff00ff";
  const excluded = painting?.annotation?.id ?? null;
  const key = [s.annotations, s.classes, s.selected, excluded, generation, s.grid.width, s.grid.height];
  const cached = cache.current;
  if (!cached || cached.key.length !== key.length || cached.key.some((k, i) => k !== key[i])) {
    const base = new Uint8ClampedArray(s.grid.width * s.grid.height * 4);
    for (const annotation of masksOf(s.annotations)) {
      if (annotation.id === excluded) continue;
      const entry = decoded.get(annotation.id);
      if (entry) paint(base, entry.mask, colorOf(annotation.label_class), s.selected === annotation.id ? 255 : 170);
    }
    cache.current = { key, data: base };
  }
  const image = ctx.createImageData(s.grid.width, s.grid.height);
  image.data.set((cache.current as BaseCache).data);
  if (painting) paint(image.data, painting.mask, colorOf(painting.classId), 255);
  ctx.putImageData(image, 0, 0);
}

export function MaskLayer() {
  const map = useMap();
  const editor = useEditor();
  const { state } = editor;
  const settings = useMaskSettings();
  const editorRef = useRef<EditorContextValue>(editor);
  useLayoutEffect(() => {
    editorRef.current = editor;
  });
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const overlay = useRef<L.ImageOverlay | null>(null);
  const decoded = useRef(new Map<number, Decoded>());
  const stroke = useRef<Stroke | null>(null);
  const frame = useRef<number | null>(null);
  const generation = useRef(0);
  const base = useRef<BaseCache | null>(null);

  const { width, height } = state.grid;

  const schedule = useRef(() => {
    if (frame.current !== null) return;
    frame.current = window.requestAnimationFrame(() => {
      frame.current = null;
      if (canvas.current) {
        compose(canvas.current, editorRef.current.state, decoded.current, generation.current, stroke.current, base);
      }
    });
  });

  // The canvas overlay in its own pane, under the vector shapes.
  useEffect(() => {
    if (!map.getPane(PANE)) {
      const pane = map.createPane(PANE);
      pane.style.zIndex = "350";
      pane.style.pointerEvents = "none";
    }
    const element = document.createElement("canvas");
    element.width = width;
    element.height = height;
    element.style.imageRendering = "pixelated";
    element.setAttribute("aria-hidden", "true");
    canvas.current = element;
    const bounds = imageBounds({ width, height, maxZoom: editorRef.current.state.grid.maxZoom });
    const layer = new CanvasOverlay(element, bounds, {
      pane: PANE,
      interactive: false,
      className: "mask-overlay",
      opacity: getMaskSettings().opacity,
    }).addTo(map);
    overlay.current = layer;
    base.current = null;
    compose(element, editorRef.current.state, decoded.current, generation.current, stroke.current, base);
    return () => {
      layer.remove();
      overlay.current = null;
      canvas.current = null;
      if (frame.current !== null) window.cancelAnimationFrame(frame.current);
      frame.current = null;
    };
  }, [map, width, height]);

  useEffect(() => {
    overlay.current?.setOpacity(settings.opacity);
  }, [settings.opacity]);

  // Decode new or changed masks, forget removed ones, recompose.
  useEffect(() => {
    const seen = new Set<number>();
    for (const annotation of masksOf(state.annotations)) {
      seen.add(annotation.id);
      const entry = decoded.current.get(annotation.id);
      if (entry && entry.version === annotation.version) continue;
      try {
        decoded.current.set(annotation.id, {
          version: annotation.version,
          mask: rleDecode(annotation.mask as NonNullable<Annotation["mask"]>, width, height),
        });
      } catch (e) {
        editorRef.current.notify(`Mask #${annotation.id} cannot be shown: ${(e as Error).message}`, "error");
      }
    }
    for (const id of [...decoded.current.keys()]) if (!seen.has(id)) decoded.current.delete(id);
    generation.current += 1;
    schedule.current();
  }, [state.annotations, state.classes, state.selected, width, height]);

  // The selected mask's outline (the pixel-edge polygon the server derives from its RLE).
  const selectedMask = state.selected !== null ? state.annotations.get(state.selected) : undefined;
  const outlineOf = selectedMask?.kind === "mask" ? selectedMask : null;
  useEffect(() => {
    if (!outlineOf?.geometry) return;
    const color = editorRef.current.state.classes.find((c) => c.id === outlineOf.label_class)?.color ?? "#ff00ff";
    const shape = geometryToLatLngs(outlineOf.geometry, editorRef.current.state.grid) as L.LatLng[][];
    const outline = L.polygon(shape, {
      color,
      weight: 2,
      dashArray: "6 4",
      fill: false,
      interactive: false,
      className: `mask-outline mask-outline-${outlineOf.id}`,
    }).addTo(map);
    return () => {
      outline.remove();
    };
  }, [map, outlineOf]);

  // The brush, the eraser and the fill.
  const tool = state.tool;
  useEffect(() => {
    if (tool !== "brush" && tool !== "erase") return;
    const value: 0 | 1 = tool === "brush" ? 1 : 0;
    const wasDragging = map.dragging.enabled();
    map.dragging.disable();
    const container = map.getContainer();
    container.classList.add("mask-painting");
    const cursor = L.circle([0, 0], {
      radius: 1,
      interactive: false,
      color: value ? "#ffffff" : "#ffb3b3",
      weight: 1.5,
      dashArray: value ? undefined : "4 3",
      fill: false,
      pane: "markerPane",
    });
    const scale = 2 ** editorRef.current.state.grid.maxZoom;
    const pixelOf = (latlng: L.LatLng): [number, number] => toPixel(latlng, editorRef.current.state.grid);

    const begin = (): Stroke | null => {
      const { state: s, notify } = editorRef.current;
      const selected = s.selected !== null ? s.annotations.get(s.selected) : undefined;
      if (selected?.kind === "mask") {
        const base = decoded.current.get(selected.id)?.mask ?? emptyMask(width, height);
        return {
          annotation: selected,
          classId: selected.label_class,
          mask: { width, height, data: base.data.slice() },
          value,
          last: null,
          changed: false,
          saving: false,
        };
      }
      if (!value) {
        notify("Select a mask to erase from (in the objects list, or click it with the select tool).", "error");
        return null;
      }
      const cls = s.classes.find((c) => c.id === s.activeClass && c.kind === "object");
      if (!cls) {
        notify("Choose an object class to paint a new mask.", "error");
        return null;
      }
      return { annotation: null, classId: cls.id, mask: emptyMask(width, height), value, last: null, changed: false, saving: false };
    };

    const commit = async () => {
      const current = stroke.current;
      if (!current || current.saving) return;
      if (!current.changed) {
        stroke.current = null;
        schedule.current();
        return;
      }
      current.saving = true;
      const { create, change, remove, dispatch } = editorRef.current;
      const empty = countSet(current.mask) === 0;
      try {
        if (current.annotation) {
          if (empty) await remove(current.annotation);
          else await change(current.annotation, { mask: rleEncode(current.mask) });
        } else if (!empty) {
          const saved = await create({ kind: "mask", label_class: current.classId, mask: rleEncode(current.mask) });
          if (saved) dispatch({ type: "select", id: saved.id });
        }
      } finally {
        if (stroke.current === current) stroke.current = null;
        schedule.current();
      }
    };

    const onDown = (e: L.LeafletMouseEvent) => {
      if (e.originalEvent.button !== 0) return;
      if (stroke.current) {
        if (stroke.current.saving) editorRef.current.notify("Saving the previous stroke… paint again in a moment.");
        return;
      }
      const started = begin();
      if (!started) return;
      const [x, y] = pixelOf(e.latlng);
      if (getMaskSettings().fill) {
        const result = floodFill(started.mask, x, y, value);
        if (result.open && value === 1) {
          editorRef.current.notify("That region is not enclosed (it reaches the image edge): nothing filled.", "error");
          return;
        }
        started.changed = result.filled > 0;
        stroke.current = started;
        void commit().then(() => {
          if (result.filled > 0) {
            editorRef.current.notify(`${value ? "Filled" : "Cleared"} ${result.filled.toLocaleString()} pixels.`);
          }
        });
        return;
      }
      started.changed = stampDisc(started.mask, x, y, getMaskSettings().size / 2, value);
      started.last = [x, y];
      stroke.current = started;
      schedule.current();
    };
    const onMove = (e: L.LeafletMouseEvent) => {
      cursor.setLatLng(e.latlng);
      cursor.setRadius(getMaskSettings().size / 2 / scale);
      if (!map.hasLayer(cursor)) cursor.addTo(map);
    };
    /** Paints from the stroke's last point to where the pointer is. */
    const extend = (event: MouseEvent) => {
      const current = stroke.current;
      if (!current || current.saving || !current.last) return;
      const [x, y] = pixelOf(map.mouseEventToLatLng(event));
      const [lx, ly] = current.last;
      if (stampSegment(current.mask, lx, ly, x, y, getMaskSettings().size / 2, current.value)) current.changed = true;
      current.last = [x, y];
      schedule.current();
    };
    // Every pointer position, including the ones the browser coalesced into one event
    // while a frame was busy: otherwise a fast stroke would cut its corners.
    const onPointerMove = (event: PointerEvent) => {
      if (!stroke.current?.last) return;
      const all = typeof event.getCoalescedEvents === "function" ? event.getCoalescedEvents() : [];
      for (const each of all.length ? all : [event]) extend(each);
    };
    const onUp = (event: MouseEvent) => {
      const current = stroke.current;
      if (!current || current.saving) return;
      extend(event); // the release point belongs to the stroke
      void commit();
    };
    const onOut = () => cursor.remove();

    const onCancel = (event: Event) => {
      const current = stroke.current;
      if (!current || current.saving) return;
      event.preventDefault();
      stroke.current = null;
      schedule.current();
      editorRef.current.notify("Stroke cancelled.");
    };

    map.on("mousedown", onDown);
    window.addEventListener(CANCEL_EVENT, onCancel);
    map.on("mousemove", onMove);
    map.on("mouseout", onOut);
    container.addEventListener("pointermove", onPointerMove);
    document.addEventListener("mouseup", onUp);
    return () => {
      map.off("mousedown", onDown);
      window.removeEventListener(CANCEL_EVENT, onCancel);
      map.off("mousemove", onMove);
      map.off("mouseout", onOut);
      container.removeEventListener("pointermove", onPointerMove);
      document.removeEventListener("mouseup", onUp);
      cursor.remove();
      container.classList.remove("mask-painting");
      if (wasDragging) map.dragging.enable();
      if (stroke.current && !stroke.current.saving) void commit();
    };
  }, [tool, map, width, height]);

  // With the select tool, a click on a mask selects it (the topmost one under the pointer).
  useEffect(() => {
    if (tool !== "select") return;
    const onClick = (e: L.LeafletMouseEvent) => {
      const { state: s, dispatch } = editorRef.current;
      const [x, y] = toPixel(e.latlng, s.grid).map(Math.floor) as [number, number];
      if (x < 0 || y < 0 || x >= width || y >= height) return;
      const hit = masksOf(s.annotations)
        .reverse()
        .find((a) => decoded.current.get(a.id)?.mask.data[y * width + x]);
      if (hit) dispatch({ type: "select", id: hit.id });
    };
    map.on("click", onClick);
    return () => {
      map.off("click", onClick);
    };
  }, [tool, map, width, height]);

  return null;
}
