// The dialog a 409 opens: the other person's change (who, when, what) and two choices.
import { useEffect, useRef } from "react";
import type { Conflict } from "./conflict";
import "./conflict.css";

export type ConflictChoice = "theirs" | "mine";

export function ConflictDialog({
  conflict,
  onChoose,
}: {
  conflict: Conflict;
  onChoose: (choice: ConflictChoice) => void;
}) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  const { mine, theirs, who, when, changed, attempted } = conflict;
  const whenText = when ? new Date(when).toLocaleString() : "recently";
  return (
    <div className="conflict-backdrop">
      <div
        className="conflict-dialog panel"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="conflict-title"
        aria-describedby="conflict-body"
      >
        <h2 id="conflict-title">Someone else changed this object</h2>
        <div id="conflict-body">
          {theirs ? (
            <p>
              <strong>{who ?? "Another user"}</strong> saved {mine.kind} #{mine.id} at {whenText} (version{" "}
              {theirs.version}; you had version {mine.version}).
            </p>
          ) : (
            <p>
              {mine.kind} #{mine.id} has been deleted by someone else.
            </p>
          )}
          {theirs && (
            <>
              <p>What they changed:</p>
              <ul className="conflict-changes">
                {changed.length ? changed.map((c) => <li key={c}>{c}</li>) : <li>nothing visible</li>}
              </ul>
            </>
          )}
          <p className="muted">
            Your change: {attempted === "delete" ? "delete the object" : Object.keys(attempted).join(", ")}.
          </p>
        </div>
        <div className="row">
          <button type="button" ref={first} className="secondary" onClick={() => onChoose("theirs")}>
            Reload theirs
          </button>
          <button type="button" onClick={() => onChoose("mine")} disabled={!theirs && attempted === "delete"}>
            Overwrite with mine
          </button>
        </div>
      </div>
    </div>
  );
}
