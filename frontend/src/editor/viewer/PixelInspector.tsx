// The band vector and lon/lat under the cursor: a Leaflet control on the image map. Mouse
// moves ask GET /api/v1/images/{id}/pixels/?points=x,y (debounced, at most one request in
// flight: a newer pixel aborts the older request). "Pin on click" keeps a clicked pixel's
// values beside the live ones, marked on the image.
import L from "leaflet";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { CircleMarker, Rectangle, useMap, useMapEvents } from "react-leaflet";
import { api, errorText } from "../../lib/api";
import { toLatLng } from "../coords";
import { useEditor } from "../EditorContext";
import { formatLonLat, formatValue, pixelAt, setCursor } from "./cursor";
import "./viewer.css";

export interface PixelVector {
  row: number;
  col: number;
  lon: number | null;
  lat: number | null;
  values: (number | null)[];
  reflectance: (number | null)[] | null;
  nodata: boolean;
}

interface PixelAnswer {
  bands: string[];
  crs: string;
  points: PixelVector[];
}

interface Reading {
  bands: string[];
  vector: PixelVector;
}

const DEBOUNCE_MS = 40;
const MAX_WAIT_MS = 200; // a moving cursor still gets values this often

export function PixelInspector() {
  const map = useMap();
  const { state } = useEditor();
  const { image, grid } = state;
  // The control's element, made once; React renders the panel into it through a portal.
  const [container] = useState(() => {
    const div = L.DomUtil.create("div", "pixel-inspector leaflet-bar");
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    L.DomEvent.on(div, "mousemove", L.DomEvent.stopPropagation);
    return div;
  });
  const [live, setLive] = useState<Reading | null>(null);
  const [hover, setHover] = useState<[number, number] | null>(null);
  const [pinned, setPinned] = useState<Reading | null>(null);
  const [pinOnClick, setPinOnClick] = useState(false);
  const [error, setError] = useState("");
  const [open, setOpen] = useState(true);
  const [typed, setTyped] = useState({ x: "", y: "" });
  const wanted = useRef<string>("");
  const controller = useRef<AbortController | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const lastFetch = useRef(0);

  useEffect(() => {
    const Control = L.Control.extend({ onAdd: () => container });
    const control = new Control({ position: "bottomright" });
    control.addTo(map);
    return () => {
      control.remove();
    };
  }, [map, container]);

  // Past full resolution each image pixel is a crisp square (nearest neighbour), so the
  // pixel under the cursor is the one the inspector reads.
  useEffect(() => {
    const container = map.getContainer();
    const update = () => container.classList.toggle("image-overzoom", map.getZoom() > grid.maxZoom);
    update();
    map.on("zoomend", update);
    return () => {
      map.off("zoomend", update);
      container.classList.remove("image-overzoom");
    };
  }, [map, grid.maxZoom]);

  const read = useCallback(
    async (x: number, y: number, signal?: AbortSignal): Promise<Reading> => {
      const answer = await api<PixelAnswer>(`/images/${image.id}/pixels/`, {
        query: { points: `${x},${y}` },
        signal,
      });
      const vector = answer.points[0];
      if (!vector) throw new Error("The server gave no values for this pixel.");
      return { bands: answer.bands, vector };
    },
    [image.id],
  );

  const fetchLive = useCallback(
    (x: number, y: number) => {
      controller.current?.abort();
      const current = new AbortController();
      controller.current = current;
      lastFetch.current = performance.now();
      read(x, y, current.signal)
        .then((reading) => {
          if (current.signal.aborted) return;
          setLive(reading);
          setError("");
          setCursor({ x, y, lon: reading.vector.lon, lat: reading.vector.lat });
        })
        .catch((e: unknown) => {
          if (!current.signal.aborted) setError(errorText(e));
        });
    },
    [read],
  );

  useEffect(
    () => () => {
      controller.current?.abort();
      window.clearTimeout(timer.current);
    },
    [],
  );

  const pixelOf = (latlng: L.LatLng) => {
    const scale = 2 ** grid.maxZoom;
    return pixelAt(latlng.lng * scale, -latlng.lat * scale, grid.width, grid.height);
  };

  useMapEvents({
    mousemove(event) {
      const pixel = pixelOf(event.latlng);
      if (!pixel) return;
      const key = `${pixel[0]},${pixel[1]}`;
      if (key === wanted.current) return;
      wanted.current = key;
      setHover(pixel);
      setCursor({ x: pixel[0], y: pixel[1], lon: null, lat: null });
      window.clearTimeout(timer.current);
      const waited = performance.now() - lastFetch.current;
      if (waited >= MAX_WAIT_MS) fetchLive(pixel[0], pixel[1]);
      else timer.current = window.setTimeout(() => fetchLive(pixel[0], pixel[1]), DEBOUNCE_MS);
    },
    click(event) {
      if (!pinOnClick) return;
      const pixel = pixelOf(event.latlng);
      if (!pixel) return;
      read(pixel[0], pixel[1])
        .then(setPinned)
        .catch((e: unknown) => setError(errorText(e)));
    },
  });

  const pinBounds = useMemo(
    () =>
      pinned
        ? L.latLngBounds(
            toLatLng([pinned.vector.col, pinned.vector.row + 1], grid),
            toLatLng([pinned.vector.col + 1, pinned.vector.row], grid),
          )
        : null,
    [pinned, grid],
  );

  const loading = hover && (!live || live.vector.col !== hover[0] || live.vector.row !== hover[1]);
  const panel = (
    <div role="region" aria-label="Pixel inspector" className="pixel-panel">
      <div className="pixel-head">
        <strong>Pixel</strong>
        {hover ? (
          <span className="pixel-xy" data-x={hover[0]} data-y={hover[1]}>
            x {hover[0]}, y {hover[1]}
          </span>
        ) : (
          <span className="muted">hover over the image</span>
        )}
        {loading && <span className="muted small">…</span>}
        <button
          type="button"
          className="secondary small-button pixel-toggle"
          aria-expanded={open}
          aria-label={open ? "Hide the band values" : "Show the band values"}
          onClick={() => setOpen(!open)}
        >
          {open ? "Hide" : "Show"}
        </button>
      </div>
      {open && (live ?? pinned) && <VectorTable live={(live ?? pinned) as Reading} pinned={live ? pinned : null} />}
      {open && (
        <form
          className="pixel-goto"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const [x, y] = [Number(typed.x), Number(typed.y)];
            if (!pixelAt(x, y, grid.width, grid.height) || !Number.isInteger(x) || !Number.isInteger(y)) {
              setError(`Give a pixel inside the image: x 0..${grid.width - 1}, y 0..${grid.height - 1}.`);
              return;
            }
            read(x, y)
              .then((reading) => {
                setPinned(reading);
                setError("");
              })
              .catch((err: unknown) => setError(errorText(err)));
          }}
        >
          <label className="inline">
            x
            <input
              type="number"
              min={0}
              max={grid.width - 1}
              step={1}
              value={typed.x}
              aria-label="Pixel x to pin"
              onChange={(e) => setTyped({ ...typed, x: e.target.value })}
            />
          </label>
          <label className="inline">
            y
            <input
              type="number"
              min={0}
              max={grid.height - 1}
              step={1}
              value={typed.y}
              aria-label="Pixel y to pin"
              onChange={(e) => setTyped({ ...typed, y: e.target.value })}
            />
          </label>
          <button type="submit" className="secondary small-button">
            Pin pixel
          </button>
        </form>
      )}
      <div className="pixel-foot">
        <label className="inline">
          <input type="checkbox" checked={pinOnClick} onChange={(e) => setPinOnClick(e.target.checked)} />
          Pin on click
        </label>
        {pinned && (
          <button type="button" className="secondary small-button" onClick={() => setPinned(null)}>
            Unpin x {pinned.vector.col}, y {pinned.vector.row}
          </button>
        )}
      </div>
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
  return (
    <>
      {pinned && (
        <CircleMarker
          center={toLatLng([pinned.vector.col + 0.5, pinned.vector.row + 0.5], grid)}
          radius={7}
          interactive={false}
          pathOptions={{ color: "#f5a524", weight: 2, fill: false }}
        />
      )}
      {pinBounds && (
        <Rectangle
          bounds={pinBounds}
          interactive={false}
          pathOptions={{ color: "#f5a524", weight: 2, fill: false }}
        />
      )}
      {createPortal(panel, container)}
    </>
  );
}

