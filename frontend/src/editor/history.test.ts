import { describe, expect, it } from "vitest";
import type { AnnotationWriter } from "./EditorContext";
import { draftOf, History, inverse, recordingWriter, step, valuesBefore } from "./history";
import type { Annotation, AnnotationChange, AnnotationDraft } from "./types";

/** An in-memory writer: ids grow like the database's. */
function memoryWriter() {
  const rows = new Map<number, Annotation>();
  let next = 1;
  const writer: AnnotationWriter = {
    async create(draft: AnnotationDraft) {
      const a = {
        id: next++,
        image: 1,
        label_class: draft.label_class,
        kind: draft.kind,
        geometry: draft.geometry ?? null,
        mask: draft.mask ?? null,
        attributes: draft.attributes ?? {},
        version: 1,
      } as Annotation;
      rows.set(a.id, a);
      return a;
    },
    async change(annotation: Annotation, change: AnnotationChange) {
      const row = rows.get(annotation.id);
      if (!row) return null;
      const updated = { ...row, ...change, version: row.version + 1 } as Annotation;
      rows.set(row.id, updated);
      return updated;
    },
    async remove(annotation: Annotation) {
      return rows.delete(annotation.id);
    },
  };
  return { rows, writer };
}

const point = { type: "Point" as const, coordinates: [1, 2] };

describe("inverse operations", () => {
  it("swaps create and remove, and before and after", () => {
    const draft = { kind: "point" as const, label_class: 3, geometry: point };
    expect(inverse({ op: "create", id: 1, draft })).toEqual({ op: "remove", id: 1, draft });
    expect(inverse({ op: "remove", id: 1, draft })).toEqual({ op: "create", id: 1, draft });
    expect(inverse({ op: "change", id: 1, before: { label_class: 1 }, after: { label_class: 2 } })).toEqual({
      op: "change",
      id: 1,
      before: { label_class: 2 },
      after: { label_class: 1 },
    });
  });

  it("keeps the values a change replaces", () => {
    const a = { id: 1, label_class: 4, geometry: point, attributes: { x: 1 } } as unknown as Annotation;
    expect(valuesBefore(a, { label_class: 5 })).toEqual({ label_class: 4 });
    expect(draftOf({ ...a, kind: "point" } as Annotation)).toEqual({
      kind: "point",
      label_class: 4,
      attributes: { x: 1 },
      geometry: point,
    });
  });
});

describe("undo and redo", () => {
  it("undoes a create by deleting and redoes it under a new id, mapped", async () => {
    const { rows, writer } = memoryWriter();
    const history = new History(10);
    const recorded = recordingWriter(writer, history);
    const created = await recorded.create({ kind: "point", label_class: 1, geometry: point });
    expect(created?.id).toBe(1);
    await recorded.change(rows.get(1) as Annotation, { label_class: 2 });
    expect(rows.get(1)?.label_class).toBe(2);

    const current = (id: number) => rows.get(id);
    await step("undo", history, writer, current);
    expect(rows.get(1)?.label_class).toBe(1);
    await step("undo", history, writer, current);
    expect(rows.size).toBe(0);
    await step("redo", history, writer, current);
    expect([...rows.keys()]).toEqual([2]);
    expect(history.resolve(1)).toBe(2);
    await step("redo", history, writer, current);
    expect(rows.get(2)?.label_class).toBe(2);
    expect(await step("redo", history, writer, current)).toBeNull();
    // And back again through the mapped id.
    await step("undo", history, writer, current);
    await step("undo", history, writer, current);
    expect(rows.size).toBe(0);
  });

  it("undoes a delete by re-creating", async () => {
    const { rows, writer } = memoryWriter();
    const history = new History(10);
    const recorded = recordingWriter(writer, history);
    await recorded.create({ kind: "point", label_class: 1, geometry: point });
    await recorded.remove(rows.get(1) as Annotation);
    await step("undo", history, writer, (id) => rows.get(id));
    expect(rows.get(2)?.geometry).toEqual(point);
    await step("undo", history, writer, (id) => rows.get(id));
    expect(rows.size).toBe(0);
  });

  it("keeps at most `depth` steps and drops redo on a new action", async () => {
    const { writer } = memoryWriter();
    const history = new History(2);
    const recorded = recordingWriter(writer, history);
    for (let i = 0; i < 4; i++) await recorded.create({ kind: "point", label_class: 1, geometry: point });
    const current = () => undefined;
    expect(history.popUndo()?.id).toBe(4);
    expect(history.popUndo()?.id).toBe(3);
    expect(history.canUndo).toBe(false);
    history.pushRedo({ op: "create", id: 9, draft: { kind: "point", label_class: 1 } });
    await recorded.create({ kind: "point", label_class: 1, geometry: point });
    expect(history.canRedo).toBe(false);
    void current;
  });

  it("forgets the steps of an annotation changed outside the writer, keeping the others", async () => {
    const { rows, writer } = memoryWriter();
    const history = new History(10);
    const recorded = recordingWriter(writer, history);
    await recorded.create({ kind: "point", label_class: 1, geometry: point });
    await recorded.create({ kind: "point", label_class: 1, geometry: point });
    await recorded.change(rows.get(1) as Annotation, { label_class: 2 });
    history.forget(1); // e.g. converted to another kind on the server
    expect(history.popUndo()?.id).toBe(2);
    expect(history.canUndo).toBe(false);
  });
});
