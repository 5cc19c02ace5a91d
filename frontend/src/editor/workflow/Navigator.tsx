// Previous / next image through the gallery's filter and ordering (the query string the
// editor was opened with), optionally skipping images labelled by another user and images
// another user has open; keys [ and ]. Moving keeps the query string.
import { useEffect, useState } from "react";
import { api, errorText } from "../../lib/api";
import { useEditor } from "../EditorContext";
import { clockTime, useLockState } from "./session";
import { isTyping } from "../hotkeys";
import { editorUrl, galleryQuery, galleryUrl, navigationKey, neighboursQuery, readSkips, writeSkips, type Skips } from "./work";
import "./workflow.css";

interface Neighbours {
  previous: number | null;
  next: number | null;
  position: number | null;
  count: number;
}

export function Navigator() {
  const { data, state } = useEditor();
  const imageId = state.image.id;
  const eventId = data.event?.id ?? state.image.event;
  const filters = typeof data.extra.filters === "string" ? data.extra.filters : "";
  const [skips, setSkips] = useState<Skips>(() => readSkips());
  const [result, setResult] = useState<{ query: string; neighbours: Neighbours } | null>(null);
  const [error, setError] = useState("");
  const lock = useLockState();

  const query = neighboursQuery(filters, skips);
  useEffect(() => {
    const controller = new AbortController();
    api<Neighbours>(`/images/${imageId}/neighbours/${query ? `?${query}` : ""}`, { signal: controller.signal })
      .then((neighbours) => {
        setResult({ query, neighbours });
        setError("");
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(errorText(e));
      });
    return () => controller.abort();
  }, [imageId, query]);
  // Only the answer to the current options counts (no move to a stale neighbour).
  const found = result?.query === query ? result.neighbours : null;

  const go = (id: number | null | undefined) => {
    if (id) window.location.assign(editorUrl(id, filters));
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target)) return;
      const where = navigationKey(e);
      if (!where || !found) return;
      const id = where === "next" ? found.next : found.previous;
      if (!id) return;
      e.preventDefault();
      window.location.assign(editorUrl(id, filters));
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [found, filters]);

  const changeSkips = (next: Skips) => {
    setSkips(next);
    writeSkips(next);
  };

  const filtered = galleryQuery(filters) !== "";
  let position = "";
  if (found) {
    const where = found.position ? `${found.position.toLocaleString()} of ${found.count.toLocaleString()}` : `not in the list of ${found.count.toLocaleString()}`;
    position = filtered ? `${where} (filtered)` : where;
  }
  return (
    <nav className="editor-nav" aria-label="Images of the gallery">
      <a href={galleryUrl(eventId, filters)} title={filtered ? "The gallery with the same filters and sort" : "The gallery"}>
        ← Gallery
      </a>
      <span className="editor-nav-name" title={state.image.name}>
        {state.image.name}
      </span>
      <button type="button" className="secondary" disabled={!found?.previous} onClick={() => go(found?.previous)} aria-keyshortcuts="[" data-target={found?.previous ?? ""} title="Previous image ([)">
        ‹ Previous
      </button>
      <span className="editor-nav-pos muted" data-testid="nav-position" aria-live="polite">
        {position}
      </span>
      <button type="button" className="secondary" disabled={!found?.next} onClick={() => go(found?.next)} aria-keyshortcuts="]" data-target={found?.next ?? ""} title="Next image (])">
        Next ›
      </button>
      <span className="muted" aria-hidden="true">
        <span className="kbd">[</span> <span className="kbd">]</span>
      </span>
      <label>
        <input type="checkbox" title="Skip images with annotations or tags by another user" checked={skips.labelledByOthers} onChange={(e) => changeSkips({ ...skips, labelledByOthers: e.target.checked })} />
        Skip labelled by others
      </label>
      <label>
        <input type="checkbox" title="Skip images another user has open in the editor" checked={skips.locked} onChange={(e) => changeSkips({ ...skips, locked: e.target.checked })} />
        Skip open by others
      </label>
      {lock.status === "other" && (
        <span className="work-warning" data-testid="nav-lock-warning">
          Also open by <strong>{lock.holder}</strong> until {clockTime(lock.until)}
        </span>
      )}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </nav>
  );
}
