// Image lock, labelling time and the image's perceived difficulty (editor-workflow).
//
// On open the editor takes the image's lock (renewed every minute, released on leave) and
// counts active time: the page visible and input in the last minute. The time goes to the
// server every 30 s, when the tab is hidden and on leave (fetch keepalive on pagehide).
// Tests shorten the intervals with window.__workReportMs / window.__workLockMs, read at
// start.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, errorText } from "../../lib/api";
import { useEditor } from "../EditorContext";
import { clockTime, getLockState, requestLock, sendOnLeave, setLockState, useLockState } from "./session";
import { ActivityClock, formatDuration } from "./work";
import "./workflow.css";

declare global {
  interface Window {
    __workReportMs?: number;
    __workLockMs?: number;
  }
}

export interface WorkLogData {
  image: number;
  seconds: number;
  difficulty: number | null;
  updated_at: string | null;
  total_seconds: number | null;
  users: { user: string; seconds: number; difficulty: number | null; updated_at: string }[] | null;
}

const REPORT_MS = 30_000;
const LOCK_MS = 60_000;
const DIFFICULTIES: { value: number; label: string }[] = [
  { value: 1, label: "very easy" },
  { value: 2, label: "easy" },
  { value: 3, label: "medium" },
  { value: 4, label: "hard" },
  { value: 5, label: "very hard" },
];

export function WorkPanel() {
  const { data, state, notify } = useEditor();
  const imageId = state.image.id;
  const canAnnotate = data.can.annotate;
  const lock = useLockState();
  const [log, setLog] = useState<WorkLogData | null>(null);
  const [unsent, setUnsent] = useState(0);
  const [error, setError] = useState("");
  const clock = useRef<ActivityClock | null>(null);

  useEffect(() => {
    let cancelled = false;
    api<WorkLogData>(`/images/${imageId}/worklog/`)
      .then((found) => {
        if (!cancelled) setLog(found);
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(errorText(e));
      });
    return () => {
      cancelled = true;
    };
  }, [imageId]);

  // The lock: taken on open, renewed every minute, released on leave.
  useEffect(() => {
    if (!canAnnotate) return;
    let active = true;
    const take = async () => {
      const next = await requestLock(imageId);
      if (active) setLockState(next);
    };
    void take();
    const timer = window.setInterval(() => void take(), window.__workLockMs ?? LOCK_MS);
    const leave = () => {
      if (getLockState().status === "mine") sendOnLeave(`/images/${imageId}/lock/`, "DELETE");
      setLockState({ status: "none" });
    };
    const back = (e: PageTransitionEvent) => {
      if (e.persisted) void take(); // restored from the back/forward cache
    };
    window.addEventListener("pagehide", leave);
    window.addEventListener("pageshow", back);
    return () => {
      active = false;
      window.clearInterval(timer);
      window.removeEventListener("pagehide", leave);
      window.removeEventListener("pageshow", back);
      leave();
    };
  }, [imageId, canAnnotate]);

  // Labelling time.
  useEffect(() => {
    if (!canAnnotate) return;
    const timing = new ActivityClock(Date.now(), { visible: document.visibilityState === "visible" });
    clock.current = timing;
    let sending = false;
    const report = async () => {
      if (sending) return;
      const seconds = timing.take(Date.now());
      if (seconds <= 0) return;
      sending = true;
      try {
        setLog(await api<WorkLogData>(`/images/${imageId}/worklog/`, { method: "POST", body: { seconds } }));
        setError("");
      } catch (e) {
        timing.giveBack(seconds);
        setError(errorText(e));
      } finally {
        sending = false;
      }
    };
    const onInput = () => timing.input(Date.now());
    const onVisibility = () => {
      timing.visibility(document.visibilityState === "visible", Date.now());
      if (document.visibilityState === "hidden") void report();
    };
    const onLeave = () => {
      const seconds = timing.flush(Date.now());
      if (seconds > 0) sendOnLeave(`/images/${imageId}/worklog/`, "POST", { seconds });
    };
    const inputs = ["pointerdown", "pointermove", "keydown", "wheel"] as const;
    inputs.forEach((name) => window.addEventListener(name, onInput, { capture: true, passive: true }));
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("pagehide", onLeave);
    const reporter = window.setInterval(() => void report(), window.__workReportMs ?? REPORT_MS);
    const ticker = window.setInterval(() => setUnsent(Math.floor(timing.pending(Date.now()) / 1000)), 1000);
    return () => {
      inputs.forEach((name) => window.removeEventListener(name, onInput, { capture: true }));
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("pagehide", onLeave);
      window.clearInterval(reporter);
      window.clearInterval(ticker);
      onLeave();
      clock.current = null;
    };
  }, [imageId, canAnnotate]);

  const setDifficulty = useCallback(
    async (difficulty: number | null) => {
      const before = log?.difficulty ?? null;
      setLog((current) => (current ? { ...current, difficulty } : current)); // shown at once
      try {
        const saved = await api<WorkLogData>(`/images/${imageId}/worklog/`, { method: "POST", body: { difficulty } });
        setLog(saved);
        setError("");
        notify(difficulty === null ? "Difficulty cleared." : `Difficulty ${difficulty} of 5 saved.`);
      } catch (e) {
        setLog((current) => (current ? { ...current, difficulty: before } : current));
        setError(errorText(e));
      }
    },
    [imageId, notify, log?.difficulty],
  );

  const seconds = (log?.seconds ?? 0) + unsent;
  return (
    <section aria-labelledby="work-title" className="work-panel">
      <h2 id="work-title">Work</h2>
      {lock.status === "other" && (
        <p className="work-warning" role="alert" data-testid="lock-warning">
          Also open by <strong>{lock.holder}</strong> until {clockTime(lock.until)}.
        </p>
      )}
      {lock.status === "mine" && (
        <p className="muted" data-testid="lock-state">
          Reserved for you until {clockTime(lock.until)} (renewed while open).
        </p>
      )}
      {lock.status === "error" && <p className="error">{lock.message}</p>}
      <div>
        Your time on this image:{" "}
        <strong className="work-time" data-testid="work-time" data-seconds={log?.seconds ?? 0}>
          {formatDuration(seconds)}
        </strong>
      </div>
      {!canAnnotate && <p className="muted">Viewers' time is not recorded.</p>}
      {canAnnotate && (
        <fieldset className="work-difficulty">
          <legend>How hard is this image to label?</legend>
          <div className="work-difficulty-options">
            {DIFFICULTIES.map((d) => (
              <label key={d.value} title={d.label}>
                <input
                  type="radio"
                  name="work-difficulty"
                  value={d.value}
                  checked={log?.difficulty === d.value}
                  aria-label={`Difficulty ${d.value}: ${d.label}`}
                  onChange={() => void setDifficulty(d.value)}
                />
                {d.value}
              </label>
            ))}
            <button type="button" className="secondary" disabled={!log?.difficulty} onClick={() => void setDifficulty(null)}>
              Clear
            </button>
          </div>
          <div className="muted" style={{ fontSize: "0.78rem" }}>
            1 very easy · 5 very hard
          </div>
        </fieldset>
      )}
      {log?.users && (
        <details>
          <summary>Team time: {formatDuration(log.total_seconds ?? 0)}</summary>
          <ul className="work-users">
            {log.users.map((u) => (
              <li key={u.user}>
                {u.user}: {formatDuration(u.seconds)}
                {u.difficulty !== null && `, difficulty ${u.difficulty}`}
              </li>
            ))}
            {log.users.length === 0 && <li>nobody yet</li>}
          </ul>
        </details>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
