import { describe, expect, it } from "vitest";
import { executorLabel } from "../src/lib/runRow";

describe("executorLabel", () => {
  it("names the executor, the engine's job id and its state", () => {
    expect(executorLabel({ executor: "slurm", jobId: "1234", jobState: "PENDING (Resources)" })).toBe("slurm 1234 · PENDING (Resources)");
    expect(executorLabel({ executor: "local", jobId: null, jobState: null })).toBe("local");
    expect(executorLabel({ executor: null })).toBe("");
  });
});
