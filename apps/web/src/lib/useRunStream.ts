"use client";
import { useSubscription } from "@trpc/tanstack-react-query";
import type { ErrorEvent, LogEvent, Ws2sEvent } from "@ws2s/schema";
import { useEffect, useRef, useState } from "react";
import { useTRPC } from "./trpc";

export interface StageState {
  stage: string;
  current: number;
  total: number;
  message?: string;
  /** Event times (s) of the stage's first and latest progress. */
  first: number;
  last: number;
  /** The `current` at the first event, so ETA uses only progress seen while timing. */
  firstCurrent: number;
}

export interface RunStream {
  logs: LogEvent[];
  stages: Map<string, StageState>;
  activeStage: string | null;
  lastSeq: number;
  metricEvents: number;
  ended: boolean;
  error: ErrorEvent | null;
  connection: "connecting" | "pending" | "error" | "idle";
}

const MAX_LOGS = 2000;

function fresh(): Omit<RunStream, "connection"> {
  return { logs: [], stages: new Map(), activeStage: null, lastSeq: -1, metricEvents: 0, ended: false, error: null };
}

function apply(s: Omit<RunStream, "connection">, e: Ws2sEvent): void {
  if (e.seq <= s.lastSeq) return; // a replay after reconnecting
  s.lastSeq = e.seq;
  switch (e.type) {
    case "log":
      s.logs.push(e);
      if (s.logs.length > MAX_LOGS) s.logs.splice(0, s.logs.length - MAX_LOGS);
      break;
    case "progress": {
      const prev = s.stages.get(e.stage);
      s.stages.set(e.stage, {
        stage: e.stage,
        current: e.current,
        total: e.total,
        message: e.message ?? prev?.message,
        first: prev?.first ?? e.t,
        firstCurrent: prev?.firstCurrent ?? e.current,
        last: e.t,
      });
      s.activeStage = e.current < e.total ? e.stage : s.activeStage === e.stage ? null : s.activeStage;
      break;
    }
    case "metric":
      s.metricEvents++;
      break;
    case "done":
      s.ended = true;
      s.activeStage = null;
      break;
    case "error":
      s.ended = true;
      s.error = e;
      s.activeStage = null;
      break;
  }
}

/**
 * Follows a run's event stream (SSE; the link resumes from the last event id after a drop) and folds
 * it into logs and per-stage progress. Re-renders at most once per animation frame.
 */
export function useRunStream(id: string, enabled = true): RunStream {
  const trpc = useTRPC();
  const state = useRef(fresh());
  const [, bump] = useState(0);
  const queued = useRef(false);
  useEffect(() => {
    state.current = fresh();
    bump((n) => n + 1);
  }, [id]);
  const sub = useSubscription(
    trpc.run.events.subscriptionOptions(
      { id },
      {
        enabled,
        onData: (tracked) => {
          apply(state.current, tracked.data as Ws2sEvent);
          if (!queued.current) {
            queued.current = true;
            requestAnimationFrame(() => {
              queued.current = false;
              bump((n) => n + 1);
            });
          }
        },
      },
    ),
  );
  return { ...state.current, connection: sub.status };
}

/** Seconds left in a stage at its observed rate, or null before there is a rate. */
export function etaSeconds(s: StageState): number | null {
  const done = s.current - s.firstCurrent;
  const dt = s.last - s.first;
  if (done <= 0 || dt <= 0 || s.current >= s.total) return null;
  return ((s.total - s.current) * dt) / done;
}