function VectorTable({ live, pinned }: { live: Reading; pinned: Reading | null }) {
  const { bands, vector } = live;
  const hasReflectance = !!vector.reflectance?.some((v) => v !== null);
  return (
    <>
      {vector.lon !== null && vector.lat !== null && (
        <div className="pixel-lonlat" data-lon={vector.lon} data-lat={vector.lat}>
          {formatLonLat(vector.lon, vector.lat)}
        </div>
      )}
      {vector.nodata && <div className="pixel-nodata">nodata: every band holds the nodata value</div>}
      <div className="pixel-table-wrap" data-col={vector.col} data-row={vector.row}>
        <table className="pixel-table">
          <thead>
            <tr>
              <th scope="col">Band</th>
              <th scope="col">Value</th>
              {hasReflectance && <th scope="col">Refl.</th>}
              {pinned && (
                <th scope="col">
                  Pinned ({pinned.vector.col}, {pinned.vector.row})
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {bands.map((band, i) => (
              <tr key={band} data-band={band}>
                <th scope="row">{/^\d+$/.test(band) ? `Band ${band}` : band}</th>
                <td className={vector.nodata ? "muted" : undefined} data-value={vector.values[i] ?? ""}>
                  {formatValue(vector.values[i])}
                </td>
                {hasReflectance && <td>{formatValue(vector.reflectance?.[i])}</td>}
                {pinned && <td>{formatValue(pinned.vector.values[i])}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
