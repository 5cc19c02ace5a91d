// /jobs/: the user's running and recent jobs with progress bars and errors in words.
import { useState } from "react";
import { JobProgress, jobTitle } from "../components/Jobs";
import { api, errorText, type Page } from "../lib/api";
import { mountPage } from "../lib/page";
import type { Job } from "../lib/types";
import { usePolling } from "../lib/usePolling";

function when(value: string | null): string {
  return value ? new Date(value).toLocaleString() : "—";
}

export function JobsPage() {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState("");
  usePolling(async () => {
    try {
      const page = await api<Page<Job>>("/jobs/", { query: { page_size: 50 } });
      setJobs(page.results);
      setError("");
    } catch (e) {
      setError(errorText(e));
    }
  }, 2000);

  const active = jobs?.filter((j) => j.status === "queued" || j.status === "running") ?? [];
  const recent = jobs?.filter((j) => j.status === "succeeded" || j.status === "failed") ?? [];
  return (
    <>
      <h1>Jobs</h1>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <section className="panel" aria-labelledby="running-jobs">
        <h2 id="running-jobs">Running and queued</h2>
        {jobs === null && <p className="muted">Loading…</p>}
        {jobs !== null && active.length === 0 && <p className="muted">No job is running.</p>}
        {active.map((job) => (
          <JobProgress key={job.id} job={job} />
        ))}
      </section>
      <section className="panel" aria-labelledby="recent-jobs">
        <h2 id="recent-jobs">Recent</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col">Event</th>
              <th scope="col">By</th>
              <th scope="col">Finished</th>
              <th scope="col">Message or error</th>
            </tr>
          </thead>
          <tbody>
            {recent.map((job) => (
              <tr key={job.id} data-job-id={job.id}>
                <td>{job.id}</td>
                <td>{jobTitle(job)}</td>
                <td className={job.status === "failed" ? "error" : "success"}>{job.status}</td>
                <td>{job.event ? <a href={`/events/${job.event}/`}>#{job.event}</a> : "—"}</td>
                <td>{job.owner ?? "—"}</td>
                <td>{when(job.finished_at)}</td>
                <td className={job.status === "failed" ? "error" : ""}>
                  {job.status === "failed" ? job.error : job.message}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

mountPage(() => <JobsPage />);
