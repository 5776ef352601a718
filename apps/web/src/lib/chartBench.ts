import uPlot from "uplot";
import { plotOptions } from "../components/LineChart";
import { groupColor } from "./seriesGroups";

export interface ChartBenchResult {
  series: number;
  points: number;
  initialRenderMs: number;
  frames: number;
  meanFrameMs: number;
  p95FrameMs: number;
  meanDrawMs: number;
  p95DrawMs: number;
}

/** Deterministic random walks: `series` rows of `points` values sharing one x axis. */
export function randomWalks(series: number, points: number, seed = 1): uPlot.AlignedData {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const xs = new Float64Array(points);
  for (let i = 0; i < points; i++) xs[i] = i;
  const rows: Float64Array[] = [];
  for (let k = 0; k < series; k++) {
    const ys = new Float64Array(points);
    let v = k;
    for (let i = 0; i < points; i++) ys[i] = v += rand();
    rows.push(ys);
  }
  return [xs, ...rows] as unknown as uPlot.AlignedData;
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
const p95 = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(0.95 * (a.length - 1))] ?? 0;

/**
 * Renders `series` × `points` into `el` and pans the x range once per animation frame for `frames`
 * frames, so every frame redraws all series. Frame time = interval between animation frames; draw
 * time = uPlot's own redraw (clear → draw hooks); initial render = construction to the end of the first draw.
 */
export async function runChartBench(el: HTMLElement, series = 50, points = 10_000, frames = 120): Promise<ChartBenchResult> {
  const data = randomWalks(series, points);
  const draws: number[] = [];
  let drawStart = 0;
  let firstDrawnAt = 0;
  // The app's own chart options (axes, number formats, colours), so the benchmark measures what pages draw.
  const opts: uPlot.Options = {
    ...plotOptions({
      width: Math.max(400, el.clientWidth),
      height: 400,
      legend: false,
      style: { fg: getComputedStyle(el).color, grid: "rgba(128,128,128,0.2)" },
      series: Array.from({ length: series }, (_, i) => ({ label: `s${i}`, color: groupColor(i), width: 1 })),
    }),
    hooks: {
      drawClear: [() => void (drawStart = performance.now())],
      draw: [
        () => {
          const now = performance.now();
          firstDrawnAt ||= now;
          draws.push(now - drawStart);
        },
      ],
    },
  };
  const t0 = performance.now();
  const u = new uPlot(opts, data, el);
  // uPlot may finish its first draw after the constructor returns: wait for it.
  while (!firstDrawnAt) await new Promise((r) => requestAnimationFrame(r));
  const initialRenderMs = firstDrawnAt - t0;
  draws.length = 0;

  const stamps: number[] = [];
  await new Promise<void>((done) => {
    let i = 0;
    const span = points * 0.9;
    const tick = (ts: number) => {
      stamps.push(ts);
      if (i++ >= frames) return done();
      const min = ((i * points) / frames) * 0.1;
      u.setScale("x", { min, max: min + span });
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const intervals = stamps.slice(1).map((t, i) => t - (stamps[i] as number));
  return {
    series,
    points,
    initialRenderMs,
    frames: intervals.length,
    meanFrameMs: mean(intervals),
    p95FrameMs: p95(intervals),
    meanDrawMs: mean(draws),
    p95DrawMs: p95(draws),
  };
}
