import demoClassification from "../../../../experiments/demo-classification.json";
import demoGeneration from "../../../../experiments/demo-generation.json";
import smokeClassification from "../../../../experiments/smoke-classification.json";

export interface Preset {
  id: string;
  label: string;
  note: string;
  config: Record<string, unknown>;
}

// The demo and smoke configs are the files under experiments/ (one source of truth with the CLI).
// The file-based presets point at a path the user edits; the server confines it to its data roots.

const fileWeak = [
  { name: "bow", arch: "bow" },
  { name: "cnn", arch: "cnn" },
];
const genWeak = [{ name: "w_word" }, { name: "w_char", tokenizer: "char" }];
const fileMethods = [
  { name: "naive", loss: "xent" },
  { name: "edl", loss: "edl" },
];

/** Starting points for the form; a preset whose kind the schema does not know is hidden. */
export const PRESETS: Preset[] = [
  { id: "smoke", label: "Smoke test (classification)", note: "experiments/smoke-classification.json: seconds on a CPU", config: smokeClassification },
  { id: "classification-demo", label: "Classification demo", note: "experiments/demo-classification.json: a few minutes on a CPU", config: demoClassification },
  {
    id: "generation-demo",
    label: "Generation demo",
    note: "experiments/demo-generation.json: the README's generation demo (students learn slot filling: SLU-F1 ≈ 0.6); ~15 min on a CPU for 3 seeds",
    config: demoGeneration,
  },
  {
    id: "sciq",
    label: "SciQ-format file",
    note: "JSONL with question, support, correct_answer, distractor1..3 → verification pairs; set the path (inside data/)",
    config: { kind: "classification", name: "sciq", task: { source: "sciq", path: "data/sciq/train.jsonl" }, weak: fileWeak, methods: fileMethods },
  },
  {
    id: "slurp",
    label: "SLURP-format file",
    note: "SLURP JSONL (sentence + [type : value] annotations); set the path (inside data/)",
    config: {
      kind: "generation",
      name: "slurp",
      task: { source: "slurp", path: "data/slurp/devel.jsonl" },
      weak: genWeak,
      methods: [{ name: "soft", loss: "soft" }],
    },
  },
];
