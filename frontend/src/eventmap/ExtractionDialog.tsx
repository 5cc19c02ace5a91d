// The extraction dialog: what to extract over a drawn box (GIBS layer or Sentinel Hub
// collection, dates, resolution, cloud cover, acquisitions), then the job's progress.
import { useEffect, useRef, useState } from "react";
import { JobTracker } from "../components/Jobs";
import { api, errorText } from "../lib/api";
import type { Job } from "../lib/types";
import { searchGibsLayers, type Acquisition, type GibsLayer } from "./data";
import type { Bbox } from "./helpers";

interface Props {
  eventId: number;
  bbox: Bbox;
  onClose: () => void;
  /** Called when the extraction job succeeded (new images to show). */
  onExtracted: (job: Job) => void;
}

type Source = "gibs" | "sentinelhub";

export function ExtractionDialog({ eventId, bbox: drawn, onClose, onExtracted }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const [source, setSource] = useState<Source>("gibs");
  const [bbox, setBbox] = useState<string[]>(drawn.map(String));
  const [search, setSearch] = useState("");
  const [layers, setLayers] = useState<GibsLayer[]>([]);
  const [layerId, setLayerId] = useState("");
  const [startDate, setStartDate] = useState("");
  const [endDate, setEndDate] = useState("");
  const [resolution, setResolution] = useState("");
  const [kmPerPixel, setKmPerPixel] = useState("");
  const [collection, setCollection] = useState("sentinel-2-l2a");
  const [shResolution, setShResolution] = useState("20");
  const [maxCloud, setMaxCloud] = useState("30");
  const [acquisitions, setAcquisitions] = useState<Acquisition[] | null>(null);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [jobId, setJobId] = useState<number | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  useEffect(() => {
    if (source !== "gibs") return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      searchGibsLayers(search, controller.signal)
        .then((found) => {
          setLayers(found);
          setError("");
        })
        .catch((e: unknown) => {
          if (!controller.signal.aborted) setError(errorText(e));
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [search, source]);

  const layer = layers.find((l) => l.identifier === layerId) ?? null;
  const box = bbox.map(Number.parseFloat);

  function body(): Record<string, unknown> {
    if (source === "gibs") {
      const out: Record<string, unknown> = { source, layer: layerId, bbox: box };
      if (startDate && endDate && endDate !== startDate) {
        out.start_date = startDate;
        out.end_date = endDate;
      } else if (startDate) out.date = startDate;
      if (resolution === "km") out.km_per_pixel = Number.parseFloat(kmPerPixel);
      else if (resolution) out.resolution = resolution;
      return out;
    }
    const out: Record<string, unknown> = {
      source,
      collection,
      bbox: box,
      start_date: startDate,
      end_date: endDate || startDate,
      resolution: shResolution,
      max_cloud: Number.parseFloat(maxCloud),
    };
    if (acquisitions && picked.size > 0) out.acquisitions = [...picked];
    return out;
  }

  async function searchAcquisitions() {
    setBusy(true);
    setError("");
    try {
      const answer = await api<{ count: number; results: Acquisition[] }>(
        `/events/${eventId}/sentinelhub/search/`,
        {
          method: "POST",
          body: {
            bbox: box,
            start_date: startDate,
            end_date: endDate || startDate,
            max_cloud: Number.parseFloat(maxCloud),
            collection,
          },
        },
      );
      setAcquisitions(answer.results);
      setPicked(new Set(answer.results.map((a) => a.id)));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      const job = await api<Job>(`/events/${eventId}/extractions/`, { method: "POST", body: body() });
      setJobId(job.id);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  function close() {
    ref.current?.close();
    onClose();
  }

  return (
    <dialog ref={ref} className="extraction-dialog" aria-labelledby="extraction-title" onCancel={close}>
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="extraction-title">Extract imagery</h2>
        <fieldset className="row" disabled={jobId !== null}>
          <legend>Box (degrees, EPSG:4326)</legend>
          {["West", "South", "East", "North"].map((name, i) => (
            <label key={name}>
              {name}
              <input
                type="number"
                step="any"
                required
                value={bbox[i]}
                onChange={(e) => setBbox(bbox.map((v, j) => (j === i ? e.target.value : v)))}
              />
            </label>
          ))}
        </fieldset>
        <fieldset className="row" disabled={jobId !== null}>
          <legend>Source</legend>
          <label className="inline">
            <input type="radio" name="source" checked={source === "gibs"} onChange={() => setSource("gibs")} />
            NASA GIBS
          </label>
          <label className="inline">
            <input
              type="radio"
              name="source"
              checked={source === "sentinelhub"}
              onChange={() => setSource("sentinelhub")}
            />
            Sentinel Hub (Sentinel-2)
          </label>
        </fieldset>
        <fieldset disabled={jobId !== null}>
          <legend>{source === "gibs" ? "Layer and dates" : "Collection and dates"}</legend>
          {source === "gibs" ? (
            <div className="row">
              <label>
                Search layers
                <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
              </label>
              <label className="grow">
                Layer
                <select aria-label="Layer" required value={layerId} onChange={(e) => setLayerId(e.target.value)}>
                  <option value="">Choose a layer…</option>
                  {layers.map((l) => (
                    <option key={l.identifier} value={l.identifier}>
                      {l.title === l.identifier ? l.title : `${l.title} (${l.identifier})`}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          ) : (
            <label>
              Collection
              <select value={collection} onChange={(e) => setCollection(e.target.value)}>
                <option value="sentinel-2-l2a">Sentinel-2 L2A (surface reflectance)</option>
                <option value="sentinel-2-l1c">Sentinel-2 L1C (top of atmosphere)</option>
              </select>
            </label>
          )}
          {layer?.time && (
            <p className="muted">
              Dates available: {layer.time.start ?? "?"} to {layer.time.end ?? "?"}
            </p>
          )}
          <div className="row">
            <label>
              {source === "gibs" ? "Date (or first date)" : "From"}
              <input type="date" required value={startDate} onChange={(e) => setStartDate(e.target.value)} />
            </label>
            <label>
              {source === "gibs" ? "Last date (optional)" : "To"}
              <input type="date" value={endDate} onChange={(e) => setEndDate(e.target.value)} />
            </label>
            {source === "gibs" ? (
              <>
                <label>
                  Resolution
                  <select aria-label="Resolution" required value={resolution} onChange={(e) => setResolution(e.target.value)}>
                    <option value="">Choose…</option>
                    {(layer?.tile_matrix_sets ?? []).map((set) => (
                      <option key={set} value={set}>
                        {set}
                      </option>
                    ))}
                    <option value="km">Kilometres per pixel…</option>
                  </select>
                </label>
                {resolution === "km" && (
                  <label>
                    Km per pixel
                    <input
                      type="number"
                      step="any"
                      min="0"
                      required
                      value={kmPerPixel}
                      onChange={(e) => setKmPerPixel(e.target.value)}
                    />
                  </label>
                )}
              </>
            ) : (
              <>
                <label>
                  Resolution
                  <select value={shResolution} onChange={(e) => setShResolution(e.target.value)}>
                    <option value="10">10 m</option>
                    <option value="20">20 m</option>
                    <option value="60">60 m</option>
                  </select>
                </label>
                <label>
                  Max cloud %
                  <input
                    type="number"
                    min="0"
                    max="100"
                    value={maxCloud}
                    onChange={(e) => setMaxCloud(e.target.value)}
                  />
                </label>
              </>
            )}
          </div>
          {source === "sentinelhub" && (
            <div>
              <button
                type="button"
                className="secondary"
                disabled={busy || !startDate}
                onClick={() => void searchAcquisitions()}
              >
                Search acquisitions
              </button>
              {acquisitions && acquisitions.length === 0 && (
                <p className="muted">No acquisition matches; widen the dates or the cloud cover.</p>
              )}
              {acquisitions && acquisitions.length > 0 && (
                <div className="acquisitions">
                <table>
                  <caption className="muted">
                    {acquisitions.length} acquisitions, {picked.size} picked to extract
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Extract</th>
                      <th scope="col">Date (UTC)</th>
                      <th scope="col">Cloud cover</th>
                    </tr>
                  </thead>
                  <tbody>
                    {acquisitions.map((a) => (
                      <tr key={a.id}>
                        <td>
                          <input
                            type="checkbox"
                            aria-label={`Extract ${a.datetime ?? a.id}`}
                            checked={picked.has(a.id)}
                            onChange={(e) => {
                              const next = new Set(picked);
                              if (e.target.checked) next.add(a.id);
                              else next.delete(a.id);
                              setPicked(next);
                            }}
                          />
                        </td>
                        <td>{a.datetime ? a.datetime.replace("T", " ").replace("Z", "") : "—"}</td>
                        <td>{a.cloud_cover === null ? "—" : `${a.cloud_cover.toFixed(1)} %`}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                </div>
              )}
            </div>
          )}
        </fieldset>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {jobId !== null && <JobTracker id={jobId} onDone={(job) => job.status === "succeeded" && onExtracted(job)} />}
        <div className="row dialog-buttons">
          {jobId === null && (
            <button type="submit" disabled={busy}>
              Extract
            </button>
          )}
          <button type="button" className="secondary" onClick={close}>
            {jobId === null ? "Cancel" : "Close"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
