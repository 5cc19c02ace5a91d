// /events/<id>/uploads/: drop or pick imagery files; each image or ZIP is uploaded in its
// own request (with its sidecars) so it gets its own progress bar and its own ingest job.
import { useCallback, useState, type DragEvent } from "react";
import { JobTracker } from "../components/Jobs";
import { ApiError, errorText } from "../lib/api";
import type { PageData } from "../lib/page";
import type { Job } from "../lib/types";
import {
  ACCEPT,
  formatBytes,
  groupFiles,
  ingestSummary,
  runLimited,
  uploadFiles,
} from "./files";
import "./uploads.css";

/** Requests sent at once; the rest wait their turn. */
export const PARALLEL_UPLOADS = 3;

type Status = "waiting" | "uploading" | "refused" | "ingesting" | "ready" | "failed";

interface Item {
  key: number;
  name: string;
  files: File[];
  size: number;
  status: Status;
  loaded: number;
  error: string;
  jobId: number | null;
  summary: string;
}

const STATUS_TEXT: Record<Status, string> = {
  waiting: "waiting",
  uploading: "uploading",
  refused: "refused",
  ingesting: "ingesting",
  ready: "ready",
  failed: "failed",
};

const BAND_ORDERS: [string, string][] = [
  ["", "Automatic (band descriptions, else recognised)"],
  ["l2a", "Sentinel-2 L2A (B01..B08, B8A, B09, B11, B12)"],
  ["l1c", "Sentinel-2 L1C (B01..B08, B8A, B09..B12)"],
  ["eurosat", "EuroSAT (B01..B12, B8A)"],
];

let nextKey = 1;

/** The API's words; its `files` field only repeats the file's name, already in the detail. */
function refusalText(error: unknown): string {
  if (error instanceof ApiError && Object.keys(error.fields).every((f) => f === "files")) {
    return error.message;
  }
  return errorText(error);
}

export function UploadsPage({ data }: { data: PageData }) {
  const event = data.event;
  const [items, setItems] = useState<Item[]>([]);
  const [bandOrder, setBandOrder] = useState("");
  const [dragging, setDragging] = useState(false);

  const update = useCallback((key: number, change: Partial<Item>) => {
    setItems((all) => all.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  const start = useCallback(
    (files: File[]) => {
      if (!event || files.length === 0) return;
      const fresh: Item[] = groupFiles(files).map((group) => ({
        key: nextKey++,
        name: group.name,
        files: group.files,
        size: group.files.reduce((sum, f) => sum + f.size, 0),
        status: "waiting",
        loaded: 0,
        error: "",
        jobId: null,
        summary: "",
      }));
      setItems((all) => [...fresh, ...all]);
      const tasks = fresh.map((item) => async () => {
        update(item.key, { status: "uploading" });
        try {
          const job = await uploadFiles(event.id, item.files, bandOrder, (loaded) =>
            update(item.key, { loaded }),
          ).promise;
          update(item.key, { status: "ingesting", loaded: item.size, jobId: job.id });
        } catch (error) {
          update(item.key, { status: "refused", error: refusalText(error) });
        }
      });
      void runLimited(tasks, PARALLEL_UPLOADS);
    },
    [event, bandOrder, update],
  );

  const onDone = useCallback(
    (key: number, job: Job) => {
      if (job.status === "succeeded") update(key, { status: "ready", summary: ingestSummary(job.result) });
      else update(key, { status: "failed", error: job.error || "The ingest failed without a message." });
    },
    [update],
  );

  if (!event) return <p className="error">This page belongs to an event.</p>;

  if (!data.can.manage) {
    return (
      <>
        <h1>Upload imagery</h1>
        <section className="panel">
          <p>
            Uploading imagery needs the <strong>manager</strong> or <strong>owner</strong> role in
            team {event.team_name}; your role is <strong>{data.role ?? "none"}</strong>.
          </p>
          <p>
            The event's images are in the <a href={`/events/${event.id}/gallery/`}>gallery</a>.
          </p>
        </section>
      </>
    );
  }

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    start(Array.from(e.dataTransfer.files));
  };

  return (
    <>
      <h1>Upload imagery</h1>
      <section className="panel" aria-labelledby="upload-heading">
        <h2 id="upload-heading">Add files</h2>
        <div
          className={`dropzone${dragging ? " dragging" : ""}`}
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            e.dataTransfer.dropEffect = "copy";
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <p className="dropzone-title">Drop PNG, JPEG, GeoTIFF or ZIP files here</p>
          <p className="muted">
            World files (.wld, .jgw, .tfw…), .aux.xml and .prj files go with the image of the same
            name. Folders at the top of a ZIP become image tags (flood/a.png is tagged “flood”).
          </p>
          <div className="row">
            <label>
              Or choose files
              <input
                type="file"
                multiple
                accept={ACCEPT}
                data-testid="upload-input"
                onChange={(e) => {
                  start(Array.from(e.target.files ?? []));
                  e.target.value = "";
                }}
              />
            </label>
            <label>
              Band order of 12/13-band images
              <select value={bandOrder} onChange={(e) => setBandOrder(e.target.value)}>
                {BAND_ORDERS.map(([value, text]) => (
                  <option key={value} value={value}>
                    {text}
                  </option>
                ))}
              </select>
            </label>
          </div>
        </div>
      </section>

      <section className="panel" aria-labelledby="uploads-heading">
        <h2 id="uploads-heading">Uploads</h2>
        {items.length === 0 && <p className="muted">Nothing uploaded from this page yet.</p>}
        <ul className="uploads">
          {items.map((item) => (
            <UploadRow key={item.key} item={item} eventId={event.id} onDone={onDone} />
          ))}
        </ul>
      </section>
    </>
  );
}

function UploadRow({
  item,
  eventId,
  onDone,
}: {
  item: Item;
  eventId: number;
  onDone: (key: number, job: Job) => void;
}) {
  const percent = item.size ? Math.round((100 * item.loaded) / item.size) : 0;
  const sidecars = item.files.slice(1).map((f) => f.name);
  return (
    <li className={`upload upload-${item.status}`} data-upload={item.name} data-status={item.status}>
      <div className="row">
        <strong className="grow">
          {item.name}
          {sidecars.length > 0 && <span className="muted"> + {sidecars.join(", ")}</span>}
        </strong>
        <span className="muted">{formatBytes(item.size)}</span>
        <span className={`upload-status status-${item.status}`}>{STATUS_TEXT[item.status]}</span>
      </div>
      {(item.status === "waiting" || item.status === "uploading") && (
        <div className="upload-progress">
          <progress max={100} value={percent} aria-label={`${item.name} upload progress`} />
          <span className="muted">
            {formatBytes(item.loaded)} of {formatBytes(item.size)} ({percent}%)
          </span>
        </div>
      )}
      {item.status === "refused" && (
        <p className="error" role="alert">
          {item.error}
        </p>
      )}
      {item.jobId !== null && (
        <JobTracker id={item.jobId} onDone={(job) => onDone(item.key, job)} />
      )}
      {item.status === "ready" && (
        <p className="success">
          {item.summary}. <a href={`/events/${eventId}/gallery/`}>Open the gallery</a>
        </p>
      )}
    </li>
  );
}
