// /images/<id>/edit/: the annotation editor. Left: the tools; centre: the image (Leaflet,
// CRS.Simple, image-space tiles) with the annotations; right: classes, tags, the selected
// object, the display and the pixel inspector.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { api, errorText, type Page } from "../lib/api";
import type { PageData } from "../lib/page";
import type { ImageData, LabelClass } from "../lib/types";
import { AnnotationsLayer } from "./AnnotationsLayer";
import { changeAnnotation, createAnnotation, deleteAnnotation } from "./annotationsApi";
import { ConflictDialog, type ConflictChoice } from "./conflict/ConflictDialog";
import { type Conflict, isStale, loadConflict } from "./conflict/conflict";
import { EditorContext, type EditorContextValue } from "./EditorContext";
import { DEFAULT_DEPTH, DEPTH_KEY, History, type Operation, recordingWriter, step, storedDepth } from "./history";
import { CANCEL_EVENT, useHotkeys } from "./hotkeys";
import { ImageMap } from "./ImageMap";
import { MaskLayer } from "./mask/MaskLayer";
import { MaskPanel } from "./mask/MaskPanel";
import { AttributesPanel } from "./panels/AttributesPanel";
import { ClassPanel } from "./panels/ClassPanel";
import { HelpPanel } from "./panels/HelpPanel";
import { ObjectsPanel } from "./panels/ObjectsPanel";
import { TagsPanel } from "./panels/TagsPanel";
import { editorReducer, initialState } from "./store";
import { ToolLayer } from "./tools/ToolLayer";
import { Toolbar } from "./tools/Toolbar";
import type { Annotation, AnnotationChange, AnnotationDraft } from "./types";
import { DisplayPanel } from "./viewer/DisplayPanel";
import { GeoContext } from "./viewer/GeoContext";
import { PixelInspector } from "./viewer/PixelInspector";
import { Navigator } from "./workflow/Navigator";
import { WorkPanel } from "./workflow/WorkPanel";
import "./editor.css";

const PAGE = 500;

/** The image's annotations: the first page (which says how many there are) at once, and
 * a promise of the others, fetched in parallel rather than one after another, so the
 * editor opens and draws the first shapes while the rest arrive. */
async function loadAnnotations(
  imageId: number,
): Promise<{ first: Annotation[]; more: Promise<Annotation[]> | null }> {
  const path = `/images/${imageId}/annotations/`;
  // geo=false: the editor draws in pixels; the EPSG:4326 twins would only slow the list.
  const query = { page_size: PAGE, geo: false };
  const first = await api<Page<Annotation>>(path, { query: { ...query, page: 1 } });
  const pages = Math.ceil(first.count / PAGE);
  if (pages <= 1) return { first: first.results, more: null };
  const more = Promise.all(
    Array.from({ length: pages - 1 }, (_, i) =>
      api<Page<Annotation>>(path, { query: { ...query, page: i + 2 } }),
    ),
  ).then((rest) => rest.flatMap((page) => page.results));
  return { first: first.results, more };
}

interface Loaded {
  image: ImageData;
  classes: LabelClass[];
  annotations: Annotation[];
  /** The other pages of annotations, still on their way. */
  more: Promise<Annotation[]> | null;
}

export function EditorPage({ data }: { data: PageData }) {
  const imageId = Number(data.extra.image);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        // All at once: the page knows the image's event (the image says it too).
        const eventId = data.event?.id;
        const classesOf = (event: number) => api<LabelClass[]>(`/events/${event}/label-classes/`);
        const [image, early, { first, more }] = await Promise.all([
          api<ImageData>(`/images/${imageId}/`),
          eventId ? classesOf(eventId) : Promise.resolve(null),
          loadAnnotations(imageId),
        ]);
        const classes = early && image.event === eventId ? early : await classesOf(image.event);
        if (!cancelled) setLoaded({ image, classes, annotations: first, more });
      } catch (e) {
        if (!cancelled) setError(errorText(e));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [imageId, data.event?.id]);

  if (error) return <p className="error" role="alert">{error}</p>;
  if (!loaded) return <p className="muted">Loading the image…</p>;
  return <Editor data={data} loaded={loaded} />;
}

