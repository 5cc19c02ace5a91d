// The event's dataset versions: counts, downloads per format and, on demand, the manifest.
import { useState } from "react";
import { JobTracker } from "../components/Jobs";
import { api, apiUrl, errorText } from "../lib/api";
import { formatBytes } from "../uploads/files";
import { countRows, settingsText, splitText } from "./counts";
import { FORMATS, SPLITS } from "./request";
import type { DatasetVersion, DatasetVersionDetail } from "./types";

const FORMAT_TITLES = Object.fromEntries(FORMATS.map((f) => [f.name, f.title]));

function when(value: string | null): string {
  return value ? new Date(value).toLocaleString() : "—";
}

export function downloadUrl(id: number, format: string): string {
  return apiUrl(`/datasets/${id}/download/`, { format });
}

function Manifest({ id }: { id: number }) {
  const [detail, setDetail] = useState<DatasetVersionDetail | null>(null);
  const [error, setError] = useState("");
  const [asked, setAsked] = useState(false);
  const load = () => {
    if (asked) return;
    setAsked(true);
    api<DatasetVersionDetail>(`/datasets/${id}/`)
      .then(setDetail)
      .catch((e: unknown) => setError(errorText(e)));
  };
  return (
    <details className="manifest" onToggle={(e) => (e.currentTarget.open ? load() : undefined)}>
      <summary>Files and checksums</summary>
      {error && <p className="error">{error}</p>}
      {!detail && !error && <p className="muted">Loading…</p>}
      {detail &&
        Object.entries(detail.manifest).map(([format, entries]) => (
          <div key={format} data-format={format}>
            <h4>
              {FORMAT_TITLES[format] ?? format} <span className="muted">({format}.zip, sha256 {detail.files[format]?.sha256})</span>
            </h4>
            <table className="manifest-table">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Size</th>
                  <th scope="col">sha256</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <tr key={entry.path}>
                    <td>{entry.path}</td>
                    <td>{formatBytes(entry.size)}</td>
                    <td className="hash">{entry.sha256}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </details>
  );
}

function VersionCard({
  version,
  trackedJob,
  onDone,
}: {
  version: DatasetVersion;
  trackedJob: number | null;
  onDone: () => void;
}) {
  const rows = countRows(version.counts);
  return (
    <article className="version panel" data-version={version.number} data-status={version.status}>
      <header className="row">
        <h3 className="grow">
          Version {version.number}
          {version.name && <span className="version-name"> · {version.name}</span>}
        </h3>
        <span className={`version-status status-${version.status}`}>{version.status}</span>
      </header>
      <p className="muted">
        Created by {version.created_by ?? "—"} on {when(version.created_at)}
        {version.built_at && <> · built {when(version.built_at)}</>}
      </p>
      <p className="muted small">
        Filters: {settingsText(version.filters, "all images")} · Split: {splitText(version.split)} ·
        Options: {settingsText(version.options, "labels only")}
      </p>
      {version.status === "building" && version.job !== null && version.job !== trackedJob && (
        <JobTracker id={version.job} onDone={onDone} />
      )}
      {version.status === "building" && version.job === trackedJob && (
        <p className="muted">Building: progress above.</p>
      )}
      {version.status === "failed" && (
        <p className="error" role="alert">
          The build failed: {version.error || "no message."}
        </p>
      )}
      {version.status === "ready" && (
        <>
          <table className="counts" aria-label={`Counts of version ${version.number}`}>
            <thead>
              <tr>
                <th scope="col">Count</th>
                {SPLITS.map((s) => (
                  <th scope="col" key={s}>
                    {s}
                  </th>
                ))}
                <th scope="col">total</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.what}>
                  <th scope="row">{row.what}</th>
                  {row.perSplit.map((n, i) => (
                    <td key={SPLITS[i]}>{n}</td>
                  ))}
                  <td>{row.total}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row downloads">
            <span>Download:</span>
            {version.formats.map((format) => (
              <a
                key={format}
                className="button secondary"
                href={downloadUrl(version.id, format)}
                download
                aria-label={`Download ${FORMAT_TITLES[format] ?? format} of version ${version.number}`}
              >
                {FORMAT_TITLES[format] ?? format}
                {version.files[format] && <span className="size"> ({formatBytes(version.files[format].size)})</span>}
              </a>
            ))}
          </div>
          <Manifest id={version.id} />
        </>
      )}
    </article>
  );
}

export function VersionList({
  versions,
  trackedJob,
  onDone,
}: {
  versions: DatasetVersion[] | null;
  trackedJob: number | null;
  onDone: () => void;
}) {
  if (versions === null) return <p className="muted">Loading…</p>;
  if (versions.length === 0) return <p className="muted">No dataset version yet.</p>;
  return (
    <>
      {versions.map((version) => (
        <VersionCard key={version.id} version={version} trackedJob={trackedJob} onDone={onDone} />
      ))}
    </>
  );
}
