// An image's tags as small badges: the class name with ✓ (positive) or ✗ (negative).
import type { ImageData, LabelClass } from "../lib/types";

export function TagBadges({ image, classes }: { image: ImageData; classes: Map<number, LabelClass> }) {
  if (image.tags.length === 0) return null;
  return (
    <span className="gallery-tags">
      {image.tags.map((tag) => {
        const cls = classes.get(tag.label_class);
        const name = cls?.name ?? `class ${tag.label_class}`;
        return (
          <span
            key={tag.label_class}
            className={`gallery-tag gallery-tag-${tag.state}`}
            data-tag-class={tag.label_class}
            data-tag-state={tag.state}
            title={`${name}: ${tag.state}`}
          >
            {tag.state === "positive" ? "✓" : "✗"} {name}
          </span>
        );
      })}
    </span>
  );
}
