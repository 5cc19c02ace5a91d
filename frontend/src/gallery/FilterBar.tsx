// The gallery's filters and sort: every change goes straight to the list (the API checks
// the values and says what is wrong).
import type { LabelClass } from "../lib/types";
import { activeFilterCount, EMPTY_FILTERS, ORDERINGS, SOURCES, type Filters } from "./filters";

export interface FilterBarProps {
  filters: Filters;
  tagClasses: LabelClass[];
  onChange: (filters: Filters) => void;
}

export function FilterBar({ filters, tagClasses, onChange }: FilterBarProps) {
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => onChange({ ...filters, [key]: value });
  return (
    <form className="gallery-filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <label>
        Tag class
        <select
          value={filters.labelClass}
          onChange={(e) => onChange({ ...filters, labelClass: e.target.value, tagState: e.target.value ? filters.tagState : "" })}
        >
          <option value="">Any</option>
          {tagClasses.map((c) => (
            <option key={c.id} value={String(c.id)}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Tag state
        <select
          value={filters.tagState}
          disabled={!filters.labelClass}
          onChange={(e) => set("tagState", e.target.value as Filters["tagState"])}
        >
          <option value="">Tagged (either)</option>
          <option value="positive">Positive</option>
          <option value="negative">Negative</option>
          <option value="unlabeled">Not tagged</option>
        </select>
      </label>
      <label>
        Source
        <select value={filters.source} onChange={(e) => set("source", e.target.value)}>
          <option value="">Any</option>
          {SOURCES.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Acquired from
        <input type="date" value={filters.acquiredFrom} onChange={(e) => set("acquiredFrom", e.target.value)} />
      </label>
      <label>
        to
        <input type="date" value={filters.acquiredTo} onChange={(e) => set("acquiredTo", e.target.value)} />
      </label>
      <label>
        Cloud % min
        <input
          type="number"
          min={0}
          max={100}
          className="gallery-number"
          value={filters.cloudMin}
          onChange={(e) => set("cloudMin", e.target.value)}
        />
      </label>
      <label>
        max
        <input
          type="number"
          min={0}
          max={100}
          className="gallery-number"
          value={filters.cloudMax}
          onChange={(e) => set("cloudMax", e.target.value)}
        />
      </label>
      <label>
        Labels
        <select value={filters.labelled} onChange={(e) => set("labelled", e.target.value as Filters["labelled"])}>
          <option value="">Any</option>
          <option value="true">Labelled</option>
          <option value="false">Unlabelled</option>
        </select>
      </label>
      <label>
        Auto-labelled
        <select
          value={filters.autoLabelled}
          onChange={(e) => set("autoLabelled", e.target.value as Filters["autoLabelled"])}
        >
          <option value="">Any</option>
          <option value="true">Has predictions</option>
          <option value="false">No predictions</option>
        </select>
      </label>
      <label>
        Sort
        <select value={filters.ordering} onChange={(e) => set("ordering", e.target.value)}>
          {ORDERINGS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="secondary"
        disabled={activeFilterCount(filters) === 0}
        onClick={() => onChange({ ...EMPTY_FILTERS, ordering: filters.ordering })}
      >
        Clear filters
      </button>
    </form>
  );
}
