// The image in Leaflet with CRS.Simple over the image-space tiles: deep zoom on large
// images without loading them whole (workers/tiles.py serves the pyramid). Children are
// the annotation layers and the tools.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "@geoman-io/leaflet-geoman-free";
import "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css";
import { useEffect, type ReactNode } from "react";
import { MapContainer, TileLayer, useMap } from "react-leaflet";
import { imageBounds, toLatLng, toPixel } from "./coords";
import { cssFilter, tileUrl } from "./display";
import { useEditor } from "./EditorContext";
import type { Annotation } from "./types";

declare global {
  interface Window {
    /** For the browser tests: the map and the pixel <-> latlng helpers. */
    __editor?: {
      map: L.Map;
      toLatLng: (x: number, y: number) => L.LatLng;
      toPixel: (lat: number, lng: number) => [number, number];
      /** Screen (container) point of an image pixel. */
      screenOf: (x: number, y: number) => [number, number];
      /** The annotation as the editor holds it now (after its latest save). */
      annotation: (id: number) => Annotation | null;
    };
  }
}

function TestHandle() {
  const map = useMap();
  const { state } = useEditor();
  useEffect(() => {
    window.__editor = {
      map,
      toLatLng: (x, y) => toLatLng([x, y], state.grid),
      toPixel: (lat, lng) => toPixel({ lat, lng }, state.grid),
      screenOf: (x, y) => {
        const point = map.latLngToContainerPoint(toLatLng([x, y], state.grid));
        return [point.x, point.y];
      },
      annotation: (id) => state.annotations.get(id) ?? null,
    };
  }, [map, state.grid, state.annotations]);
  return null;
}

export function ImageMap({ children }: { children?: ReactNode }) {
  const { state } = useEditor();
  const { image, grid, display } = state;
  const bounds = imageBounds(grid);
  const template = image.image_tiles;
  return (
    <div className="editor-map" role="application" aria-label={`Image ${image.name}`}>
      <MapContainer
        crs={L.CRS.Simple}
        bounds={bounds.pad(0.02)}
        maxBounds={bounds.pad(0.5)}
        minZoom={grid.maxZoom - 6}
        maxZoom={grid.maxZoom + 4}
        zoomSnap={0.25}
        zoomDelta={0.5}
        preferCanvas
        attributionControl={false}
        doubleClickZoom={false}
        style={{ height: "100%", width: "100%", background: "#1d2630" }}
      >
        {template && (
          <TileLayer
            key={tileUrl(template, display)}
            url={tileUrl(template, display)}
            bounds={bounds}
            minNativeZoom={0}
            maxNativeZoom={grid.maxZoom}
            noWrap
            className="image-tiles"
          />
        )}
        <TileFilter filter={cssFilter(display)} />
        <TestHandle />
        {children}
      </MapContainer>
    </div>
  );
}

/** Contrast and invert as CSS filters on the tile pane only: instant, and the shapes keep
 * their colours. */
function TileFilter({ filter }: { filter: string }) {
  const map = useMap();
  useEffect(() => {
    const pane = map.getPane("tilePane");
    if (pane) pane.style.filter = filter;
  }, [map, filter]);
  return null;
}
