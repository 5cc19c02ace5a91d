// Where a georeferenced image is on Earth: a small web-mercator map with the image's
// footprint, a marker following the pixel under the cursor (from the pixel inspector, see
// cursor.ts) and, on request, the image's own map tiles (with the editor's display) laid
// over it.
import L from "leaflet";
import { useEffect, useMemo, useState } from "react";
import { CircleMarker, GeoJSON, TileLayer, useMap } from "react-leaflet";
import { BaseMap } from "../../map/BaseMap";
import { tileUrl } from "../display";
import { useEditor } from "../EditorContext";
import { formatLonLat, useCursor } from "./cursor";
import "./viewer.css";

declare global {
  interface Window {
    /** For the browser tests: the context map and what it shows. */
    __geoContext?: {
      map: L.Map;
      footprint: L.LatLngBounds;
      cursor: () => L.LatLng | null;
    };
  }
}

export function GeoContext() {
  const { state, data } = useEditor();
  const { image, display } = state;
  const [overlay, setOverlay] = useState(false);
  const [opacity, setOpacity] = useState(0.8);
  const footprintBounds = useMemo(
    () => (image.footprint ? L.geoJSON(image.footprint).getBounds() : null),
    [image.footprint],
  );
  if (!image.footprint || !footprintBounds) {
    return (
      <section aria-labelledby="editor-geo">
        <h2 id="editor-geo">Where on Earth</h2>
        <p className="muted small">This image has no georeference (no CRS and transform), so it has no place on a map.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="editor-geo" className="geo-context">
      <h2 id="editor-geo">Where on Earth</h2>
      <BaseMap data={data} bounds={footprintBounds.pad(0.35)} className="geo-context-map" label="Geographic context">
        {overlay && image.tiles && (
          <TileLayer
            key={tileUrl(image.tiles, display)}
            url={tileUrl(image.tiles, display)}
            bounds={footprintBounds}
            opacity={opacity}
            className="geo-context-tiles"
          />
        )}
        <GeoJSON
          data={image.footprint}
          style={{ color: "#0b61a4", weight: 2, fillOpacity: overlay ? 0 : 0.15 }}
          interactive={false}
        />
        <CursorMarker />
        <TestHandle footprint={footprintBounds} />
      </BaseMap>
      <CursorText />
      <div className="row geo-context-controls">
        <label className="inline">
          <input type="checkbox" checked={overlay} onChange={(e) => setOverlay(e.target.checked)} disabled={!image.tiles} />
          Show the image on the map
        </label>
        {overlay && (
          <label className="inline">
            Opacity
            <input
              type="range"
              min={0.1}
              max={1}
              step={0.1}
              value={opacity}
              aria-label="Opacity of the image on the map"
              onChange={(e) => setOpacity(Number(e.target.value))}
            />
          </label>
        )}
      </div>
    </section>
  );
}

function CursorMarker() {
  const cursor = useCursor();
  if (cursor?.lon == null || cursor.lat == null) return null;
  return (
    <CircleMarker
      center={[cursor.lat, cursor.lon]}
      radius={6}
      interactive={false}
      pathOptions={{ color: "#15202b", weight: 2, fillColor: "#f5a524", fillOpacity: 1 }}
    />
  );
}

function CursorText() {
  const cursor = useCursor();
  return (
    <p className="muted small geo-cursor" aria-live="off">
      {cursor?.lon != null && cursor.lat != null
        ? `Cursor: ${formatLonLat(cursor.lon, cursor.lat)}`
        : "Move the cursor over the image to place it here."}
    </p>
  );
}

function TestHandle({ footprint }: { footprint: L.LatLngBounds }) {
  const map = useMap();
  useEffect(() => {
    // The side panel may lay out after the map: measure again once it has.
    const timer = window.setTimeout(() => map.invalidateSize(), 0);
    window.__geoContext = {
      map,
      footprint,
      cursor: () => {
        let found: L.LatLng | null = null;
        map.eachLayer((layer) => {
          if (layer instanceof L.CircleMarker) found = layer.getLatLng();
        });
        return found;
      },
    };
    return () => {
      window.clearTimeout(timer);
      delete window.__geoContext;
    };
  }, [map, footprint]);
  return null;
}
