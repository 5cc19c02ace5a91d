// Jobs as a person sees them: a progress bar with the job's message, its error in words,
// and the count of running jobs in the top bar. Jobs are polled (/api/v1/jobs/{id}/).
import { useState } from "react";
import { api, type Page } from "../lib/api";
import { jobFinished, type Job } from "../lib/types";
import { usePolling } from "../lib/usePolling";

export const JOB_KINDS: Record<string, string> = {
  ingest_upload: "Ingest upload",
  extract: "Imagery extraction",
  build_dataset: "Dataset build",
  import_labels: "Label import",
  event_summary: "Event summary",
};

export function jobTitle(job: Job): string {
  return JOB_KINDS[job.kind] ?? job.kind.replace(/_/g, " ");
}

/** The job, polled every `ms` until it has finished; onDone is called once, at the end. */
export function useJob(id: number | null, onDone?: (job: Job) => void, ms = 1000): Job | null {
  const [job, setJob] = useState<Job | null>(null);
  const [doneFor, setDoneFor] = useState<number | null>(null);
  usePolling(
    async () => {
      if (id === null) return false;
      const next = await api<Job>(`/jobs/${id}/`);
      setJob(next);
      if (jobFinished(next)) {
        if (doneFor !== id) {
          setDoneFor(id);
          onDone?.(next);
        }
        return false;
      }
      return true;
    },
    ms,
    id !== null,
  );
  return job && job.id === id ? job : null;
}

export function JobProgress({ job }: { job: Job }) {
  const percent = Math.round(job.progress * 100);
  return (
    <div className={`job job-${job.status}`} data-job-id={job.id} data-job-status={job.status}>
      <div className="job-head">
        <strong>{jobTitle(job)}</strong> <span className="job-status">{job.status}</span>
        {job.status === "running" && <span> · {percent}%</span>}
      </div>
      <progress
        max={100}
        value={job.status === "succeeded" ? 100 : percent}
        aria-label={`${jobTitle(job)} progress`}
      />
      {job.message && job.status !== "failed" && <div className="job-message">{job.message}</div>}
      {job.status === "failed" && (
        <div className="error" role="alert">
          {job.error || "The job failed without a message."}
        </div>
      )}
    </div>
  );
}

/** Progress of one job by id (polls it); renders nothing until the first answer. */
export function JobTracker({ id, onDone }: { id: number; onDone?: (job: Job) => void }) {
  const job = useJob(id, onDone);
  return job ? <JobProgress job={job} /> : <div className="muted">Starting job #{id}…</div>;
}

export function RunningJobsBadge() {
  const [count, setCount] = useState(0);
  usePolling(async () => {
    const [queued, running] = await Promise.all([
      api<Page<Job>>("/jobs/", { query: { status: "queued", page_size: 1 } }),
      api<Page<Job>>("/jobs/", { query: { status: "running", page_size: 1 } }),
    ]);
    setCount(queued.count + running.count);
  }, 5000);
  if (count === 0) return null;
  return (
    <span className="badge" aria-label={`${count} jobs running or queued`}>
      {count}
    </span>
  );
}
