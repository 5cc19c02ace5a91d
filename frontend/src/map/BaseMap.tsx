// The map every page draws on: react-leaflet's MapContainer with the configured basemap
// (BASEMAP_URL; none when it is empty, so the map works offline) and Leaflet-Geoman loaded
// for drawing. Children are react-leaflet layers and controls.
import "leaflet/dist/leaflet.css";
// Leaflet first: Geoman extends the global `L` that importing Leaflet defines.
import "leaflet";
import "@geoman-io/leaflet-geoman-free";
import "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css";
import type { LatLngBoundsExpression } from "leaflet";
import type { ReactNode } from "react";
import { MapContainer, TileLayer } from "react-leaflet";
import type { PageData } from "../lib/page";

export interface BaseMapProps {
  data: PageData;
  /** Initial view: bounds (south-west, north-east) or the whole world. */
  bounds?: LatLngBoundsExpression;
  className?: string;
  /** Accessible name of the map region. */
  label: string;
  children?: ReactNode;
}

const WORLD: LatLngBoundsExpression = [
  [-60, -170],
  [75, 170],
];

export function basemapOf(data: PageData): { url: string; attribution: string } {
  const url = typeof data.extra.basemap_url === "string" ? data.extra.basemap_url : "";
  const attribution =
    typeof data.extra.basemap_attribution === "string" ? data.extra.basemap_attribution : "";
  return { url, attribution };
}

export function BaseMap({ data, bounds, className, label, children }: BaseMapProps) {
  const basemap = basemapOf(data);
  return (
    <div className={className ?? "map"} role="region" aria-label={label}>
      <MapContainer bounds={bounds ?? WORLD} style={{ height: "100%", width: "100%" }} worldCopyJump>
        {basemap.url && <TileLayer url={basemap.url} attribution={basemap.attribution} />}
        {children}
      </MapContainer>
    </div>
  );
}
