// /images/<id>/edit/: the annotation editor. Left: the tools; centre: the image (Leaflet,
// CRS.Simple, image-space tiles) with the annotations; right: classes, tags, the selected
// object, the display and the pixel inspector.
import { useCallback, useEffect, useMemo, useReducer, useState } from "react";
import { api, errorText } from "../lib/api";
import type { PageData } from "../lib/page";
import type { ImageData, LabelClass } from "../lib/types";
import { AnnotationsLayer } from "./AnnotationsLayer";
import { changeAnnotation, createAnnotation, deleteAnnotation, listAnnotations } from "./annotationsApi";
import { EditorContext, type EditorContextValue } from "./EditorContext";
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

interface Loaded {
  image: ImageData;
  classes: LabelClass[];
  annotations: Annotation[];
}

export function EditorPage({ data }: { data: PageData }) {
  const imageId = Number(data.extra.image);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const image = await api<ImageData>(`/images/${imageId}/`);
        const [classes, annotations] = await Promise.all([
          api<LabelClass[]>(`/events/${image.event}/label-classes/`),
          listAnnotations(imageId),
        ]);
        if (!cancelled) setLoaded({ image, classes, annotations });
      } catch (e) {
        if (!cancelled) setError(errorText(e));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [imageId]);

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

  // Plain writes; editor/history.ts wraps these with undo/redo and conflict handling.
  const create = useCallback(
    async (draft: AnnotationDraft) => {
      try {
        const saved = await createAnnotation(state.image.id, draft);
        dispatch({ type: "upsert", annotation: saved });
        return saved;
      } catch (e) {
        notify(errorText(e), "error");
        return null;
      }
    },
    [state.image.id, notify],
  );
  const change = useCallback(
    async (annotation: Annotation, changes: AnnotationChange) => {
      try {
        const saved = await changeAnnotation(annotation, changes);
        dispatch({ type: "upsert", annotation: saved });
        return saved;
      } catch (e) {
        notify(errorText(e), "error");
        return null;
      }
    },
    [notify],
  );
  const remove = useCallback(
    async (annotation: Annotation) => {
      try {
        await deleteAnnotation(annotation);
        dispatch({ type: "remove", id: annotation.id });
        return true;
      } catch (e) {
        notify(errorText(e), "error");
        return false;
      }
    },
    [notify],
  );

  const value: EditorContextValue = useMemo(
    () => ({ data, state, dispatch, notify, create, change, remove }),
    [data, state, notify, create, change, remove],
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
      <div className={`editor-status ${status?.kind === "error" ? "error" : "muted"}`} role="status">
        {status?.message ?? `${state.annotations.size} objects · ${state.image.width} × ${state.image.height} px`}
      </div>
    </EditorContext.Provider>
  );
}
