// /events/<id>/: the event's map. Basemap and area of interest, GIBS layers by date, image
// footprints coloured by label state with COG overlays (band preset and stretch), a box to
// extract imagery from GIBS or Sentinel Hub, and the event's map shapes (draw, label, edit,
// import and export GeoJSON).
import type * as GeoJSON from "geojson";
import L from "leaflet";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { GeoJSON as GeoJSONLayer, Popup, TileLayer, useMap } from "react-leaflet";
import { api, errorText } from "../lib/api";
import { mountPage, type PageData } from "../lib/page";
import type { EventData, ImageData, LabelClass } from "../lib/types";
import { BaseMap } from "../map/BaseMap";
import {
  loadClasses,
  loadEvent,
  loadImages,
  loadLabelledIds,
  loadShapes,
  searchGibsLayers,
  type GibsLayer,
  type ShapeCollection,
  type ShapeFeature,
} from "../eventmap/data";
import { ExtractionDialog } from "../eventmap/ExtractionDialog";
import {
  DEFAULT_STRETCH,
  PRESETS,
  STATE_COLORS,
  STATE_NAMES,
  attributeRows,
  bboxOf,
  drawHint,
  exportFileName,
  featuresToImport,
  geometryBounds,
  gibsXyzTemplate,
  labelState,
  propertiesOf,
  tileUrl,
  unionBounds,
  type Bbox,
  type DrawKind,
  type LabelState,
  type Stretch,
} from "../eventmap/helpers";
import { ShapeEditor } from "../eventmap/ShapeEditor";
import "../eventmap/eventmap.css";

type DrawPurpose = "extract" | "shape";

interface TestHooks {
  map: L.Map | null;
  /** The first view is set (fitted to the area of interest or the images, or left). */
  ready: boolean;
  footprints: Map<number, L.GeoJSON>;
  shapes: Map<number, L.GeoJSON>;
  footprintBounds: (id: number) => [[number, number], [number, number]] | null;
}

declare global {
  interface Window {
    __eventMap?: TestHooks;
  }
}

function hooks(): TestHooks {
  if (!window.__eventMap) {
    const footprints = new Map<number, L.GeoJSON>();
    window.__eventMap = {
      map: null,
      ready: false,
      footprints,
      shapes: new Map(),
      footprintBounds: (id) => {
        const layer = footprints.get(id);
        if (!layer) return null;
        const b = layer.getBounds();
        return [
          [b.getSouth(), b.getWest()],
          [b.getNorth(), b.getEast()],
        ];
      },
    };
  }
  return window.__eventMap;
}

/** Inside the map: keeps the map for the page, fits the view once, reports drawn layers. */
function MapBridge({
  fit,
  onMap,
  onCreate,
}: {
  /** Where to look first; null: nothing to fit; undefined: still loading. */
  fit: [[number, number], [number, number]] | null | undefined;
  onMap: (map: L.Map) => void;
  onCreate: (layer: L.Layer, shape: string) => void;
}) {
  const map = useMap();
  const fitted = useRef(false);
  const create = useRef(onCreate);
  useEffect(() => {
    create.current = onCreate;
  });
  useEffect(() => {
    onMap(map);
    hooks().map = map;
    const handler = (e: { layer: L.Layer; shape: string }) => create.current(e.layer, e.shape);
    map.on("pm:create", handler as unknown as L.LeafletEventHandlerFn);
    return () => {
      map.off("pm:create", handler as unknown as L.LeafletEventHandlerFn);
    };
  }, [map, onMap]);
  useEffect(() => {
    if (fit !== undefined && !fitted.current) {
      fitted.current = true;
      if (fit) map.fitBounds(fit, { padding: [20, 20], maxZoom: 12, animate: false });
      hooks().ready = true;
    }
  }, [fit, map]);
  return null;
}

function when(value: string | null): string {
  return value ? value.slice(0, 10) : "no date";
}

interface FootprintProps {
  image: ImageData;
  eventId: number;
  overlaid: boolean;
  state: LabelState;
}

