// Undo / redo. Every write through the editor's writer is recorded with what undoes it;
// undo and redo re-issue API writes. Deleting and re-creating gives a new id, so ids are
// mapped (old -> new) and entries always act on the annotation's current id.
import type { AnnotationWriter } from "./EditorContext";
import type { Annotation, AnnotationChange, AnnotationDraft } from "./types";

export type Operation =
  | { op: "create"; id: number; draft: AnnotationDraft }
  | { op: "remove"; id: number; draft: AnnotationDraft }
  | { op: "change"; id: number; before: AnnotationChange; after: AnnotationChange };

/** The operation that undoes `operation`. */
export function inverse(operation: Operation): Operation {
  switch (operation.op) {
    case "create":
      return { op: "remove", id: operation.id, draft: operation.draft };
    case "remove":
      return { op: "create", id: operation.id, draft: operation.draft };
    case "change":
      return { op: "change", id: operation.id, before: operation.after, after: operation.before };
  }
}

/** What re-creates `annotation` (POST body). */
export function draftOf(annotation: Annotation): AnnotationDraft {
  const draft: AnnotationDraft = {
    kind: annotation.kind,
    label_class: annotation.label_class,
    attributes: annotation.attributes,
  };
  if (annotation.kind === "mask") draft.mask = annotation.mask;
  else draft.geometry = annotation.geometry;
  return draft;
}

/** The annotation's current values of the fields a change touches. */
export function valuesBefore(annotation: Annotation, change: AnnotationChange): AnnotationChange {
  const before: Record<string, unknown> = {};
  for (const key of Object.keys(change) as (keyof AnnotationChange)[]) before[key] = annotation[key];
  return before as AnnotationChange;
}

export const DEPTH_KEY = "labeler.editor.historyDepth";
export const DEFAULT_DEPTH = 100;

export function storedDepth(): number {
  try {
    const value = Number(window.localStorage.getItem(DEPTH_KEY));
    return Number.isInteger(value) && value > 0 ? value : DEFAULT_DEPTH;
  } catch {
    return DEFAULT_DEPTH;
  }
}

export class History {
  private undoStack: Operation[] = [];
  private redoStack: Operation[] = [];
  private ids = new Map<number, number>();
  depth: number;

  constructor(depth = DEFAULT_DEPTH) {
    this.depth = depth;
  }

  setDepth(depth: number): void {
    this.depth = Math.max(1, Math.floor(depth));
    this.undoStack.splice(0, Math.max(0, this.undoStack.length - this.depth));
    this.redoStack.splice(0, Math.max(0, this.redoStack.length - this.depth));
  }

  /** A new user action: undoable, and the redo stack is dropped. */
  record(operation: Operation): void {
    this.undoStack.push(operation);
    this.redoStack = [];
    this.setDepth(this.depth);
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  popUndo(): Operation | undefined {
    return this.undoStack.pop();
  }

  popRedo(): Operation | undefined {
    return this.redoStack.pop();
  }

  pushUndo(operation: Operation): void {
    this.undoStack.push(operation);
  }

  pushRedo(operation: Operation): void {
    this.redoStack.push(operation);
  }

  /** The current id of an annotation first known as `id`. */
  resolve(id: number): number {
    let current = id;
    const seen = new Set<number>();
    while (this.ids.has(current) && !seen.has(current)) {
      seen.add(current);
      current = this.ids.get(current) ?? current;
    }
    return current;
  }

  /** Drops every step that acts on the annotation now known as `id`. */
  forget(id: number): void {
    const current = this.resolve(id);
    const keep = (operation: Operation) => this.resolve(operation.id) !== current;
    this.undoStack = this.undoStack.filter(keep);
    this.redoStack = this.redoStack.filter(keep);
  }

  /** The annotation known as `id` was re-created as `newId`. */
  alias(id: number, newId: number): void {
    const from = this.resolve(id);
    if (from !== newId) this.ids.set(from, newId);
  }
}

/**
 * Applies one operation through the plain writer (no recording). Returns false when the
 * write failed (the writer already told the user why) or the annotation is gone.
 */
export async function apply(
  operation: Operation,
  history: History,
  writer: AnnotationWriter,
  current: (id: number) => Annotation | undefined,
): Promise<boolean> {
  if (operation.op === "create") {
    const saved = await writer.create(operation.draft);
    if (!saved) return false;
    history.alias(operation.id, saved.id);
    return true;
  }
  const annotation = current(history.resolve(operation.id));
  if (!annotation) return false;
  if (operation.op === "remove") return writer.remove(annotation);
  return (await writer.change(annotation, operation.after)) !== null;
}

/** The writer that records every successful write in `history`. */
export function recordingWriter(writer: AnnotationWriter, history: History): AnnotationWriter {
  return {
    async create(draft) {
      const saved = await writer.create(draft);
      if (saved) history.record({ op: "create", id: saved.id, draft });
      return saved;
    },
    async change(annotation, change) {
      const before = valuesBefore(annotation, change);
      const saved = await writer.change(annotation, change);
      if (saved) history.record({ op: "change", id: saved.id, before, after: change });
      return saved;
    },
    async remove(annotation) {
      const done = await writer.remove(annotation);
      if (done) history.record({ op: "remove", id: annotation.id, draft: draftOf(annotation) });
      return done;
    },
  };
}

/** Undo (or redo) the last entry: apply its inverse (or itself) and move it across. */
export async function step(
  direction: "undo" | "redo",
  history: History,
  writer: AnnotationWriter,
  current: (id: number) => Annotation | undefined,
): Promise<Operation | null> {
  const operation = direction === "undo" ? history.popUndo() : history.popRedo();
  if (!operation) return null;
  const ok = await apply(direction === "undo" ? inverse(operation) : operation, history, writer, current);
  if (!ok) {
    // Put it back so nothing is lost; the writer has said what went wrong.
    if (direction === "undo") history.pushUndo(operation);
    else history.pushRedo(operation);
    return null;
  }
  if (direction === "undo") history.pushRedo(operation);
  else history.pushUndo(operation);
  return operation;
}
