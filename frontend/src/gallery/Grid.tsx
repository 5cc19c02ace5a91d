// Thumbnail grid, virtualised by rows (@tanstack/react-virtual): only the rows in view (and
// a few around) exist in the DOM, and their pages of the API are fetched as they appear.
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState } from "react";
import { editorHref } from "./filters";
import { isSelected } from "./selection";
import { TagBadges } from "./Tags";
import { itemKey, markFirstThumbnail, type ViewProps } from "./views";

const TILE = 188; // px: a 172 px thumbnail cell plus the gap
const ROW = 226; // px: thumbnail, name, tags

export function Grid(props: ViewProps) {
  const { pages, count, selection, classes, onItemClick, onOpen, editorQuery } = props;
  const parent = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(1000);
  useEffect(() => {
    const element = parent.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const columns = Math.max(1, Math.floor((width - 8) / TILE));
  const rows = Math.ceil(count / columns);
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW,
    overscan: 3,
  });
  const items = virtualizer.getVirtualItems();
  const firstRow = items[0]?.index ?? 0;
  const lastRow = items[items.length - 1]?.index ?? 0;
  const { want } = pages;
  useEffect(() => {
    want(firstRow * columns, (lastRow + 1) * columns - 1);
  }, [want, firstRow, lastRow, columns]);

  const focusIndex = (index: number) => {
    virtualizer.scrollToIndex(Math.floor(index / columns));
    requestAnimationFrame(() =>
      parent.current?.querySelector<HTMLElement>(`[data-index="${index}"]`)?.focus(),
    );
  };

  return (
    <div
      ref={parent}
      className="gallery-scroll"
      role="listbox"
      aria-multiselectable="true"
      aria-label="Images"
      aria-rowcount={rows}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
        {items.map((row) => (
          <div
            key={row.key}
            className="gallery-row"
            style={{ transform: `translateY(${row.start}px)`, height: ROW }}
          >
            {Array.from({ length: columns }, (_, c) => {
              const index = row.index * columns + c;
              if (index >= count) return null;
              const image = pages.at(index);
              if (!image) {
                return <div key={c} className="gallery-tile gallery-placeholder" aria-hidden="true" />;
              }
              const selected = isSelected(selection, image.id);
              return (
                <div
                  key={image.id}
                  role="option"
                  aria-selected={selected}
                  aria-label={image.name}
                  tabIndex={0}
                  data-index={index}
                  data-image-id={image.id}
                  className={`gallery-tile${selected ? " selected" : ""}`}
                  onClick={(e) => onItemClick(index, image, e)}
                  onDoubleClick={() => onOpen(image)}
                  onKeyDown={(e) => {
                    const next = itemKey(e, index, image, columns, count, props);
                    if (next !== null) focusIndex(next);
                  }}
                >
                  {image.thumbnail_url ? (
                    <img
                      src={image.thumbnail_url}
                      alt=""
                      loading="lazy"
                      draggable={false}
                      onLoad={markFirstThumbnail}
                    />
                  ) : (
                    <span className="gallery-nothumb">{image.status === "ready" ? "no thumbnail" : image.status}</span>
                  )}
                  <span className="gallery-name" title={image.name}>
                    {image.name}
                  </span>
                  <TagBadges image={image} classes={classes} />
                  <button
                    type="button"
                    className="gallery-open"
                    aria-label={`Details of ${image.name}`}
                    title="Details"
                    onClick={(e) => {
                      e.stopPropagation();
                      onOpen(image);
                    }}
                  >
                    i
                  </button>
                  <a
                    className="gallery-edit"
                    href={editorHref(image.id, editorQuery)}
                    aria-label={`Open ${image.name} in the editor`}
                    title="Open in editor"
                    onClick={(e) => e.stopPropagation()}
                    onDoubleClick={(e) => e.stopPropagation()}
                  >
                    ✎
                  </a>
                </div>
              );
            })}
          </div>
        ))}
      </div>
    </div>
  );
}
