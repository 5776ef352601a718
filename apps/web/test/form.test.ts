import { describe, expect, it } from "vitest";
import { discriminator, getIn, setIn } from "../src/lib/jsonSchema";
import { PRESETS } from "../src/lib/presets";
import { checkConfig, checkSweep, CONFIG_SCHEMA, KINDS, parseValues } from "../src/lib/validate";

describe("config form helpers", () => {
  it("sets nested values without mutating, and removing a key lets the default apply", () => {
    const v = { a: { b: 1 }, list: [{ x: 1 }] };
    const w = setIn(v, ["a", "c"], 2) as typeof v & { a: { c: number } };
    expect(w.a).toEqual({ b: 1, c: 2 });
    expect(v.a).toEqual({ b: 1 });
    expect(setIn(v, ["list", 0, "x"], 5)).toEqual({ a: { b: 1 }, list: [{ x: 5 }] });
    expect(setIn(v, ["a", "b"], undefined)).toEqual({ a: {}, list: [{ x: 1 }] });
    expect(getIn(w, ["a", "c"])).toBe(2);
  });

  it("finds the discriminator of the experiment kinds and of the task sources", () => {
    expect(discriminator(CONFIG_SCHEMA)).toBe("kind");
    const task = CONFIG_SCHEMA.oneOf?.[0]?.properties?.task;
    expect(task && discriminator(task)).toBe("source");
    expect(KINDS.has("classification")).toBe(true);
  });

  it("accepts every preset whose kind the schema knows, except for file paths the user sets", () => {
    for (const p of PRESETS.filter((p) => KINDS.has(String(p.config.kind)))) {
      const c = checkConfig(p.config);
      expect(c.ok ? [] : c.issues.map((i) => `${p.id}: ${i.path.join(".")} ${i.message}`)).toEqual([]);
    }
  });

  it("keys validation messages by the field path the form renders", () => {
    const smoke = PRESETS.find((p) => p.id === "smoke")!.config;
    const c = checkConfig({ ...smoke, name: "", strong_train: { epochs: 0 } });
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect([...c.errors.keys()].sort()).toEqual(["name", "strong_train.epochs"]);
  });

  it("offers the registered losses, weak architectures and built-in tasks as choices, and flags another name", () => {
    const cls = CONFIG_SCHEMA.oneOf!.find((b) => b.properties?.kind?.const === "classification")!;
    expect(cls.properties!.methods!.items!.properties!.loss!.enum).toEqual(expect.arrayContaining(["xent", "logconf", "edl"]));
    expect(cls.properties!.weak!.items!.properties!.arch!.enum).toEqual(expect.arrayContaining(["bow", "cnn", "hf"]));
    const builtin = cls.properties!.task!.oneOf!.find((b) => b.properties?.source?.const === "builtin")!;
    expect(builtin.properties!.name!.enum).toEqual(["synonyms"]);
    const smoke = PRESETS.find((p) => p.id === "smoke")!.config;
    const c = checkConfig({ ...smoke, methods: [{ name: "a", loss: "nope" }] });
    expect(c.ok ? [] : [...c.errors.keys()]).toEqual(["methods.0.loss"]);
  });

  it("parses sweep values as numbers, words or a JSON array", () => {
    expect(parseValues("0.001, 0.003")).toEqual([0.001, 0.003]);
    expect(parseValues("a, b")).toEqual(["a", "b"]);
    expect(parseValues("[[0],[1]]")).toEqual([[0], [1]]);
  });

  it("counts a sweep's child runs and refuses a value that makes a child invalid", () => {
    const base = PRESETS.find((p) => p.id === "smoke")!.config;
    const ok = checkSweep(base, [
      { path: "seeds", values: "[[0],[1]]" },
      { path: "strong_train.lr", values: "0.001, 0.003, 0.01" },
    ]);
    expect(ok.children).toBe(6);
    expect(ok.errors.size).toBe(0);
    expect(ok.sweep).toEqual({ seeds: [[0], [1]], "strong_train.lr": [0.001, 0.003, 0.01] });
    const bad = checkSweep(base, [{ path: "strong_train.epochs", values: "1, 0" }]);
    expect(bad.errors.get(0)).toMatch(/value 0: strong_train.epochs/);
    expect(checkSweep(base, [{ path: "../etc", values: "1" }]).errors.get(0)).toMatch(/dotted config path/);
  });
});
