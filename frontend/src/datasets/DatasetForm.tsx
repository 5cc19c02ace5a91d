// The form that asks for a new dataset version (reviewers and above).
import { useState, type FormEvent } from "react";
import { JobTracker } from "../components/Jobs";
import { api, errorText } from "../lib/api";
import type { Job, LabelClass } from "../lib/types";
import {
  DEFAULT_FORM,
  type FormatChoice,
  REVIEW_STATES,
  SOURCES,
  SPLITS,
  TAG_STATES,
  buildDatasetRequest,
  ratioErrors,
  toggled,
  type DatasetForm as Form,
} from "./request";

const SPLIT_LABELS: Record<string, string> = { train: "Train", validation: "Validation", test: "Test" };

function CheckboxGroup<T extends string | number>({
  legend,
  options,
  value,
  onChange,
  hint,
}: {
  legend: string;
  options: { value: T; label: string; title?: string }[];
  value: T[];
  onChange: (next: T[]) => void;
  hint?: string;
}) {
  return (
    <fieldset className="checks">
      <legend>{legend}</legend>
      {hint && <p className="muted hint">{hint}</p>}
      {options.map((option) => (
        <label className="inline" key={String(option.value)} title={option.title}>
          <input
            type="checkbox"
            checked={value.includes(option.value)}
            onChange={(e) => onChange(toggled(value, option.value, e.target.checked))}
          />
          {option.label}
        </label>
      ))}
    </fieldset>
  );
}

export function DatasetForm({
  eventId,
  classes,
  formats,
  onStarted,
  onDone,
}: {
  eventId: number;
  classes: LabelClass[];
  formats: FormatChoice[];
  onStarted: (jobId: number) => void;
  onDone: () => void;
}) {
  const [form, setForm] = useState<Form>(DEFAULT_FORM);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<number | null>(null);
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const ratioProblems = ratioErrors(form.ratios);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { request, errors: problems } = buildDatasetRequest(form);
    setErrors(problems);
    if (!request) return;
    setBusy(true);
    try {
      const job = await api<Job>(`/events/${eventId}/datasets/`, { method: "POST", body: request });
      setJobId(job.id);
      onStarted(job.id);
    } catch (error) {
      setErrors([errorText(error)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="dataset-form" onSubmit={(e) => void submit(e)} aria-labelledby="new-version">
      <h2 id="new-version">New dataset version</h2>
      <div className="row">
        <label className="grow">
          Name (optional)
          <input
            value={form.name}
            maxLength={200}
            placeholder="e.g. floods, accepted only"
            onChange={(e) => set("name", e.target.value)}
          />
        </label>
      </div>
      <div className="dataset-grid">
        <CheckboxGroup
          legend="Formats"
          options={formats.map((f) => ({ value: f.name, label: f.title, title: f.hint }))}
          value={form.formats}
          onChange={(v) => set("formats", v)}
        />
        <fieldset>
          <legend>Filters</legend>
          <p className="muted hint">Nothing ticked in a group means everything.</p>
          <CheckboxGroup
            legend="Label classes"
            options={classes.map((c) => ({ value: c.id, label: `${c.name} (${c.kind})` }))}
            value={form.labelClasses}
            onChange={(v) => set("labelClasses", v)}
            hint={classes.length === 0 ? "The event has no label classes yet." : undefined}
          />
          <CheckboxGroup
            legend="Tag states"
            options={TAG_STATES.map((s) => ({ value: s as string, label: s }))}
            value={form.tagStates}
            onChange={(v) => set("tagStates", v)}
          />
          <CheckboxGroup
            legend="Review states"
            options={REVIEW_STATES.map((s) => ({ value: s as string, label: s }))}
            value={form.reviewStates}
            onChange={(v) => set("reviewStates", v)}
          />
          <CheckboxGroup
            legend="Image sources"
            options={SOURCES.map((s) => ({ value: s as string, label: s }))}
            value={form.sources}
            onChange={(v) => set("sources", v)}
          />
          <div className="row">
            <label>
              Acquired from
              <input type="date" value={form.acquiredAfter} onChange={(e) => set("acquiredAfter", e.target.value)} />
            </label>
            <label>
              Acquired until
              <input type="date" value={form.acquiredBefore} onChange={(e) => set("acquiredBefore", e.target.value)} />
            </label>
          </div>
          <label className="inline">
            <input type="checkbox" checked={form.labelledOnly} onChange={(e) => set("labelledOnly", e.target.checked)} />
            Labelled images only
          </label>
        </fieldset>
        <fieldset>
          <legend>Split</legend>
          <div className="row">
            {SPLITS.map((split) => (
              <label key={split}>
                {SPLIT_LABELS[split]} ratio
                <input
                  type="number"
                  min={0}
                  max={1}
                  step={0.05}
                  className="narrow"
                  value={form.ratios[split]}
                  aria-invalid={ratioProblems.length > 0}
                  onChange={(e) => set("ratios", { ...form.ratios, [split]: e.target.value })}
                />
              </label>
            ))}
          </div>
          {ratioProblems.length > 0 && <p className="error">{ratioProblems.join(" ")}</p>}
          <div className="row">
            <label>
              Seed
              <input type="number" step={1} className="narrow" value={form.seed} onChange={(e) => set("seed", e.target.value)} />
            </label>
            <label>
              Spatial grouping cell (km)
              <input
                type="number"
                min={0}
                step="any"
                className="narrow"
                placeholder="off"
                value={form.groupCellKm}
                onChange={(e) => set("groupCellKm", e.target.value)}
              />
            </label>
          </div>
          <label className="inline">
            <input type="checkbox" checked={form.stratify} onChange={(e) => set("stratify", e.target.checked)} />
            Stratify by each image's dominant class
          </label>
        </fieldset>
        <fieldset>
          <legend>Options</legend>
          <label className="inline">
            <input type="checkbox" checked={form.includeImages} onChange={(e) => set("includeImages", e.target.checked)} />
            Include the images (GeoTIFFs)
          </label>
          <div className="row">
            <label>
              Chip size (px)
              <input
                type="number"
                min={32}
                max={8192}
                step={1}
                className="narrow"
                placeholder="none"
                value={form.chipSize}
                onChange={(e) => set("chipSize", e.target.value)}
              />
            </label>
            <label>
              Chip overlap (px)
              <input
                type="number"
                min={0}
                step={1}
                className="narrow"
                disabled={form.chipSize === ""}
                value={form.chipOverlap}
                onChange={(e) => set("chipOverlap", e.target.value)}
              />
            </label>
          </div>
          <label className="inline">
            <input
              type="checkbox"
              disabled={form.chipSize === ""}
              checked={form.keepEmptyChips}
              onChange={(e) => set("keepEmptyChips", e.target.checked)}
            />
            Keep chips without annotations
          </label>
        </fieldset>
      </div>
      {errors.length > 0 && (
        <div className="error" role="alert">
          {errors.map((error) => (
            <p key={error}>{error}</p>
          ))}
        </div>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          {busy ? "Starting…" : "Build version"}
        </button>
        <button type="button" className="secondary" onClick={() => setForm(DEFAULT_FORM)}>
          Reset
        </button>
      </div>
      {jobId !== null && (
        <div className="build-job" aria-live="polite">
          <JobTracker id={jobId} onDone={onDone} />
        </div>
      )}
    </form>
  );
}
