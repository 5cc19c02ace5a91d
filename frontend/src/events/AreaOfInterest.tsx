// The event's area of interest on a map: drawn, edited and removed with Leaflet-Geoman
// (polygons and rectangles), saved as a GeoJSON Polygon or MultiPolygon (geo.ts).
// Leaflet first: Geoman's script extends the global L that Leaflet's module sets.
import L from "leaflet";
import "@geoman-io/leaflet-geoman-free";
import { useEffect, useRef, useState } from "react";
import { useMap } from "react-leaflet";
import { api, errorText } from "../lib/api";
import type { PageData } from "../lib/page";
import type { EventData } from "../lib/types";
import { BaseMap } from "../map/BaseMap";
import { type Area, areaBounds, bboxArea, combineArea, describeArea } from "./geo";

const STYLE: L.PathOptions = { color: "#d9480f", weight: 2, fillOpacity: 0.12 };

interface Props {
  data: PageData;
  event: EventData;
  editable: boolean;
  onSaved: (event: EventData) => void;
}

export function AreaOfInterest({ data, event, editable, onSaved }: Props) {
  const [area, setArea] = useState<Area | null>(event.area_of_interest);
  // Bumped to redraw the layers from `area` (after a save or a clear), not on each edit.
  const [version, setVersion] = useState(0);
  const [dirty, setDirty] = useState(false);
  const [fit, setFit] = useState(false);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");
  const saved0 = areaBounds(event.area_of_interest);
  // A margin round the area, so its edges are not the map's.
  const bounds = saved0 ? L.latLngBounds(saved0).pad(0.15) : undefined;

  const change = (next: Area | null) => {
    setArea(next);
    setDirty(true);
    setSaved("");
  };

  const save = async () => {
    try {
      const updated = await api<EventData>(`/events/${event.id}/`, {
        method: "PATCH",
        body: { area_of_interest: area },
      });
      onSaved(updated);
      setArea(updated.area_of_interest);
      setVersion((v) => v + 1);
      setDirty(false);
      setError("");
      setSaved("Area saved.");
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section className="panel" aria-labelledby="aoi-heading">
      <h2 id="aoi-heading">Area of interest</h2>
      {editable && (
        <p className="muted">
          Draw a rectangle or polygon with the tools on the map; edit or remove shapes with the
          pencil and bin tools. Several shapes make a multi-polygon.
        </p>
      )}
      <BaseMap data={data} label="Area of interest map" bounds={bounds}>
        <AreaLayer key={version} initial={area} fit={fit} editable={editable} onChange={change} />
      </BaseMap>
      <p className="aoi-summary" data-testid="aoi-summary">
        {describeArea(area)}
        {dirty && <strong> (not saved)</strong>}
      </p>
      {editable && (
        <div className="row">
          <button type="button" onClick={() => void save()} disabled={!dirty}>
            Save area
          </button>
          <button
            type="button"
            className="secondary"
            disabled={area === null}
            onClick={() => {
              change(null);
              setVersion((v) => v + 1);
            }}
          >
            Clear area
          </button>
          {saved && (
            <span className="success" role="status">
              {saved}
            </span>
          )}
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {editable && (
        <BoxForm
          onBox={(box) => {
            change(box);
            setFit(true);
            setVersion((v) => v + 1);
          }}
        />
      )}
    </section>
  );
}

/** The keyboard's way to an area: a box typed in degrees. */
function BoxForm({ onBox }: { onBox: (area: Area) => void }) {
  const [values, setValues] = useState({ west: "", south: "", east: "", north: "" });
  const [problem, setProblem] = useState("");
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const box = bboxArea(
      Number.parseFloat(values.west),
      Number.parseFloat(values.south),
      Number.parseFloat(values.east),
      Number.parseFloat(values.north),
    );
    if (typeof box === "string") {
      setProblem(box);
      return;
    }
    setProblem("");
    onBox(box);
  };
  return (
    <details className="box-form">
      <summary>Or type a box in degrees</summary>
      <form className="row" onSubmit={submit} aria-label="Area as a box">
        {(["west", "south", "east", "north"] as const).map((side) => (
          <label key={side}>
            {side[0]?.toUpperCase() + side.slice(1)}
            <input
              type="number"
              step="any"
              size={8}
              value={values[side]}
              onChange={(e) => setValues({ ...values, [side]: e.target.value })}
              required
            />
          </label>
        ))}
        <button type="submit" className="secondary align-end">
          Use this box
        </button>
        {problem && (
          <span className="error" role="alert">
            {problem}
          </span>
        )}
      </form>
    </details>
  );
}

interface LayerProps {
  initial: Area | null;
  /** Move the map to the shapes when they are drawn. */
  fit?: boolean;
  editable: boolean;
  onChange: (area: Area | null) => void;
}

/** The shapes as Leaflet layers in one group, plus Geoman's toolbar when editable. */
function AreaLayer({ initial, fit, editable, onChange }: LayerProps) {
  const map = useMap();
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  });
  // The first value only: later changes come from the map itself.
  const initialRef = useRef(initial);
  const fitRef = useRef(fit);

  useEffect(() => {
    const group = L.featureGroup().addTo(map);
    if (initialRef.current) {
      L.geoJSON(initialRef.current, { style: STYLE }).eachLayer((layer) => group.addLayer(layer));
    }
    const report = () => {
      const shapes = group.getLayers().map((layer) => (layer as L.Polygon).toGeoJSON().geometry);
      onChangeRef.current(combineArea(shapes));
    };
    const watch = (layer: L.Layer) => {
      layer.on("pm:edit", report);
    };
    group.eachLayer(watch);
    if (fitRef.current && group.getLayers().length > 0) map.fitBounds(group.getBounds().pad(0.15));
    if (!editable) {
      return () => {
        group.remove();
      };
    }
    map.pm.setPathOptions(STYLE);
    map.pm.addControls({
      position: "topleft",
      drawMarker: false,
      drawCircleMarker: false,
      drawPolyline: false,
      drawCircle: false,
      drawText: false,
      cutPolygon: false,
      rotateMode: false,
      dragMode: true,
      drawRectangle: true,
      drawPolygon: true,
      editMode: true,
      removalMode: true,
    });
    // Geoman titles its buttons' containers only; give the buttons themselves a name.
    map
      .getContainer()
      .querySelectorAll<HTMLElement>(".leaflet-pm-toolbar .button-container[title]")
      .forEach((container) => {
        container.querySelector("a")?.setAttribute("aria-label", container.title);
      });
    const created = (e: { layer: L.Layer }) => {
      group.addLayer(e.layer);
      watch(e.layer);
      report();
    };
    const removed = (e: { layer: L.Layer }) => {
      group.removeLayer(e.layer);
      report();
    };
    map.on("pm:create", created);
    map.on("pm:remove", removed);
    return () => {
      map.off("pm:create", created);
      map.off("pm:remove", removed);
      map.pm.disableDraw();
      map.pm.disableGlobalEditMode();
      map.pm.removeControls();
      group.remove();
    };
  }, [map, editable]);

  return null;
}
