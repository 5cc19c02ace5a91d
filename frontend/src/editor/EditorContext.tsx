// What every part of the editor shares: the state and dispatch, and the one way to write
// annotations (create / change / remove), so undo, auto-save and conflicts are handled in
// one place (editor/history.ts wraps these).
import { createContext, useContext } from "react";
import type { PageData } from "../lib/page";
import type { EditorAction, EditorState } from "./store";
import type { Annotation, AnnotationChange, AnnotationDraft } from "./types";

export interface AnnotationWriter {
  create(draft: AnnotationDraft): Promise<Annotation | null>;
  change(annotation: Annotation, change: AnnotationChange): Promise<Annotation | null>;
  remove(annotation: Annotation): Promise<boolean>;
}

export interface EditorContextValue extends AnnotationWriter {
  data: PageData;
  state: EditorState;
  dispatch: (action: EditorAction) => void;
  /** Shows a message in the status line (errors in words). */
  notify(message: string, kind?: "info" | "error"): void;
  /** Undo / redo the last write (editor/history.ts); they re-issue API writes. */
  undo(): Promise<void>;
  redo(): Promise<void>;
  /** Drops the undo/redo steps of an annotation changed outside the writer (a polygon <->
   * mask conversion): replaying them would send the old kind's fields. */
  forget(annotationId: number): void;
  /** How many steps undo keeps (a setting in the help panel, kept in localStorage). */
  historyDepth: number;
  setHistoryDepth(depth: number): void;
}

export const EditorContext = createContext<EditorContextValue | null>(null);

export function useEditor(): EditorContextValue {
  const value = useContext(EditorContext);
  if (!value) throw new Error("useEditor outside the editor");
  return value;
}
