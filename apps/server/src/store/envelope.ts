/** The lowest and highest point of a set of metric points (a downsampling bucket or a rollup). */
export interface Envelope {
  minStep: number;
  minValue: number;
  maxStep: number;
  maxValue: number;
}

/** Widens `e` to cover another envelope's extremes (a single point is minStep = maxStep). */
export function widen(e: Envelope, minStep: number, minValue: number, maxStep: number, maxValue: number): void {
  if (minValue < e.minValue) {
    e.minValue = minValue;
    e.minStep = minStep;
  }
  if (maxValue > e.maxValue) {
    e.maxValue = maxValue;
    e.maxStep = maxStep;
  }
}
