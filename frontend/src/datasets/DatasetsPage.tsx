// /events/<id>/datasets/: build dataset versions (reviewers and above) and list, download
// and inspect them (every member).
import { useCallback, useState } from "react";
import { api, errorText, type Page } from "../lib/api";
import type { PageData } from "../lib/page";
import type { LabelClass } from "../lib/types";
import { usePolling } from "../lib/usePolling";
import { DatasetForm } from "./DatasetForm";
import { formatChoices } from "./request";
import type { DatasetVersion } from "./types";
import { VersionList } from "./VersionList";
import "./datasets.css";

export function DatasetsPage({ data }: { data: PageData }) {
  const event = data.event;
  const eventId = event?.id ?? null;
  const [versions, setVersions] = useState<DatasetVersion[] | null>(null);
  const [classes, setClasses] = useState<LabelClass[]>([]);
  const [error, setError] = useState("");
  const [trackedJob, setTrackedJob] = useState<number | null>(null);

  const load = useCallback(async () => {
    if (eventId === null) return;
    try {
      const page = await api<Page<DatasetVersion>>(`/events/${eventId}/datasets/`, {
        query: { page_size: 100 },
      });
      setVersions(page.results);
      setError("");
    } catch (e) {
      setError(errorText(e));
    }
  }, [eventId]);

  // The list is loaded now and refreshed: often while a version builds (its status, then
  // its counts and files), seldom otherwise (versions others start).
  const building = versions?.some((v) => v.status === "building") ?? false;
  usePolling(
    async () => {
      await load();
      return true;
    },
    building ? 2000 : 15000,
  );
  usePolling(
    async () => {
      if (eventId !== null && data.can.review) {
        try {
          setClasses(await api<LabelClass[]>(`/events/${eventId}/label-classes/`));
        } catch (e) {
          setError(errorText(e));
        }
      }
      return false;
    },
    60000,
  );

  if (!event) return <p className="error">This page belongs to an event.</p>;

  return (
    <>
      <h1>Datasets</h1>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {data.can.review ? (
        <section className="panel">
          <DatasetForm
            eventId={event.id}
            classes={classes}
            formats={formatChoices(data.extra.formats)}
            onStarted={(jobId) => {
              setTrackedJob(jobId);
              void load();
            }}
            onDone={() => void load()}
          />
        </section>
      ) : (
        <p className="panel muted">
          Building a dataset version needs the reviewer, manager or owner role; your role is{" "}
          {data.role ?? "none"}. You can list and download the versions below.
        </p>
      )}
      <section aria-labelledby="versions-heading">
        <h2 id="versions-heading">Versions</h2>
        <VersionList versions={versions} trackedJob={trackedJob} onDone={() => void load()} />
      </section>
    </>
  );
}
