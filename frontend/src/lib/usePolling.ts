import { useEffect, useRef } from "react";

/** Calls `tick` now and every `ms` while `active`; a tick that returns false stops it. */
export function usePolling(tick: () => Promise<boolean | undefined>, ms: number, active = true): void {
  const latest = useRef(tick);
  useEffect(() => {
    latest.current = tick;
  });
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      let again: boolean | undefined = true;
      try {
        again = await latest.current();
      } catch {
        // a failed poll (network blip) is retried on the next tick
      }
      if (!stopped && again !== false) timer = setTimeout(run, ms);
    };
    void run();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [ms, active]);
}