function Footprint({ image, eventId, overlaid, state }: FootprintProps) {
  const ref = useCallback(
    (layer: L.GeoJSON | null) => {
      if (layer) hooks().footprints.set(image.id, layer);
      else hooks().footprints.delete(image.id);
    },
    [image.id],
  );
  if (!image.footprint) return null;
  return (
    <GeoJSONLayer
      ref={ref}
      data={image.footprint}
      style={{
        color: STATE_COLORS[state],
        weight: 2,
        fillOpacity: overlaid ? 0 : 0.08,
        className: `footprint footprint-${image.id}`,
      }}
    >
      <Popup>
        <strong>{image.name}</strong>
        <br />
        {when(image.acquired_at)} · {image.source}
        <br />
        {STATE_NAMES[state]}
        <br />
        <a href={`/events/${eventId}/gallery/?image=${image.id}`}>Open in the gallery</a>
      </Popup>
    </GeoJSONLayer>
  );
}

interface TileJson {
  bounds: [number, number, number, number];
  minzoom: number;
  maxzoom: number;
}

/** An image's COG tiles over the map, only where and at the zooms the image has tiles
 * (its TileJSON), so no tile is asked for outside it. */
function Overlay({ image, stretch }: { image: ImageData; stretch: Stretch }) {
  const [info, setInfo] = useState<TileJson | null>(null);
  useEffect(() => {
    if (!image.tilejson) return;
    const controller = new AbortController();
    fetch(image.tilejson, { credentials: "same-origin", signal: controller.signal })
      .then((r) => (r.ok ? (r.json() as Promise<TileJson>) : null))
      .then(setInfo, () => undefined);
    return () => controller.abort();
  }, [image.tilejson]);
  if (!info || !image.tiles) return null;
  const url = tileUrl(image.tiles, stretch);
  const [west, south, east, north] = info.bounds;
  return (
    <TileLayer
      key={url}
      url={url}
      zIndex={5}
      bounds={[
        [south, west],
        [north, east],
      ]}
      minNativeZoom={info.minzoom}
      maxNativeZoom={info.maxzoom}
    />
  );
}

function pointToLayer(_feature: GeoJSON.Feature, latlng: L.LatLng): L.Layer {
  return L.circleMarker(latlng, { radius: 7 });
}

