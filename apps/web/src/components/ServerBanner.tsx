"use client";
import { useEffect, useState } from "react";

const PROBE_MS = 5_000;

/**
 * Probes the server's health endpoint every few seconds; a network failure or an error status means
 * it is down, and the banner says so instead of leaving pages blank or spinning.
 */
export function ServerBanner() {
  const [down, setDown] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const probe = async () => {
      try {
        const r = await fetch("/api/health", { cache: "no-store", signal: AbortSignal.timeout(4_000) });
        if (alive) setDown(r.ok ? null : `the health check answered ${r.status}`);
      } catch (e) {
        if (alive) setDown(e instanceof Error ? e.message : String(e));
      }
    };
    void probe();
    const id = setInterval(probe, PROBE_MS);
    return () => {
      alive = false;
      clearInterval(id);
    };
  }, []);
  if (!down) return null;
  return (
    <div role="alert" className="banner error" data-testid="server-down">
      <strong>The ws2s server is not reachable</strong> ({down}). Start it with <code>npx ws2s serve</code>{" "}
      (or <code>npm start</code>); this page retries every {PROBE_MS / 1000} s.
    </div>
  );
}
