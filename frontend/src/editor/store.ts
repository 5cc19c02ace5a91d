// The editor's state: the image, its classes and annotations, the selection, the tool, the
// active class and the display. One reducer; components read it through EditorContext.
import type { ImageData, LabelClass } from "../lib/types";
import { type Grid, gridOf } from "./coords";
import { DEFAULT_DISPLAY, type Display } from "./display";
import type { Annotation, ToolName } from "./types";

export interface EditorState {
  image: ImageData;
  grid: Grid;
  classes: LabelClass[];
  annotations: Map<number, Annotation>;
  selected: number | null;
  tool: ToolName;
  activeClass: number | null;
  display: Display;
  /** The help panel (shortcuts, settings) is open. */
  help: boolean;
}

export type EditorAction =
  | { type: "annotations"; annotations: Annotation[] }
  /** More annotations (later pages): added, keeping whichever version is newer. */
  | { type: "merge"; annotations: Annotation[] }
  | { type: "upsert"; annotation: Annotation }
  | { type: "remove"; id: number }
  | { type: "select"; id: number | null }
  | { type: "tool"; tool: ToolName }
  | { type: "class"; id: number | null }
  | { type: "display"; display: Partial<Display> }
  | { type: "image"; image: ImageData }
  | { type: "help"; open?: boolean };

export function initialState(image: ImageData, classes: LabelClass[]): EditorState {
  const objectClasses = classes.filter((c) => c.kind === "object");
  return {
    image,
    grid: gridOf(image),
    classes,
    annotations: new Map(),
    selected: null,
    tool: "select",
    activeClass: objectClasses[0]?.id ?? null,
    display: DEFAULT_DISPLAY,
    help: false,
  };
}

export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  switch (action.type) {
    case "annotations":
      return { ...state, annotations: new Map(action.annotations.map((a) => [a.id, a])) };
    case "merge": {
      const annotations = new Map(state.annotations);
      for (const a of action.annotations) {
        const known = annotations.get(a.id);
        if (!known || known.version < a.version) annotations.set(a.id, a);
      }
      return { ...state, annotations };
    }
    case "upsert": {
      const annotations = new Map(state.annotations);
      annotations.set(action.annotation.id, action.annotation);
      return { ...state, annotations };
    }
    case "remove": {
      const annotations = new Map(state.annotations);
      annotations.delete(action.id);
      return { ...state, annotations, selected: state.selected === action.id ? null : state.selected };
    }
    case "select":
      return { ...state, selected: action.id };
    case "tool":
      return { ...state, tool: action.tool };
    case "class":
      return { ...state, activeClass: action.id };
    case "display":
      return { ...state, display: { ...state.display, ...action.display } };
    case "help":
      return { ...state, help: action.open ?? !state.help };
    case "image":
      return { ...state, image: action.image, grid: gridOf(action.image) };
  }
}

export function classById(state: EditorState, id: number): LabelClass | undefined {
  return state.classes.find((c) => c.id === id);
}
