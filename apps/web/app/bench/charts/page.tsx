"use client";
import { useRef, useState } from "react";
import { runChartBench, type ChartBenchResult } from "../../../src/lib/chartBench";

declare global {
  interface Window {
    __chartBench?: ChartBenchResult;
  }
}

export default function ChartBenchPage() {
  const host = useRef<HTMLDivElement>(null);
  const [result, setResult] = useState<ChartBenchResult | null>(null);
  const [busy, setBusy] = useState(false);
  const start = async () => {
    if (!host.current) return;
    setBusy(true);
    host.current.replaceChildren();
    const r = await runChartBench(host.current);
    window.__chartBench = r;
    setResult(r);
    setBusy(false);
  };
  return (
    <>
      <h1>Chart benchmark</h1>
      <p className="muted">
        50 series × 10,000 points in one uPlot chart; the x range pans every animation frame so each frame redraws all
        500,000 points.
      </p>
      <button className="btn primary" onClick={start} disabled={busy} data-testid="bench-start">
        {busy ? "Running…" : "Run benchmark"}
      </button>
      {result && (
        <table className="data" data-testid="bench-result" style={{ maxWidth: 520, marginTop: 12 }}>
          <tbody>
            <tr><th>initial render</th><td className="num">{result.initialRenderMs.toFixed(1)} ms</td></tr>
            <tr><th>frames</th><td className="num">{result.frames}</td></tr>
            <tr><th>frame time mean / p95</th><td className="num">{result.meanFrameMs.toFixed(1)} / {result.p95FrameMs.toFixed(1)} ms</td></tr>
            <tr><th>uPlot redraw mean / p95</th><td className="num">{result.meanDrawMs.toFixed(1)} / {result.p95DrawMs.toFixed(1)} ms</td></tr>
          </tbody>
        </table>
      )}
      <div ref={host} style={{ marginTop: 16 }} />
    </>
  );
}
