// The event's name, description, phenomenon and time range (whole UTC days).
import { useState } from "react";
import { api, errorText } from "../lib/api";
import type { EventData } from "../lib/types";
import { fromDateInput, toDateInput } from "./dates";

interface Props {
  event: EventData;
  editable: boolean;
  onSaved: (event: EventData) => void;
}

export function EventDetails({ event, editable, onSaved }: Props) {
  const [name, setName] = useState(event.name);
  const [description, setDescription] = useState(event.description);
  const [phenomenon, setPhenomenon] = useState(event.phenomenon);
  const [start, setStart] = useState(toDateInput(event.starts_at));
  const [end, setEnd] = useState(toDateInput(event.ends_at));
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      const updated = await api<EventData>(`/events/${event.id}/`, {
        method: "PATCH",
        body: {
          name,
          description,
          phenomenon,
          starts_at: fromDateInput(start, "start"),
          ends_at: fromDateInput(end, "end"),
        },
      });
      onSaved(updated);
      setError("");
      setSaved("Details saved.");
    } catch (err) {
      setSaved("");
      setError(errorText(err));
    }
  };

  return (
    <section className="panel" aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <fieldset disabled={!editable} className="plain">
          <div className="stack">
            <label>
              Name
              <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
            </label>
            <label>
              Phenomenon
              <input value={phenomenon} onChange={(e) => setPhenomenon(e.target.value)} maxLength={100} />
            </label>
            <div className="row">
              <label>
                Starts (UTC)
                <input type="date" value={start} onChange={(e) => setStart(e.target.value)} />
              </label>
              <label>
                Ends (UTC)
                <input type="date" value={end} onChange={(e) => setEnd(e.target.value)} />
              </label>
            </div>
            <label>
              Description
              <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={4} />
            </label>
          </div>
        </fieldset>
        {editable && (
          <div className="row">
            <button type="submit">Save details</button>
            {saved && (
              <span className="success" role="status">
                {saved}
              </span>
            )}
          </div>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
