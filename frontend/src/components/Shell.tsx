// The frame of every page: the top bar (product, teams, events, jobs, user, sign out), the
// event's own tabs on an event's pages, and the running-jobs indicator.
import type { ReactNode } from "react";
import { csrfToken } from "../lib/api";
import type { PageData } from "../lib/page";
import { RunningJobsBadge } from "./Jobs";

const EVENT_TABS: { page: string; label: string; path: (id: number) => string }[] = [
  { page: "event-map", label: "Map", path: (id) => `/events/${id}/` },
  { page: "gallery", label: "Gallery", path: (id) => `/events/${id}/gallery/` },
  { page: "uploads", label: "Uploads", path: (id) => `/events/${id}/uploads/` },
  { page: "datasets", label: "Datasets", path: (id) => `/events/${id}/datasets/` },
  { page: "event-settings", label: "Settings", path: (id) => `/events/${id}/settings/` },
];

export function Shell({ data, children }: { data: PageData; children: ReactNode }) {
  const event = data.event;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href="/">
          labeler
        </a>
        <nav aria-label="Main">
          <a href="/events/" aria-current={data.page === "events" ? "page" : undefined}>
            Events
          </a>
          <a href="/teams/" aria-current={data.page === "teams" ? "page" : undefined}>
            Teams
          </a>
          <a href="/jobs/" aria-current={data.page === "jobs" ? "page" : undefined}>
            Jobs <RunningJobsBadge />
          </a>
          <a href="/api/docs/">API</a>
        </nav>
        <div className="user">
          <span>
            Signed in as <strong>{data.user.username}</strong>
          </span>
          <form method="post" action="/logout/">
            <input type="hidden" name="csrfmiddlewaretoken" value={csrfToken()} />
            <button type="submit" className="link-button">
              Sign out
            </button>
          </form>
        </div>
      </header>
      {event && (
        <div className="eventbar">
          <div>
            <span className="eventbar-team">{event.team_name}</span>{" "}
            <h1 className="eventbar-name">{event.name}</h1>
            {data.role && <span className="role-badge">{data.role}</span>}
          </div>
          <nav aria-label="Event">
            {EVENT_TABS.map((tab) => (
              <a
                key={tab.page}
                href={tab.path(event.id)}
                aria-current={data.page === tab.page ? "page" : undefined}
              >
                {tab.label}
              </a>
            ))}
          </nav>
        </div>
      )}
      <main id="main" className={`page page-${data.page}`}>
        {children}
      </main>
    </>
  );
}
