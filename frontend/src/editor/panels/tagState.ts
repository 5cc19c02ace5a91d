// Image-level tags in the editor: the next state of the one-key toggle and the default tag
// class remembered per event.
import type { ImageTag, LabelClass, TagState } from "../../lib/types";

/** T cycles the default class: unlabelled -> positive -> negative -> unlabelled. */
export function nextTagState(current: TagState | null): TagState | null {
  if (current === null) return "positive";
  if (current === "positive") return "negative";
  return null;
}

export function tagStateOf(tags: ImageTag[], classId: number): TagState | null {
  return tags.find((t) => t.label_class === classId)?.state ?? null;
}

export function defaultTagKey(eventId: number): string {
  return `labeler.editor.defaultTag.${eventId}`;
}

/** The remembered default tag class if it still exists, else the first tag class. */
export function defaultTagClass(tagClasses: LabelClass[], remembered: string | null): LabelClass | null {
  const chosen = tagClasses.find((c) => String(c.id) === remembered);
  return chosen ?? tagClasses[0] ?? null;
}

