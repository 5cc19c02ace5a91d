// /events/<id>/gallery/: every image of the event as a thumbnail grid or a table, filtered
// and sorted by the API, with multi-selection, bulk tagging and a detail dialog.
import { useCallback, useEffect, useMemo, useState, type MouseEvent } from "react";
import { api, errorText } from "../lib/api";
import type { PageData } from "../lib/page";
import type { ImageData, LabelClass, TagState } from "../lib/types";
import { BulkBar } from "./BulkBar";
import { DetailDialog } from "./DetailDialog";
import { FilterBar } from "./FilterBar";
import { EMPTY_FILTERS, filtersFromQuery, filtersKey, listQuery, queryString, type Filters } from "./filters";
import { Grid } from "./Grid";
import { clickSelect, NOTHING, toggle, type Selection } from "./selection";
import { Table } from "./Table";
import { retagged, useImagePages } from "./useImagePages";
import "./gallery.css";

type View = "grid" | "table";

export function GalleryPage({ data }: { data: PageData }) {
  const event = data.event;
  const eventId = event?.id ?? 0;
  const [classes, setClasses] = useState<LabelClass[]>([]);
  const [classError, setClassError] = useState("");
  const [filters, setFilters] = useState<Filters>(() => initialFilters());
  const [view, setView] = useState<View>("grid");
  const [selection, setSelection] = useState<Selection>(NOTHING);
  const [detail, setDetail] = useState<ImageData | null>(null);
  const key = filtersKey(filters);
  const query = useMemo(() => listQuery(filters), [filters]);
  const pages = useImagePages(eventId, query, key);

  useEffect(() => {
    api<LabelClass[]>(`/events/${eventId}/label-classes/`)
      .then(setClasses)
      .catch((e: unknown) => setClassError(errorText(e)));
  }, [eventId]);

  const byId = useMemo(() => new Map(classes.map((c) => [c.id, c])), [classes]);
  const tagClasses = useMemo(() => classes.filter((c) => c.kind === "tag"), [classes]);

  const changeFilters = (next: Filters) => {
    setFilters(next);
    setSelection(NOTHING);
    // The URL keeps the filters: a reload, the editor's "back to the gallery" link.
    const query = queryString(next);
    window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
  };
  const editorQuery = useMemo(() => queryString(filters), [filters]);

  const { at } = pages;
  const onItemClick = useCallback(
    (index: number, image: ImageData, e: MouseEvent) => {
      const keys = { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey };
      if (keys.shift) e.preventDefault(); // no text selection on shift-click
      setSelection((sel) => clickSelect(sel, index, image.id, keys, (i) => at(i)?.id));
    },
    [at],
  );
  const onToggle = useCallback((index: number, image: ImageData) => {
    setSelection((sel) => toggle(sel, index, image.id));
  }, []);

  const onTagged = (labelClass: number, state: TagState | null) => {
    pages.retag(selection.all ? "all" : selection.ids, labelClass, state);
    if (detail && (selection.all || selection.ids.has(detail.id))) setDetail(retagged(detail, labelClass, state));
    // A filter on tags or labels may no longer match the tagged images: list again.
    if (filters.labelClass || filters.labelled) {
      pages.reload();
      setSelection(NOTHING);
    }
  };

  if (!event) return <p className="error">This page belongs to an event.</p>;
  const count = pages.count;
  const viewProps = {
    pages,
    count: count ?? 0,
    selection,
    classes: byId,
    onItemClick,
    onToggle,
    onOpen: setDetail,
    editorQuery,
  };
  return (
    <div className="gallery">
      <div className="row gallery-head">
        <h2 className="grow">
          Gallery{" "}
          <span className="muted gallery-count" data-testid="image-count">
            {count === null ? "loading…" : `${count.toLocaleString()} image${count === 1 ? "" : "s"}`}
          </span>
        </h2>
        <div className="gallery-views" role="group" aria-label="View">
          <button type="button" className={view === "grid" ? "" : "secondary"} aria-pressed={view === "grid"} onClick={() => setView("grid")}>
            Grid
          </button>
          <button type="button" className={view === "table" ? "" : "secondary"} aria-pressed={view === "table"} onClick={() => setView("table")}>
            Table
          </button>
        </div>
        <a className="button secondary" href={`/events/${event.id}/uploads/`}>
          Upload images
        </a>
      </div>
      <FilterBar filters={filters} tagClasses={tagClasses} onChange={changeFilters} />
      {(pages.error || classError) && (
        <p className="error" role="alert">
          {pages.error || classError}
        </p>
      )}
      <BulkBar
        eventId={event.id}
        count={count}
        selection={selection}
        filters={filters}
        tagClasses={tagClasses}
        canAnnotate={data.can.annotate}
        onSelectAll={() => setSelection({ all: true, ids: new Set(), anchor: null })}
        onClear={() => setSelection(NOTHING)}
        onTagged={onTagged}
      />
      {count === 0 && (
        <p className="muted gallery-empty">
          No image matches. {filtersKey(filters) === filtersKey(EMPTY_FILTERS) ? <a href={`/events/${event.id}/uploads/`}>Upload images</a> : "Change or clear the filters."}
        </p>
      )}
      {count !== null && count > 0 && (view === "grid" ? <Grid {...viewProps} /> : <Table {...viewProps} />)}
      <p className="muted gallery-hint">
        Click selects, Ctrl/⌘-click adds or removes, Shift-click selects a range; Space toggles the focused image, Enter opens it, arrows move.
      </p>
      {detail && (
        <DetailDialog
          image={detail}
          classes={byId}
          tagClasses={tagClasses}
          canAnnotate={data.can.annotate}
          editorQuery={editorQuery}
          onChanged={(image) => {
            setDetail(image);
            pages.replace(image);
          }}
          onClose={() => setDetail(null)}
        />
      )}
    </div>
  );
}

function initialFilters(): Filters {
  return window.location.search ? filtersFromQuery(window.location.search) : EMPTY_FILTERS;
}
