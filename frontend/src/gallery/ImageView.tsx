// The enlarged view of one image: its pixel-space tiles (the editor's tiles, Leaflet
// CRS.Simple) drawn with a band preset and a brightness, zoomable and pannable.
import "leaflet/dist/leaflet.css";
import L from "leaflet";
import { useEffect, useState } from "react";
import { MapContainer, TileLayer, useMap } from "react-leaflet";
import { api, errorText } from "../lib/api";
import type { ImageData } from "../lib/types";

interface TileJSON {
  tiles: string[];
  minzoom: number;
  maxzoom: number;
  width: number;
  height: number;
}

export const PRESETS: { value: string; label: string }[] = [
  { value: "", label: "Default bands" },
  { value: "truecolor", label: "True colour" },
  { value: "falsecolor", label: "False colour (NIR)" },
  { value: "swir", label: "SWIR" },
  { value: "snow", label: "Snow (SWIR/red/green)" },
];

export interface Rendering {
  preset: string;
  brightness: number;
}

function Fit({ width, height, maxzoom }: { width: number; height: number; maxzoom: number }) {
  const map = useMap();
  useEffect(() => {
    const bounds = L.latLngBounds(
      map.unproject([0, height], maxzoom),
      map.unproject([width, 0], maxzoom),
    );
    map.setMaxBounds(bounds.pad(0.5));
    map.fitBounds(bounds, { animate: false });
  }, [map, width, height, maxzoom]);
  return null;
}

function Tiles({ tilejson }: { tilejson: TileJSON }) {
  const map = useMap();
  const bounds = L.latLngBounds(
    map.unproject([0, tilejson.height], tilejson.maxzoom),
    map.unproject([tilejson.width, 0], tilejson.maxzoom),
  );
  return (
    <TileLayer
      url={tilejson.tiles[0] ?? ""}
      bounds={bounds}
      noWrap
      minZoom={0}
      maxNativeZoom={tilejson.maxzoom}
      maxZoom={tilejson.maxzoom + 3}
      className="image-tiles"
    />
  );
}

export function ImageView({ image, rendering }: { image: ImageData; rendering: Rendering }) {
  const [tilejson, setTilejson] = useState<TileJSON | null>(null);
  const [error, setError] = useState("");
  const ready = image.image_tiles !== null;
  useEffect(() => {
    if (!ready) return;
    const controller = new AbortController();
    const query: Record<string, string | number> = { space: "image", format: "png" };
    if (rendering.preset) query.preset = rendering.preset;
    if (rendering.brightness !== 0) query.brightness = rendering.brightness;
    api<TileJSON>(`/images/${image.id}/tilejson.json`, { query, signal: controller.signal })
      .then((body) => {
        setTilejson(body);
        setError("");
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        setTilejson(null);
        setError(errorText(e));
      });
    return () => controller.abort();
  }, [image.id, ready, rendering.preset, rendering.brightness]);

  if (!ready) {
    return (
      <div className="gallery-view gallery-view-empty">
        {image.preview_url ? <img src={image.preview_url} alt={`Preview of ${image.name}`} /> : <p>No pixels to show yet ({image.status}).</p>}
      </div>
    );
  }
  return (
    <div className="gallery-view" role="region" aria-label={`Enlarged view of ${image.name}`}>
      {error && (
        <p className="error gallery-view-error" role="alert">
          {error}
        </p>
      )}
      {tilejson && (
        <MapContainer
          key={image.id}
          crs={L.CRS.Simple}
          center={[0, 0]}
          zoom={0}
          minZoom={0}
          maxZoom={tilejson.maxzoom + 3}
          style={{ height: "100%", width: "100%", background: "#1d2630" }}
          attributionControl={false}
        >
          <Tiles tilejson={tilejson} />
          <Fit width={tilejson.width} height={tilejson.height} maxzoom={tilejson.maxzoom} />
        </MapContainer>
      )}
    </div>
  );
}
