// The image's classification tags: positive / negative / clear for each tag class
// (POST /api/v1/images/{id}/tags/), a default class remembered per event, and the T key
// that cycles the default class: unlabelled -> positive -> negative -> unlabelled.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, errorText } from "../../lib/api";
import type { ImageData, TagState } from "../../lib/types";
import { useEditor } from "../EditorContext";
import "../mask/mask.css";
import { isTyping } from "../hotkeys";
import { defaultTagClass, defaultTagKey, nextTagState, tagStateOf } from "./tagState";

const STATES: { state: TagState | null; label: string; className: string }[] = [
  { state: "positive", label: "Yes", className: "positive" },
  { state: "negative", label: "No", className: "negative" },
  { state: null, label: "Clear", className: "clear" },
];

function readRemembered(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function TagsPanel() {
  const { state, dispatch, notify, data } = useEditor();
  const { image } = state;
  const tagClasses = state.classes.filter((c) => c.kind === "tag");
  const storageKey = defaultTagKey(image.event);
  const [remembered, setRemembered] = useState<string | null>(() => readRemembered(storageKey));
  const [busy, setBusy] = useState<number | null>(null);
  const fallback = defaultTagClass(tagClasses, remembered);
  const canEdit = data.can.annotate;

  const setTag = useCallback(
    async (classId: number, tagState: TagState | null) => {
      setBusy(classId);
      try {
        const updated = await api<ImageData>(`/images/${image.id}/tags/`, {
          method: "POST",
          body: { label_class: classId, state: tagState },
        });
        dispatch({ type: "image", image: updated });
        const name = state.classes.find((c) => c.id === classId)?.name ?? `class ${classId}`;
        notify(tagState ? `${name}: ${tagState}.` : `${name}: cleared.`);
      } catch (e) {
        notify(errorText(e), "error");
      } finally {
        setBusy(null);
      }
    },
    [image.id, dispatch, notify, state.classes],
  );

  // T toggles the default class (the latest state is read through a ref).
  const latest = useRef({ fallback, tags: image.tags, setTag, canEdit, busy });
  useEffect(() => {
    latest.current = { fallback, tags: image.tags, setTag, canEdit, busy };
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "t" && e.key !== "T") return;
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e.target)) return;
      const { fallback: cls, tags, setTag: set, canEdit: allowed, busy: pending } = latest.current;
      if (!cls || !allowed || pending !== null) return;
      e.preventDefault();
      void set(cls.id, nextTagState(tagStateOf(tags, cls.id)));
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const choose = (value: string) => {
    setRemembered(value);
    try {
      window.localStorage.setItem(storageKey, value);
    } catch {
      // not remembered, still used on this page
    }
  };

  return (
    <section className="tags-panel" aria-labelledby="editor-tags">
      <h2 id="editor-tags">Image tags</h2>
      {tagClasses.length === 0 ? (
        <p className="muted">This event has no tag classes (add them in the event settings).</p>
      ) : (
        <>
          <ul className="tag-list">
            {tagClasses.map((cls) => {
              const current = tagStateOf(image.tags, cls.id);
              return (
                <li key={cls.id} data-tag-class={cls.id}>
                  <span className="swatch" style={{ background: cls.color }} aria-hidden />
                  <span className="tag-name" title={cls.name}>
                    {cls.name}
                    {fallback?.id === cls.id && <span className="kbd" title="Press T to toggle">T</span>}
                  </span>
                  <span className="tag-states" role="group" aria-label={`${cls.name}: tag state`}>
                    {STATES.map(({ state: s, label, className }) => (
                      <button
                        key={className}
                        type="button"
                        className={className}
                        aria-pressed={current === s}
                        aria-label={`${cls.name}: ${s ?? "not labelled"}`}
                        title={s ?? "not labelled (clear)"}
                        disabled={!canEdit || busy === cls.id}
                        onClick={() => void setTag(cls.id, s)}
                      >
                        {label}
                      </button>
                    ))}
                  </span>
                </li>
              );
            })}
          </ul>
          <div className="row">
            <label htmlFor="editor-default-tag">Default (T)</label>
            <select
              id="editor-default-tag"
              value={fallback ? String(fallback.id) : ""}
              onChange={(e) => choose(e.target.value)}
            >
              {tagClasses.map((cls) => (
                <option key={cls.id} value={cls.id}>
                  {cls.name}
                </option>
              ))}
            </select>
          </div>
        </>
      )}
    </section>
  );
}
