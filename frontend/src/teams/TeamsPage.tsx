// /teams/: the user's teams with their role, a form to create one, and the selected
// team's members (invite, change role, remove) as far as the user's role allows.
import { useEffect, useState } from "react";
import { api, errorText, type Page } from "../lib/api";
import type { Team } from "../lib/types";
import { Members } from "./Members";
import "./teams.css";

function teamFromUrl(): number | null {
  const id = Number(new URLSearchParams(window.location.search).get("team"));
  return Number.isInteger(id) && id > 0 ? id : null;
}

export function TeamsPage() {
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [selected, setSelected] = useState<number | null>(teamFromUrl);
  const [error, setError] = useState("");

  const [tick, setTick] = useState(0);
  useEffect(() => {
    api<Page<Team>>("/teams/", { query: { page_size: 1000 } })
      .then((page) => setTeams(page.results))
      .catch((e: unknown) => setError(errorText(e)));
  }, [tick]);

  const select = (id: number) => {
    setSelected(id);
    window.history.replaceState(null, "", `?team=${id}`);
  };
  const team = teams?.find((t) => t.id === selected) ?? teams?.[0] ?? null;

  return (
    <>
      <h1>Teams</h1>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="teams-layout">
        <div>
          <section className="panel" aria-labelledby="your-teams">
            <h2 id="your-teams">Your teams</h2>
            {teams === null && <p className="muted">Loading…</p>}
            {teams?.length === 0 && <p className="muted">You are not in any team yet. Create one below.</p>}
            <ul className="team-list">
              {teams?.map((t) => (
                <li key={t.id}>
                  <button
                    type="button"
                    className={t.id === team?.id ? "team-choice current" : "team-choice secondary"}
                    aria-pressed={t.id === team?.id}
                    onClick={() => select(t.id)}
                  >
                    <span className="team-name">{t.name}</span>
                    <span className="role-badge">{t.role}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
          <CreateTeam
            onCreated={(created) => {
              select(created.id);
              setTick((t) => t + 1);
            }}
          />
        </div>
        {team && <Members key={team.id} team={team} />}
      </div>
    </>
  );
}

function CreateTeam({ onCreated }: { onCreated: (team: Team) => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const team = await api<Team>("/teams/", { method: "POST", body: { name, description } });
      setName("");
      setDescription("");
      setError("");
      onCreated(team);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="new-team">
      <h2 id="new-team">New team</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <label>
          Team name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        <label>
          Description
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} />
        </label>
        <div className="row">
          <button type="submit" disabled={busy}>
            Create team
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
