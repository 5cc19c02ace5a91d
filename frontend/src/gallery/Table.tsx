// Table view: one row per image, virtualised like the grid (rows of a fixed height).
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef } from "react";
import { editorHref } from "./filters";
import { isSelected } from "./selection";
import { TagBadges } from "./Tags";
import { formatCloud, formatDate, itemKey, markFirstThumbnail, type ViewProps } from "./views";

const ROW = 44;
const COLUMNS = ["", "Name", "Acquired", "Cloud", "Source", "Size", "Bands", "Tags", ""];

export function Table(props: ViewProps) {
  const { pages, count, selection, classes, onItemClick, onToggle, onOpen, editorQuery } = props;
  const parent = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const { want } = pages;
  useEffect(() => {
    want(first, last);
  }, [want, first, last]);

  const focusIndex = (index: number) => {
    virtualizer.scrollToIndex(index);
    requestAnimationFrame(() =>
      parent.current?.querySelector<HTMLElement>(`[data-index="${index}"]`)?.focus(),
    );
  };

  return (
    <div
      ref={parent}
      className="gallery-scroll gallery-table"
      role="grid"
      aria-multiselectable="true"
      aria-label="Images"
      aria-rowcount={count + 1}
    >
      <div role="row" className="gallery-trow gallery-thead" aria-rowindex={1}>
        {COLUMNS.map((name, i) => (
          <span key={i} role="columnheader">
            {name}
          </span>
        ))}
      </div>
      <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
        {items.map((row) => {
          const image = pages.at(row.index);
          const style = { transform: `translateY(${row.start}px)`, height: ROW };
          if (!image) {
            return <div key={row.key} className="gallery-trow gallery-placeholder-row" style={style} aria-hidden="true" />;
          }
          const selected = isSelected(selection, image.id);
          return (
            <div
              key={row.key}
              role="row"
              aria-rowindex={row.index + 2}
              aria-selected={selected}
              tabIndex={0}
              data-index={row.index}
              data-image-id={image.id}
              className={`gallery-trow${selected ? " selected" : ""}`}
              style={style}
              onClick={(e) => onItemClick(row.index, image, e)}
              onDoubleClick={() => onOpen(image)}
              onKeyDown={(e) => {
                const next = itemKey(e, row.index, image, 1, count, props);
                if (next !== null) focusIndex(next);
              }}
            >
              <span role="gridcell">
                <input
                  type="checkbox"
                  aria-label={`Select ${image.name}`}
                  checked={selected}
                  onClick={(e) => e.stopPropagation()}
                  onChange={() => onToggle(row.index, image)}
                />
                {image.thumbnail_url && (
                  <img src={image.thumbnail_url} alt="" loading="lazy" onLoad={markFirstThumbnail} />
                )}
              </span>
              <span role="gridcell" className="gallery-name" title={image.name}>
                {image.name}
              </span>
              <span role="gridcell">{formatDate(image.acquired_at)}</span>
              <span role="gridcell">{formatCloud(image.cloud_cover)}</span>
              <span role="gridcell">{image.source}</span>
              <span role="gridcell">
                {image.width}×{image.height}
              </span>
              <span role="gridcell">
                {image.band_count} {image.dtype}
              </span>
              <span role="gridcell">
                <TagBadges image={image} classes={classes} />
              </span>
              <span role="gridcell">
                <button
                  type="button"
                  className="secondary gallery-details"
                  aria-label={`Details of ${image.name}`}
                  onClick={(e) => {
                    e.stopPropagation();
                    onOpen(image);
                  }}
                >
                  Details
                </button>
                <a
                  className="button secondary gallery-details"
                  href={editorHref(image.id, editorQuery)}
                  aria-label={`Open ${image.name} in the editor`}
                  onClick={(e) => e.stopPropagation()}
                >
                  Edit
                </a>
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
