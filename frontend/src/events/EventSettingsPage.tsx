// /events/<id>/settings/: the event's details, its area of interest drawn on a map and its
// label classes. Read-only unless the user's role may manage (data.can.manage).
import { useEffect, useState } from "react";
import { api, errorText } from "../lib/api";
import type { PageData } from "../lib/page";
import type { EventData } from "../lib/types";
import { AreaOfInterest } from "./AreaOfInterest";
import { EventDetails } from "./EventDetails";
import { LabelClasses } from "./LabelClasses";
import "./events.css";

export function EventSettingsPage({ data }: { data: PageData }) {
  const eventId = data.event?.id;
  const [event, setEvent] = useState<EventData | null>(null);
  const [error, setError] = useState("");
  const editable = data.can.manage;

  useEffect(() => {
    if (eventId === undefined) return;
    api<EventData>(`/events/${eventId}/`)
      .then(setEvent)
      .catch((e: unknown) => setError(errorText(e)));
  }, [eventId]);

  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!event || eventId === undefined) return <p className="muted">Loading…</p>;
  return (
    <>
      <h2 className="visually-hidden">Event settings</h2>
      {!editable && (
        <p className="panel muted" role="note">
          Your role ({data.role}) can see these settings; managers and owners of the team change
          them.
        </p>
      )}
      <div className="settings-grid">
        <EventDetails event={event} editable={editable} onSaved={setEvent} />
        <AreaOfInterest data={data} event={event} editable={editable} onSaved={setEvent} />
      </div>
      <LabelClasses eventId={eventId} editable={editable} />
    </>
  );
}
