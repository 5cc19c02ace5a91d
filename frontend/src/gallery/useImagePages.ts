// The image list, fetched a page (PAGE_SIZE images) at a time as rows come into view: the
// first page gives the total (`count`), later pages arrive when the virtual list asks for
// indexes in them. A change of filters or sort starts again from nothing.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, errorText, type Page } from "../lib/api";
import type { ImageData, TagState } from "../lib/types";

export const PAGE_SIZE = 100;

export interface ImagePages {
  /** Total matching images; null until the first page is in. */
  count: number | null;
  /** The image at a list index, when its page is loaded. */
  at: (index: number) => ImageData | undefined;
  /** Ask for the pages covering indexes first..last (visible rows plus overscan). */
  want: (first: number, last: number) => void;
  error: string;
  /** Apply a bulk tag change to the loaded images (what the server just did). */
  retag: (ids: ReadonlySet<number> | "all", labelClass: number, state: TagState | null) => void;
  /** Replace one loaded image (after the detail panel changed it). */
  replace: (image: ImageData) => void;
  /** Drop every page and fetch again (e.g. after a bulk change that moves images out). */
  reload: () => void;
}

export function retagged(image: ImageData, labelClass: number, state: TagState | null): ImageData {
  const others = image.tags.filter((t) => t.label_class !== labelClass);
  return {
    ...image,
    tags: state ? [...others, { label_class: labelClass, state }] : others,
  };
}

interface Loaded {
  /** Which list (filters, sort, reloads) these pages belong to. */
  key: string;
  pages: Map<number, ImageData[]>;
  count: number | null;
}

const NONE = new Map<number, ImageData[]>();

export function useImagePages(
  eventId: number,
  query: Record<string, string | number | boolean>,
  key: string,
): ImagePages {
  const [generation, setGeneration] = useState(0);
  const listKey = `${key}#${generation}`;
  const [loaded, setLoaded] = useState<Loaded>({ key: "", pages: NONE, count: null });
  const [error, setError] = useState("");
  const requested = useRef<Set<number>>(new Set());
  const controller = useRef<AbortController | null>(null);
  const current = useRef({ key: listKey, query });

  const load = useCallback(
    (page: number) => {
      if (requested.current.has(page)) return;
      requested.current.add(page);
      const signal = controller.current?.signal;
      const { key: forKey, query: forQuery } = current.current;
      api<Page<ImageData>>(`/events/${eventId}/images/`, {
        query: { ...forQuery, page: page + 1, page_size: PAGE_SIZE },
        signal,
      })
        .then((body) => {
          if (signal?.aborted) return;
          setLoaded((old) => ({
            key: forKey,
            pages: new Map(old.key === forKey ? old.pages : NONE).set(page, body.results),
            count: body.count,
          }));
          setError("");
        })
        .catch((e: unknown) => {
          if (signal?.aborted) return;
          requested.current.delete(page);
          setError(errorText(e));
        });
    },
    [eventId],
  );

  useEffect(() => {
    current.current = { key: listKey, query };
    controller.current?.abort();
    controller.current = new AbortController();
    requested.current = new Set();
    load(0);
    return () => controller.current?.abort();
    // listKey stands for query (a new object on every filter change)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [listKey, load]);

  const fresh = loaded.key === listKey;
  const pages = fresh ? loaded.pages : NONE;
  const count = fresh ? loaded.count : null;

  const want = useCallback(
    (first: number, last: number) => {
      if (count === null) return;
      const end = Math.min(last, count - 1);
      for (let p = Math.floor(Math.max(first, 0) / PAGE_SIZE); p <= Math.floor(end / PAGE_SIZE); p += 1) {
        load(p);
      }
    },
    [count, load],
  );

  const at = useCallback(
    (index: number) => pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE],
    [pages],
  );

  const mapImages = useCallback((change: (image: ImageData) => ImageData) => {
    setLoaded((old) => {
      const next = new Map<number, ImageData[]>();
      for (const [p, images] of old.pages) next.set(p, images.map(change));
      return { ...old, pages: next };
    });
  }, []);

  const retag = useCallback(
    (ids: ReadonlySet<number> | "all", labelClass: number, state: TagState | null) =>
      mapImages((im) => (ids === "all" || ids.has(im.id) ? retagged(im, labelClass, state) : im)),
    [mapImages],
  );

  const replace = useCallback(
    (image: ImageData) => mapImages((im) => (im.id === image.id ? image : im)),
    [mapImages],
  );

  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  return { count, at, want, error, retag, replace, reload };
}
