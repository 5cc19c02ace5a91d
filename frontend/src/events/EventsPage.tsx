// /events/: the events of all the user's teams, and a form to create one in a team the
// user manages; a new event opens on its settings page.
import { useEffect, useState } from "react";
import { api, errorText, type Page } from "../lib/api";
import type { EventData, Team } from "../lib/types";
import { canManage } from "../teams/roles";
import { describeRange, fromDateInput } from "./dates";
import "./events.css";

export function EventsPage() {
  const [events, setEvents] = useState<EventData[] | null>(null);
  const [teams, setTeams] = useState<Team[]>([]);
  const [error, setError] = useState("");

  useEffect(() => {
    Promise.all([
      api<Page<EventData>>("/events/", { query: { page_size: 1000 } }),
      api<Page<Team>>("/teams/", { query: { page_size: 1000 } }),
    ])
      .then(([eventPage, teamPage]) => {
        setEvents(eventPage.results);
        setTeams(teamPage.results);
      })
      .catch((e: unknown) => setError(errorText(e)));
  }, []);

  const teamName = (id: number) => teams.find((t) => t.id === id)?.name ?? `#${id}`;
  const managed = teams.filter((t) => canManage(t.role));
  return (
    <>
      <h1>Events</h1>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <section className="panel" aria-labelledby="events-heading">
        <h2 id="events-heading">Events of your teams</h2>
        {events === null && !error && <p className="muted">Loading…</p>}
        {events?.length === 0 && <p className="muted">No event yet.</p>}
        {events !== null && events.length > 0 && (
          <table className="events-table">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Team</th>
                <th scope="col">Phenomenon</th>
                <th scope="col">Dates (UTC)</th>
                <th scope="col">Open</th>
              </tr>
            </thead>
            <tbody>
              {events.map((ev) => (
                <tr key={ev.id} data-event-id={ev.id}>
                  <td>
                    <a href={`/events/${ev.id}/`} className="event-name">
                      {ev.name}
                    </a>
                    {ev.description && <div className="muted clamp">{ev.description}</div>}
                  </td>
                  <td>{teamName(ev.team)}</td>
                  <td>{ev.phenomenon || "—"}</td>
                  <td>{describeRange(ev.starts_at, ev.ends_at)}</td>
                  <td className="links">
                    <a href={`/events/${ev.id}/`} aria-label={`Map of ${ev.name}`}>
                      Map
                    </a>
                    <a href={`/events/${ev.id}/gallery/`} aria-label={`Gallery of ${ev.name}`}>
                      Gallery
                    </a>
                    <a href={`/events/${ev.id}/datasets/`} aria-label={`Datasets of ${ev.name}`}>
                      Datasets
                    </a>
                    <a href={`/events/${ev.id}/settings/`} aria-label={`Settings of ${ev.name}`}>
                      Settings
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {events !== null && <CreateEvent teams={managed} />}
    </>
  );
}

function CreateEvent({ teams }: { teams: Team[] }) {
  const [team, setTeam] = useState<number | "">(teams[0]?.id ?? "");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [phenomenon, setPhenomenon] = useState("");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  if (teams.length === 0)
    return (
      <section className="panel" aria-labelledby="new-event">
        <h2 id="new-event">New event</h2>
        <p className="muted">
          Events are created by managers and owners of a team. <a href="/teams/">Create a team</a> to
          start one.
        </p>
      </section>
    );

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const created = await api<EventData>("/events/", {
        method: "POST",
        body: {
          team: team === "" ? teams[0]?.id : team,
          name,
          description,
          phenomenon,
          starts_at: fromDateInput(start, "start"),
          ends_at: fromDateInput(end, "end"),
        },
      });
      window.location.assign(`/events/${created.id}/settings/`);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="new-event">
      <h2 id="new-event">New event</h2>
      <form className="event-form" onSubmit={(e) => void submit(e)}>
        <label>
          Team
          <select aria-label="Team" value={team} onChange={(e) => setTeam(Number(e.target.value))}>
            {teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        <label>
          Phenomenon
          <input
            value={phenomenon}
            onChange={(e) => setPhenomenon(e.target.value)}
            maxLength={100}
            placeholder="flood, dust, cloud streets…"
          />
        </label>
        <label>
          Starts (UTC)
          <input type="date" value={start} onChange={(e) => setStart(e.target.value)} />
        </label>
        <label>
          Ends (UTC)
          <input type="date" value={end} onChange={(e) => setEnd(e.target.value)} />
        </label>
        <label className="wide">
          Description
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} />
        </label>
        <div className="row wide">
          <button type="submit" disabled={busy}>
            Create event
          </button>
          {error && (
            <span className="error" role="alert">
              {error}
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