function Editor({ data, loaded }: { data: PageData; loaded: Loaded }) {
  const [state, dispatch] = useReducer(editorReducer, undefined, () => {
    const state = initialState(loaded.image, loaded.classes);
    return editorReducer(state, { type: "annotations", annotations: loaded.annotations });
  });
  const [status, setStatus] = useState<{ message: string; kind: "info" | "error" } | null>(null);
  const notify = useCallback((message: string, kind: "info" | "error" = "info") => {
    setStatus({ message, kind });
  }, []);
  // The rest of the annotations, merged as they arrive (a newer version is kept).
  useEffect(() => {
    let cancelled = false;
    loaded.more?.then(
      (annotations) => {
        if (!cancelled) dispatch({ type: "merge", annotations });
      },
      (e: unknown) => {
        if (!cancelled) notify(`Some objects could not be loaded: ${errorText(e)}`, "error");
      },
    );
    return () => {
      cancelled = true;
    };
  }, [loaded.more, notify]);

  // The annotations as last written, for writes that follow each other quickly (undo steps):
  // updated at once by the writers below and after each render.
  const live = useRef(state.annotations);
  useEffect(() => {
    live.current = state.annotations;
  }, [state.annotations]);
  const classes = useRef(state.classes);
  useEffect(() => {
    classes.current = state.classes;
  }, [state.classes]);
  const upsert = useCallback((annotation: Annotation) => {
    live.current = new Map(live.current).set(annotation.id, annotation);
    dispatch({ type: "upsert", annotation });
  }, []);
  const drop = useCallback((id: number) => {
    const next = new Map(live.current);
    next.delete(id);
    live.current = next;
    dispatch({ type: "remove", id });
  }, []);

  // A 409 opens the conflict dialog; the write waits for the person's choice.
  const [conflict, setConflict] = useState<{ conflict: Conflict; choose: (c: ConflictChoice) => void } | null>(
    null,
  );
  const askConflict = useCallback(async (mine: Annotation, attempted: AnnotationChange | "delete") => {
    const className = (id: number) => classes.current.find((c) => c.id === id)?.name ?? `class ${id}`;
    const info = await loadConflict(mine, attempted, className);
    const choice = await new Promise<ConflictChoice>((resolve) =>
      setConflict({
        conflict: info,
        choose: (c) => {
          setConflict(null);
          resolve(c);
        },
      }),
    );
    if (choice === "theirs" || !info.theirs) {
      if (info.theirs) upsert(info.theirs);
      else drop(mine.id);
      notify("Reloaded the other person's version.");
      return null;
    }
    return info.theirs;
  }, [notify, upsert, drop]);

  // Plain writes with auto-save conflict handling; history.ts records them for undo/redo.
  const create = useCallback(
    async (draft: AnnotationDraft) => {
      try {
        const saved = await createAnnotation(state.image.id, draft);
        upsert(saved);
        return saved;
      } catch (e) {
        notify(errorText(e), "error");
        return null;
      }
    },
    [state.image.id, notify, upsert],
  );
  const change = useCallback(
    async (annotation: Annotation, changes: AnnotationChange) => {
      try {
        try {
          const saved = await changeAnnotation(annotation, changes);
          upsert(saved);
          return saved;
        } catch (e) {
          if (!isStale(e)) throw e;
          const theirs = await askConflict(annotation, changes);
          if (!theirs) return null;
          const saved = await changeAnnotation(theirs, changes);
          upsert(saved);
          notify(`Saved your change over version ${theirs.version}.`);
          return saved;
        }
      } catch (e) {
        notify(errorText(e), "error");
        return null;
      }
    },
    [notify, upsert, askConflict],
  );
  const remove = useCallback(
    async (annotation: Annotation) => {
      try {
        try {
          await deleteAnnotation(annotation);
        } catch (e) {
          if (!isStale(e)) throw e;
          const theirs = await askConflict(annotation, "delete");
          if (!theirs) return false;
          await deleteAnnotation(theirs);
        }
        drop(annotation.id);
        return true;
      } catch (e) {
        notify(errorText(e), "error");
        return false;
      }
    },
    [notify, drop, askConflict],
  );

  // Undo / redo: the recorded writer is what the tools and panels get.
  const [history] = useState(() => new History(storedDepth()));
  const [historyDepth, setDepth] = useState(history.depth);
  const setHistoryDepth = useCallback((depth: number) => {
    const value = Math.max(1, Math.min(10000, Math.floor(depth) || DEFAULT_DEPTH));
    history.setDepth(value);
    try {
      window.localStorage.setItem(DEPTH_KEY, String(value));
    } catch {
      // Private mode: the setting lasts for this page only.
    }
    setDepth(value);
  }, [history]);
  const plain = useMemo(() => ({ create, change, remove }), [create, change, remove]);
  // The writer's methods read refs only when called (in event handlers), not during render.
  // eslint-disable-next-line react-hooks/refs
  const recorded = useMemo(() => recordingWriter(plain, history), [plain, history]);
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const stepHistory = useCallback(
    (direction: "undo" | "redo") => {
      const run = async () => {
        const h = history;
        if (direction === "undo" ? !h.canUndo : !h.canRedo) {
          notify(direction === "undo" ? "Nothing to undo." : "Nothing to redo.");
          return;
        }
        const done = await step(direction, h, plain, (id) => live.current.get(id));
        if (done) notify(`${direction === "undo" ? "Undid" : "Redid"}: ${describe(done)}.`);
      };
      const next = queue.current.then(run, run);
      queue.current = next;
      return next;
    },
    [plain, notify, history],
  );
  const undo = useCallback(() => stepHistory("undo"), [stepHistory]);
  const forget = useCallback((id: number) => history.forget(id), [history]);
  const redo = useCallback(() => stepHistory("redo"), [stepHistory]);

  useHotkeys(
    state.classes,
    (action) => {
      const selected = state.selected !== null ? state.annotations.get(state.selected) : undefined;
      switch (action.type) {
        case "tool":
          if (action.tool === "select" || data.can.annotate) dispatch({ type: "tool", tool: action.tool });
          return;
        case "class":
          dispatch({ type: "class", id: action.id });
          if (selected && data.can.annotate && selected.label_class !== action.id) {
            void recorded.change(selected, { label_class: action.id });
          }
          return;
        case "delete":
          if (selected && data.can.annotate) void recorded.remove(selected);
          return;
        case "cancel": {
          const event = new CustomEvent(CANCEL_EVENT, { cancelable: true });
          // A drawing tool that was drawing calls preventDefault; otherwise Esc deselects.
          if (window.dispatchEvent(event)) dispatch({ type: "select", id: null });
          return;
        }
        case "undo":
          if (data.can.annotate) void undo();
          return;
        case "redo":
          if (data.can.annotate) void redo();
          return;
        case "help":
          dispatch({ type: "help" });
          return;
      }
    },
    conflict === null,
  );

  const value: EditorContextValue = useMemo(
    () => ({ data, state, dispatch, notify, ...recorded, undo, redo, forget, historyDepth, setHistoryDepth }),
    [data, state, notify, recorded, undo, redo, forget, historyDepth, setHistoryDepth],
  );
  return (
    <EditorContext.Provider value={value}>
      <Navigator />
      <div className="editor">
        <Toolbar />
        <ImageMap>
          <MaskLayer />
          <AnnotationsLayer />
          <ToolLayer />
          <PixelInspector />
        </ImageMap>
        <aside className="editor-side" aria-label="Editor panels">
          <ClassPanel />
          <TagsPanel />
          <ObjectsPanel />
          <AttributesPanel />
          <MaskPanel />
          <DisplayPanel />
          <GeoContext />
          <WorkPanel />
          <HelpPanel />
        </aside>
      </div>
      {conflict && <ConflictDialog conflict={conflict.conflict} onChoose={conflict.choose} />}
      <div className={`editor-status ${status?.kind === "error" ? "error" : "muted"}`} role="status">
        {status?.message ?? `${state.annotations.size} objects · ${state.image.width} × ${state.image.height} px`}
      </div>
    </EditorContext.Provider>
  );
}

function describe(operation: Operation): string {
  switch (operation.op) {
    case "create":
      return `create ${operation.draft.kind}`;
    case "remove":
      return `delete ${operation.draft.kind}`;
    case "change":
      return `change ${Object.keys(operation.after).join(", ")}`;
  }
}
