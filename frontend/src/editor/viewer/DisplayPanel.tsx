// How the image is shown: a band preset, custom bands (three as R, G, B or one with a
// colormap) or an index, the stretch (min/max per band shown, gamma, brightness) on the
// server, and contrast / invert in the browser. Server-side choices are checked with the
// image's TileJSON first (the API refuses, in words, what the image cannot do) and only
// then change the tile layer.
import { useEffect, useMemo, useState } from "react";
import { api, errorText } from "../../lib/api";
import { DEFAULT_DISPLAY, type Display, tileQuery } from "../display";
import { useEditor } from "../EditorContext";
import {
  bandChoices,
  COLORMAPS,
  defaultRanges,
  fits,
  INDICES,
  PRESETS,
  resolveRoles,
  shownBands,
  shownLabels,
} from "./bands";
import "./viewer.css";

const CHECK_DELAY_MS = 250; // sliders: one tile layer change per pause, not per step
const CHANNELS = ["Red", "Green", "Blue"];

function same(a: Display, b: Display): boolean {
  return JSON.stringify(tileQuery(a)) === JSON.stringify(tileQuery(b));
}

export function DisplayPanel() {
  const { state, dispatch } = useEditor();
  const { image } = state;
  const storeKey = `labeler.editor.display.${image.event}`;
  // The event's last display (this browser): a labeller going through an event's images
  // keeps the view; checked like any other choice, and dropped when it does not fit.
  const [[restored, restoreNote]] = useState(() => {
    const saved = loadDisplay(storeKey);
    if (!saved || fits(image, saved)) return [saved, ""] as const;
    return [null, "The event's last view does not fit this image's bands; showing the default."] as const;
  });
  const [draft, setDraft] = useState<Display>(restored ?? state.display);
  const [note, setNote] = useState<string>(restoreNote);
  useEffect(() => {
    if (restored) dispatch({ type: "display", display: { contrast: restored.contrast, invert: restored.invert } });
  }, [restored, dispatch]);
  // The API's refusal of a draft (keyed by the draft's query: shown only while it stands).
  const [refusal, setRefusal] = useState<{ key: string; message: string } | null>(null);
  const [checkingKey, setCheckingKey] = useState("");
  // The stretch inputs as typed (a half-typed number is not a range yet), per bands shown.
  const [typed, setTyped] = useState<{ key: string; texts: Record<string, string> }>({ key: "", texts: {} });

  const choices = useMemo(() => bandChoices(image), [image]);
  const defaults = defaultRanges(image, draft);
  const labels = shownLabels(image, draft);
  const shownKey = JSON.stringify(shownBands(image, draft));
  const rangeText = typed.key === shownKey ? typed.texts : {};
  const draftKey = JSON.stringify(tileQuery(draft));
  const pending = !same(draft, state.display);

  const update = (changes: Partial<Display>) => {
    setDraft((d) => ({ ...d, ...changes }));
    // Browser-side filters apply at once.
    if ("contrast" in changes || "invert" in changes) {
      const { contrast, invert } = { ...draft, ...changes };
      dispatch({ type: "display", display: { contrast, invert } });
      saveDisplay(storeKey, { ...state.display, contrast, invert });
    }
  };
  // What changes the bands shown resets the stretch to the image's defaults for them.
  const rebands = (changes: Partial<Display>) => update({ ...changes, rescale: null });

  const badRange = draft.rescale?.some(([low, high]) => !(low < high));
  const incomplete = labels.findIndex((_, i) =>
    ([0, 1] as const).some((e) => {
      const text = rangeText[`${i}-${e}`];
      return text !== undefined && (!text.trim() || !Number.isFinite(Number(text)));
    }),
  );
  const error =
    incomplete >= 0
      ? `Stretch: give a minimum and a maximum for ${labels[incomplete]}.`
      : badRange
        ? "Stretch: each minimum must be below its maximum."
        : pending && refusal?.key === draftKey
          ? refusal.message
          : "";

  // Server-side choices: checked with the TileJSON (the API names what the image cannot
  // do), then committed to the tile layer.
  useEffect(() => {
    if (same(draft, state.display) || badRange) return;
    const controller = new AbortController();
    const key = JSON.stringify(tileQuery(draft));
    const timer = window.setTimeout(async () => {
      setCheckingKey(key);
      try {
        if (image.image_tiles) {
          await api(`/images/${image.id}/tilejson.json`, {
            query: { ...tileQuery(draft), space: "image" },
            signal: controller.signal,
          });
        }
        const { mode, preset, bands, index, colormap, rescale, gamma, brightness } = draft;
        dispatch({ type: "display", display: { mode, preset, bands, index, colormap, rescale, gamma, brightness } });
        saveDisplay(storeKey, draft);
      } catch (e) {
        if (controller.signal.aborted) return;
        if (restored && key === JSON.stringify(tileQuery(restored))) {
          // The saved view does not fit this image: back to the defaults, said quietly.
          setDraft({ ...DEFAULT_DISPLAY, contrast: draft.contrast, invert: draft.invert });
          setNote(`The event's last view does not fit this image (${errorText(e)}); showing the default.`);
        } else {
          setRefusal({ key, message: errorText(e) });
        }
      }
    }, CHECK_DELAY_MS);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [draft, state.display, badRange, image.id, image.image_tiles, dispatch, restored, storeKey]);
  const checking = pending && checkingKey === draftKey && refusal?.key !== draftKey;

  const setMode = (mode: Display["mode"]) => {
    if (mode === "bands" && !draft.bands.length) {
      const shown = shownBands(image, draft);
      const bands = Array.isArray(shown) ? shown.map((i) => choices[i - 1]?.value ?? String(i)) : [];
      rebands({ mode, bands: bands.length ? bands : [choices[0]?.value ?? "1"], colormap: "" });
    } else if (mode === "index") {
      // The first index the image's bands allow (the current one if it does); with none,
      // the API's refusal says which bands are missing.
      const usable = (name: string) => {
        const ix = INDICES.find((i) => i.name === name);
        return !!ix && "indexes" in resolveRoles(image, ix.roles);
      };
      const index = usable(draft.index) ? draft.index : (INDICES.find((i) => usable(i.name))?.name ?? draft.index);
      rebands({ mode, index, colormap: "" });
    } else {
      rebands({ mode, colormap: "" });
    }
  };

  const setRange = (k: number, end: 0 | 1, text: string) => {
    const texts = { ...rangeText, [`${k}-${end}`]: text };
    setTyped({ key: shownKey, texts });
    const ranges: [number, number][] = [];
    for (let i = 0; i < labels.length; i++) {
      const base = draft.rescale?.[i] ?? defaults[i] ?? null;
      const [lowText, highText] = ([0, 1] as const).map((e) => texts[`${i}-${e}`] ?? (base ? String(base[e]) : ""));
      const [low, high] = [Number(lowText), Number(highText)];
      if (!lowText?.trim() || !highText?.trim() || !Number.isFinite(low) || !Number.isFinite(high)) return;
      ranges.push([low, high]);
    }
    const unchanged = ranges.every((r, i) => r[0] === defaults[i]?.[0] && r[1] === defaults[i]?.[1]);
    update({ rescale: unchanged ? null : ranges });
  };

  const reset = () => {
    setTyped({ key: "", texts: {} });
    setRefusal(null);
    setNote("");
    saveDisplay(storeKey, null);
    setDraft(DEFAULT_DISPLAY);
    dispatch({ type: "display", display: DEFAULT_DISPLAY });
  };

  const oneBand = draft.mode === "index" || (draft.mode === "bands" && draft.bands.length === 1);
  const indexDefault = INDICES.find((i) => i.name === draft.index)?.colormap;

  return (
    <section aria-labelledby="editor-display" className="display-panel">
      <h2 id="editor-display">Display</h2>
      <div className="display-grid">
        <label>
          Show
          <select value={draft.mode} onChange={(e) => setMode(e.target.value as Display["mode"])}>
            <option value="preset">Band preset</option>
            <option value="bands">Custom bands</option>
            <option value="index">Index</option>
          </select>
        </label>

        {draft.mode === "preset" && (
          <label>
            Preset
            <select value={draft.preset} onChange={(e) => rebands({ preset: e.target.value })}>
              <option value="">Default ({shownLabels(image, { ...draft, preset: "" }).map((l) => l.replace(/^.: /, "")).join(", ")})</option>
              {PRESETS.map((p) => {
                const resolved = resolveRoles(image, p.roles);
                const missing = "missing" in resolved ? resolved.missing : "";
                return (
                  <option key={p.name} value={p.name} disabled={!!missing && draft.preset !== p.name}>
                    {p.label}
                    {missing ? ` (needs ${missing})` : ""}
                  </option>
                );
              })}
            </select>
          </label>
        )}

        {draft.mode === "index" && (
          <label>
            Index
            <select value={draft.index} onChange={(e) => rebands({ index: e.target.value })}>
              {INDICES.map((ix) => {
                const resolved = resolveRoles(image, ix.roles);
                const missing = "missing" in resolved ? resolved.missing : "";
                return (
                  <option key={ix.name} value={ix.name} disabled={!!missing && draft.index !== ix.name}>
                    {ix.label}
                    {missing ? ` (needs ${missing})` : ""}
                  </option>
                );
              })}
            </select>
          </label>
        )}
      </div>

      {draft.mode === "bands" && (
        <fieldset className="display-bands">
          <legend>Custom bands</legend>
          <div className="row">
            <label className="inline">
              <input
                type="radio"
                name="band-count"
                checked={draft.bands.length === 3}
                onChange={() => {
                  const first = draft.bands[0] ?? choices[0]?.value ?? "1";
                  const pick = (k: number) => choices[Math.min(k, choices.length - 1)]?.value ?? first;
                  rebands({ bands: [first, pick(1), pick(2)], colormap: "" });
                }}
              />
              Red, green, blue
            </label>
            <label className="inline">
              <input
                type="radio"
                name="band-count"
                checked={draft.bands.length === 1}
                onChange={() => rebands({ bands: [draft.bands[0] ?? choices[0]?.value ?? "1"] })}
              />
              One band
            </label>
          </div>
          <div className="display-grid">
            {draft.bands.map((band, k) => (
              <label key={k}>
                {draft.bands.length === 3 ? CHANNELS[k] : "Band"}
                <select
                  value={band}
                  onChange={(e) => rebands({ bands: draft.bands.map((b, i) => (i === k ? e.target.value : b)) })}
                >
                  {choices.map((c) => (
                    <option key={c.value} value={c.value}>
                      {c.label}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </div>
        </fieldset>
      )}

      {oneBand && (
        <label>
          Colormap
          <select value={draft.colormap} onChange={(e) => update({ colormap: e.target.value })}>
            <option value="">{draft.mode === "index" ? `Default (${indexDefault})` : "Grey"}</option>
            {COLORMAPS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      )}

      <fieldset className="display-stretch">
        <legend>Stretch: values from min to max fill the display range</legend>
        {labels.map((label, k) => {
          const range = draft.rescale?.[k] ?? defaults[k] ?? null;
          return (
            <div className="stretch-row" key={`${shownKey}-${k}`}>
              <span className="stretch-name">{label}</span>
              <input
                  type="number"
                  step="any"
                  aria-label={`Minimum of ${label}`}
                  value={rangeText[`${k}-0`] ?? (range ? String(range[0]) : "")}
                  placeholder="min"
                  onChange={(e) => setRange(k, 0, e.target.value)}
                />
              <input
                  type="number"
                  step="any"
                  aria-label={`Maximum of ${label}`}
                  value={rangeText[`${k}-1`] ?? (range ? String(range[1]) : "")}
                  placeholder="max"
                  onChange={(e) => setRange(k, 1, e.target.value)}
                />
            </div>
          );
        })}
        <p className="muted small">
          {draft.mode === "index"
            ? "Default: -1 to 1 (an index is a normalized difference)."
            : "Defaults: the image's 2nd and 98th percentiles per band."}
        </p>
      </fieldset>

      <Slider label="Gamma" min={0.1} max={5} step={0.1} value={draft.gamma} onChange={(gamma) => update({ gamma })} />
      <Slider
        label="Brightness"
        min={-1}
        max={1}
        step={0.05}
        value={draft.brightness}
        onChange={(brightness) => update({ brightness })}
      />
      <Slider
        label="Contrast"
        min={0.2}
        max={3}
        step={0.05}
        value={draft.contrast}
        onChange={(contrast) => update({ contrast })}
      />
      <div className="row display-actions">
        <label className="inline">
          <input type="checkbox" checked={draft.invert} onChange={(e) => update({ invert: e.target.checked })} />
          Invert
        </label>
        <button type="button" className="secondary" onClick={reset}>
          Reset display
        </button>
        {checking && <span className="muted small">Checking…</span>}
      </div>
      {note && <p className="muted small">{note}</p>}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function loadDisplay(key: string): Display | null {
  try {
    const text = window.localStorage.getItem(key);
    if (!text) return null;
    const saved = JSON.parse(text) as Partial<Display>;
    return typeof saved === "object" && saved ? { ...DEFAULT_DISPLAY, ...saved } : null;
  } catch {
    return null; // storage refused or not our JSON: no saved view
  }
}

function saveDisplay(key: string, display: Display | null): void {
  try {
    const plain = !display || (same(display, DEFAULT_DISPLAY) && display.contrast === 1 && !display.invert);
    if (display && !plain) window.localStorage.setItem(key, JSON.stringify(display));
    else window.localStorage.removeItem(key);
  } catch {
    // private mode or full: the view is simply not remembered
  }
}

function Slider(props: {
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
  onChange: (value: number) => void;
}) {
  const { label, min, max, step, value, onChange } = props;
  return (
    <label className="slider">
      <span>
        {label} <output>{Number(value.toFixed(2))}</output>
      </span>
      <input
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        aria-label={label}
        onChange={(e) => onChange(Number(e.target.value))}
      />
    </label>
  );
}