export function EventMapPage({ data }: { data: PageData }) {
  const eventId = data.event?.id ?? 0;
  const [event, setEvent] = useState<EventData | null>(null);
  const [images, setImages] = useState<ImageData[] | null>(null);
  const [labelled, setLabelled] = useState<Set<number>>(new Set());
  const [classes, setClasses] = useState<LabelClass[]>([]);
  const [shapes, setShapes] = useState<ShapeCollection>({ type: "FeatureCollection", features: [] });
  const [shapesLoaded, setShapesLoaded] = useState(false);
  const [shapeEpoch, setShapeEpoch] = useState(0); // redraws shapes after a cancelled edit
  const [error, setError] = useState("");
  const [map, setMap] = useState<L.Map | null>(null);
  const purpose = useRef<DrawPurpose>("shape");
  const [drawing, setDrawing] = useState("");
  // GIBS display layer
  const [gibsSearch, setGibsSearch] = useState("");
  const [gibsLayers, setGibsLayers] = useState<GibsLayer[]>([]);
  const [gibsId, setGibsId] = useState("");
  const [gibsDate, setGibsDate] = useState("");
  const [gibsError, setGibsError] = useState("");
  // overlays: image id -> stretch
  const [overlays, setOverlays] = useState<Record<number, Stretch>>({});
  // extraction
  const [extractBox, setExtractBox] = useState<Bbox | null>(null);
  // shapes
  const [draft, setDraft] = useState<GeoJSON.Geometry | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [editingGeometry, setEditingGeometry] = useState(false);
  const [shapeBusy, setShapeBusy] = useState(false);
  const [shapeMessage, setShapeMessage] = useState("");
  const [shapeError, setShapeError] = useState("");
  const shapeLayers = useRef(new Map<number, L.GeoJSON>());

  const reloadImages = useCallback(async () => {
    try {
      const [all, ids] = await Promise.all([loadImages(eventId), loadLabelledIds(eventId)]);
      setImages(all);
      setLabelled(ids);
    } catch (e) {
      setError(errorText(e));
    }
  }, [eventId]);
  const reloadShapes = useCallback(async () => {
    try {
      setShapes(await loadShapes(eventId));
    } catch (e) {
      setShapeError(errorText(e));
    }
  }, [eventId]);

  useEffect(() => {
    loadEvent(eventId).then(setEvent, (e: unknown) => setError(errorText(e)));
    loadClasses(eventId).then(setClasses, (e: unknown) => setError(errorText(e)));
    Promise.all([loadImages(eventId), loadLabelledIds(eventId)]).then(
      ([all, ids]) => {
        setImages(all);
        setLabelled(ids);
      },
      (e: unknown) => setError(errorText(e)),
    );
    loadShapes(eventId)
      .then(setShapes, (e: unknown) => setShapeError(errorText(e)))
      .finally(() => setShapesLoaded(true));
  }, [eventId]);

  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      searchGibsLayers(gibsSearch, controller.signal).then(
        (found) => {
          setGibsLayers(found);
          setGibsError("");
        },
        (e: unknown) => {
          if (!controller.signal.aborted) setGibsError(errorText(e));
        },
      );
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [gibsSearch]);

  const fit = useMemo(() => {
    if (!event || images === null || !shapesLoaded) return undefined;
    const aoi = geometryBounds(event.area_of_interest);
    return (
      aoi ??
      unionBounds([
        ...images.map((i) => geometryBounds(i.footprint)),
        ...shapes.features.map((f) => geometryBounds(f.geometry)),
      ])
    );
  }, [event, images, shapes, shapesLoaded]);

  const gibsLayer = gibsLayers.find((l) => l.identifier === gibsId) ?? null;
  const gibsXyz = gibsLayer
    ? gibsXyzTemplate(
        gibsLayer.tile_url_template,
        gibsLayer.tile_matrix_sets,
        gibsDate || gibsLayer.time?.default || "",
      )
    : null;

  function startDraw(kind: DrawKind, why: DrawPurpose) {
    if (!map) return;
    purpose.current = why;
    setDrawing(drawHint(kind, why === "extract"));
    map.pm.enableDraw(kind, { snappable: false });
  }

  const onCreate = useCallback((layer: L.Layer, _shape: string) => {
    const map = hooks().map;
    setDrawing("");
    map?.pm.disableDraw();
    if (purpose.current === "extract" && layer instanceof L.Rectangle) {
      const b = layer.getBounds();
      setExtractBox(
        bboxOf({ west: b.getWest(), south: b.getSouth(), east: b.getEast(), north: b.getNorth() }),
      );
    } else {
      const geojson = (layer as L.Polygon).toGeoJSON() as GeoJSON.Feature;
      setSelected(null);
      setDraft(geojson.geometry);
    }
    map?.removeLayer(layer);
  }, []);

  const selectedShape = shapes.features.find((f) => f.id === selected) ?? null;

  function stopGeometryEdit() {
    const group = selected === null ? undefined : shapeLayers.current.get(selected);
    group?.eachLayer((l) => (l as L.Polygon).pm?.disable());
    setEditingGeometry(false);
  }

  async function saveShape(labelClass: number | null, rows: [string, string][]) {
    setShapeBusy(true);
    setShapeError("");
    try {
      const properties = propertiesOf(rows, labelClass);
      if (draft) {
        await api(`/events/${eventId}/map-shapes/`, {
          method: "POST",
          body: { type: "Feature", geometry: draft, properties },
        });
        setDraft(null);
        setShapeMessage("Shape saved.");
      } else if (selectedShape) {
        const body: Record<string, unknown> = { type: "Feature", properties };
        if (editingGeometry) {
          const group = shapeLayers.current.get(selectedShape.id);
          const layer = group?.getLayers()[0] as L.Polygon | undefined;
          if (layer) body.geometry = (layer.toGeoJSON() as GeoJSON.Feature).geometry;
          stopGeometryEdit();
        }
        await api(`/map-shapes/${selectedShape.id}/`, { method: "PATCH", body });
        setSelected(null);
        setShapeMessage("Shape updated.");
      }
      await reloadShapes();
    } catch (e) {
      setShapeError(errorText(e));
    } finally {
      setShapeBusy(false);
    }
  }

  async function deleteShape(id: number) {
    setShapeBusy(true);
    setShapeError("");
    try {
      await api(`/map-shapes/${id}/`, { method: "DELETE" });
      setSelected(null);
      setEditingGeometry(false);
      setShapeMessage("Shape deleted.");
      await reloadShapes();
    } catch (e) {
      setShapeError(errorText(e));
    } finally {
      setShapeBusy(false);
    }
  }

  async function exportShapes() {
    setShapeError("");
    try {
      const collection = await loadShapes(eventId);
      const blob = new Blob([JSON.stringify(collection, null, 2)], { type: "application/geo+json" });
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = exportFileName(data.event?.name ?? "event");
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      setShapeError(errorText(e));
    }
  }

  async function importShapes(file: File) {
    setShapeBusy(true);
    setShapeError("");
    setShapeMessage("");
    try {
      const collection = featuresToImport(await file.text());
      const created = await api<ShapeCollection>(`/events/${eventId}/map-shapes/`, {
        method: "POST",
        body: collection,
      });
      setShapeMessage(`Imported ${created.features.length} shapes from ${file.name}.`);
      await reloadShapes();
    } catch (e) {
      setShapeError(`${file.name}: ${errorText(e)}`);
    } finally {
      setShapeBusy(false);
    }
  }

  const counts: Record<LabelState, number> = { untagged: 0, annotated: 0, positive: 0, negative: 0 };
  for (const image of images ?? []) counts[labelState(image, labelled.has(image.id))]++;
  const classColor = (id: unknown) => classes.find((c) => c.id === id)?.color || "#0b61a4";

  return (
    <div className="eventmap">
      <div className="eventmap-map">
        <BaseMap data={data} className="map eventmap-leaflet" label="Event map">
          <MapBridge fit={fit} onMap={setMap} onCreate={onCreate} />
          {gibsXyz && (
            <TileLayer
              key={gibsXyz.url}
              url={gibsXyz.url}
              maxNativeZoom={gibsXyz.maxNativeZoom}
              opacity={0.9}
              attribution="NASA GIBS"
            />
          )}
          {(images ?? [])
            .filter((image) => overlays[image.id] && image.tiles)
            .map((image) => (
              <Overlay key={image.id} image={image} stretch={overlays[image.id] ?? DEFAULT_STRETCH} />
            ))}
          {event?.area_of_interest && (
            <GeoJSONLayer
              key={`aoi-${event.updated_at}`}
              data={event.area_of_interest}
              style={{ color: "#f5a524", weight: 3, dashArray: "8 6", fill: false }}
              interactive={false}
            />
          )}
          {(images ?? []).map((image) => (
            <Footprint
              key={`${image.id}-${labelState(image, labelled.has(image.id))}-${image.id in overlays}`}
              image={image}
              state={labelState(image, labelled.has(image.id))}
              eventId={eventId}
              overlaid={image.id in overlays}
            />
          ))}
          {shapes.features.map((feature) => (
            <GeoJSONLayer
              key={`${feature.id}-${String(feature.properties.updated_at)}-${shapeEpoch}`}
              ref={(layer: L.GeoJSON | null) => {
                if (layer) {
                  shapeLayers.current.set(feature.id, layer);
                  hooks().shapes.set(feature.id, layer);
                } else {
                  shapeLayers.current.delete(feature.id);
                  hooks().shapes.delete(feature.id);
                }
              }}
              data={feature}
              pointToLayer={pointToLayer}
              style={{
                color: classColor(feature.properties.label_class),
                weight: feature.id === selected ? 4 : 2,
                fillOpacity: 0.2,
              }}
              eventHandlers={{
                click: () => {
                  if (!data.can.annotate) return;
                  setDraft(null);
                  setEditingGeometry(false);
                  setSelected(feature.id);
                },
              }}
            />
          ))}
        </BaseMap>
        {drawing && (
          <p className="draw-hint" role="status">
            {drawing}{" "}
            <button
              type="button"
              className="secondary"
              onClick={() => {
                map?.pm.disableDraw();
                setDrawing("");
              }}
            >
              Stop drawing
            </button>
          </p>
        )}
      </div>
      <aside className="eventmap-side" aria-label="Map controls">
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <section className="panel" aria-labelledby="footprints-title">
          <h2 id="footprints-title">Images</h2>
          <ul className="legend" aria-label="Footprint colours">
            {(Object.keys(STATE_COLORS) as LabelState[]).map((state) => (
              <li key={state}>
                <span className="swatch" style={{ borderColor: STATE_COLORS[state] }} aria-hidden="true" />
                {STATE_NAMES[state]} ({counts[state]})
              </li>
            ))}
            <li>
              <span className="swatch aoi" aria-hidden="true" />
              Area of interest
            </li>
          </ul>
          {images === null && <p className="muted">Loading images…</p>}
          {images !== null && images.length === 0 && (
            <p className="muted">No image yet: upload some or draw a box to extract imagery.</p>
          )}
          <ul className="image-list">
            {(images ?? []).map((image) => {
              const stretch = overlays[image.id];
              return (
                <li key={image.id} data-image-id={image.id}>
                  <div className="row">
                    <label className="inline grow">
                      <input
                        type="checkbox"
                        aria-label={`Show ${image.name} on the map`}
                        disabled={!image.tiles}
                        checked={Boolean(stretch)}
                        onChange={(e) => {
                          const next = Object.fromEntries(
                            Object.entries(overlays).filter(([id]) => Number(id) !== image.id),
                          ) as Record<number, Stretch>;
                          if (e.target.checked) next[image.id] = DEFAULT_STRETCH;
                          setOverlays(next);
                        }}
                      />
                      <span
                        className="dot"
                        style={{ background: STATE_COLORS[labelState(image, labelled.has(image.id))] }}
                        aria-hidden="true"
                      />
                      <span>
                        {image.name} <span className="muted">{when(image.acquired_at)}</span>
                      </span>
                    </label>
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={`Zoom to ${image.name}`}
                      disabled={!image.footprint}
                      onClick={() => {
                        const b = geometryBounds(image.footprint);
                        if (b) map?.fitBounds(b, { padding: [20, 20] });
                      }}
                    >
                      Zoom
                    </button>
                  </div>
                  {stretch && (
                    <div className="row stretch">
                      <label>
                        Bands
                        <select
                          value={stretch.preset}
                          onChange={(e) => setOverlays({ ...overlays, [image.id]: { ...stretch, preset: e.target.value } })}
                        >
                          {PRESETS.map((p) => (
                            <option key={p.value} value={p.value}>
                              {p.label}
                            </option>
                          ))}
                        </select>
                      </label>
                      <label>
                        Min
                        <input
                          type="number"
                          step="any"
                          value={stretch.min}
                          onChange={(e) => setOverlays({ ...overlays, [image.id]: { ...stretch, min: e.target.value } })}
                        />
                      </label>
                      <label>
                        Max
                        <input
                          type="number"
                          step="any"
                          value={stretch.max}
                          onChange={(e) => setOverlays({ ...overlays, [image.id]: { ...stretch, max: e.target.value } })}
                        />
                      </label>
                      <label>
                        Gamma
                        <input
                          type="number"
                          step="0.1"
                          min="0.1"
                          value={stretch.gamma}
                          onChange={(e) => setOverlays({ ...overlays, [image.id]: { ...stretch, gamma: e.target.value } })}
                        />
                      </label>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
        {data.can.annotate && (
          <section className="panel" aria-labelledby="shapes-title">
            <h2 id="shapes-title">Map shapes</h2>
            <div className="row" role="group" aria-label="Draw a shape">
              <button type="button" className="secondary" onClick={() => startDraw("Polygon", "shape")}>
                Polygon
              </button>
              <button type="button" className="secondary" onClick={() => startDraw("Rectangle", "shape")}>
                Box
              </button>
              <button type="button" className="secondary" onClick={() => startDraw("Line", "shape")}>
                Line
              </button>
              <button type="button" className="secondary" onClick={() => startDraw("CircleMarker", "shape")}>
                Point
              </button>
            </div>
            {draft && (
              <ShapeEditor
                key="draft"
                title={`New ${draft.type.toLowerCase()}`}
                classes={classes}
                labelClass={null}
                rows={[]}
                busy={shapeBusy}
                onSave={(c, r) => void saveShape(c, r)}
                onCancel={() => setDraft(null)}
              />
            )}
            {selectedShape && (
              <ShapeEditor
                key={`shape-${selectedShape.id}`}
                title={`Shape #${selectedShape.id}`}
                classes={classes}
                labelClass={(selectedShape.properties.label_class as number | null) ?? null}
                rows={attributeRows(selectedShape.properties)}
                busy={shapeBusy}
                editingGeometry={editingGeometry}
                onSave={(c, r) => void saveShape(c, r)}
                onCancel={() => {
                  stopGeometryEdit();
                  setSelected(null);
                  setShapeEpoch((n) => n + 1);
                }}
                onDelete={() => void deleteShape(selectedShape.id)}
                onEditGeometry={() => {
                  shapeLayers.current.get(selectedShape.id)?.eachLayer((l) => (l as L.Polygon).pm?.enable());
                  setEditingGeometry(true);
                }}
              />
            )}
            {shapeMessage && (
              <p className="success" role="status">
                {shapeMessage}
              </p>
            )}
            {shapeError && (
              <p className="error" role="alert">
                {shapeError}
              </p>
            )}
            <ul className="shape-list" aria-label="Shapes">
              {shapes.features.map((f: ShapeFeature) => (
                <li key={f.id} data-shape-id={f.id}>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => {
                      setDraft(null);
                      setEditingGeometry(false);
                      setSelected(f.id);
                      const b = geometryBounds(f.geometry);
                      if (b) map?.fitBounds(b, { padding: [40, 40], maxZoom: map.getZoom() });
                    }}
                  >
                    {f.geometry.type} #{f.id}
                  </button>{" "}
                  <span className="muted">{(f.properties.label as string | null) ?? "no class"}</span>
                </li>
              ))}
            </ul>
            <div className="row">
              <button type="button" className="secondary" onClick={() => void exportShapes()}>
                Export GeoJSON
              </button>
              <label className="button secondary file-button">
                Import GeoJSON
                <input
                  type="file"
                  accept=".geojson,.json,application/geo+json,application/json"
                  className="visually-hidden"
                  disabled={shapeBusy}
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    e.target.value = "";
                    if (file) void importShapes(file);
                  }}
                />
              </label>
            </div>
          </section>
        )}
        <section className="panel" aria-labelledby="gibs-title">
          <h2 id="gibs-title">GIBS layer</h2>
          <div className="row">
            <label className="grow">
              Search
              <input type="search" value={gibsSearch} onChange={(e) => setGibsSearch(e.target.value)} />
            </label>
            <label>
              Date
              <input type="date" value={gibsDate} onChange={(e) => setGibsDate(e.target.value)} />
            </label>
          </div>
          <label className="block">
            Layer shown
            <select value={gibsId} onChange={(e) => setGibsId(e.target.value)}>
              <option value="">None</option>
              {gibsLayers.map((l) => (
                <option key={l.identifier} value={l.identifier}>
                  {l.title}
                </option>
              ))}
            </select>
          </label>
          {gibsLayer && !gibsXyz && (
            <p className="muted">This layer has no tiles a Web Mercator map can show.</p>
          )}
          {gibsError && <p className="error">{gibsError}</p>}
        </section>
        {data.can.manage && (
          <section className="panel" aria-labelledby="extract-title">
            <h2 id="extract-title">Extract imagery</h2>
            <div className="row">
              <button type="button" disabled={!map} onClick={() => startDraw("Rectangle", "extract")}>
                Draw a box to extract
              </button>
              <button
                type="button"
                className="secondary"
                disabled={!map}
                onClick={() => {
                  const b = map?.getBounds();
                  if (b)
                    setExtractBox(
                      bboxOf({ west: b.getWest(), south: b.getSouth(), east: b.getEast(), north: b.getNorth() }),
                    );
                }}
              >
                Use the map view
              </button>
            </div>
          </section>
        )}
        {!data.can.annotate && shapes.features.length > 0 && (
          <section className="panel">
            <h2>Map shapes</h2>
            <p className="muted">
              {shapes.features.length} shape{shapes.features.length === 1 ? "" : "s"} (view only).
            </p>
          </section>
        )}
      </aside>
      {extractBox && (
        <ExtractionDialog
          eventId={eventId}
          bbox={extractBox}
          onClose={() => setExtractBox(null)}
          onExtracted={() => void reloadImages()}
        />
      )}
    </div>
  );
}

mountPage((data) => <EventMapPage data={data} />);
