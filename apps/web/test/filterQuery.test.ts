import { describe, expect, it } from "vitest";
import { matches, parseFilter } from "../src/lib/filterQuery";
import type { RunRowView } from "../src/lib/runRow";

const row = (over: Partial<RunRowView>): RunRowView => ({
  id: "run_1", seq: 1, experimentId: "exp_1", name: "demo", status: "succeeded", kind: "classification", task: "builtin:synonyms",
  methods: "naive, edl", losses: "xent, edl", tags: "demo, unit", sweep: "", parentId: null, executor: "local", created: 0, duration: 1, weak: 0.6,
  ceiling: 0.9, best: null, top: "edl", bestAcc: 0.8, pgr: 0.4, pgrLow: 0.2, pgrHigh: 0.6, ...over,
});
const all = (r: RunRowView) => Object.values(r).join(" ");

describe("runs filter language", () => {
  it("reads field-op-value terms and free words", () => {
    expect(parseFilter("pgr>0.3 tag:demo  loss=edl words")).toEqual([
      { field: "pgr", op: ">", value: "0.3" },
      { field: "tag", op: ":", value: "demo" },
      { field: "loss", op: "=", value: "edl" },
      { field: null, op: null, value: "words" },
    ]);
    expect(parseFilter("nosuch:x")).toEqual([{ field: null, op: null, value: "nosuch:x" }]);
  });

  it("keeps a row only when every term holds", () => {
    const r = row({});
    expect(matches(r, parseFilter("pgr>0.3 tag:demo loss:edl"), all)).toBe(true);
    expect(matches(r, parseFilter("pgr>0.5"), all)).toBe(false);
    expect(matches(r, parseFilter("pgr<=0.4 status:succ"), all)).toBe(true);
    expect(matches(r, parseFilter("loss=ed"), all)).toBe(false); // = is exact (per list item)
    expect(matches(row({ pgr: null }), parseFilter("pgr>-1"), all)).toBe(false); // no PGR: never matches a comparison
    expect(matches(r, parseFilter("DEMO synonyms"), all)).toBe(true);
  });
});
