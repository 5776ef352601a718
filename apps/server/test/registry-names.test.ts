import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REGISTRIES } from "@ws2s/schema";
import type { Ws2sServer } from "../src/app.js";
import { sandbox, server, TINY_CONFIG, type Sandbox } from "./helpers.js";

// Loss, weak architecture and built-in task names are enums generated from the Python registries
// (packages/schema/src/registries.json): experiment.create refuses another name before any Python runs.

let sb: Sandbox;
let s: Ws2sServer;

beforeEach(async () => {
  sb = sandbox();
  s = await server(sb, { concurrency: 0 }); // runs stay queued: no Python
});
afterEach(async () => {
  await s.close();
  sb.cleanup();
});

const GENERATION = {
  name: "gen",
  kind: "generation",
  task: { source: "builtin", name: "assistant", size: 100 },
  weak: [{ name: "w" }],
  methods: [{ name: "naive", loss: "xent" }],
};

/** experiment.create over HTTP, as the web app and curl send it: the status and each issue's path and message. */
async function create(config: unknown) {
  const res = await s.app.inject({ method: "POST", url: "/trpc/experiment.create", headers: { "content-type": "application/json" }, payload: JSON.stringify({ config }) });
  const body = res.json() as { error?: { data?: { issues?: { path: (string | number)[]; message: string }[] } } };
  return { status: res.statusCode, issues: (body.error?.data?.issues ?? []).map((i) => ({ path: i.path.join("."), message: i.message })) };
}

describe("registered names", () => {
  it("answers 400 naming methods[0].loss for a loss no registry has, listing the valid ones", async () => {
    const r = await create({ ...TINY_CONFIG, methods: [{ name: "a", loss: "nope" }] });
    expect(r.status).toBe(400);
    expect(r.issues.map((i) => i.path)).toEqual(["config.methods.0.loss"]);
    for (const loss of REGISTRIES.classification.losses) expect(r.issues[0]!.message).toContain(`"${loss}"`);
  });

  it("answers 400 naming the field for an unknown weak architecture or built-in task", async () => {
    const arch = await create({ ...TINY_CONFIG, weak: [{ name: "w", arch: "lstm9" }] });
    expect([arch.status, arch.issues.map((i) => i.path)]).toEqual([400, ["config.weak.0.arch"]]);
    const task = await create({ ...TINY_CONFIG, task: { source: "builtin", name: "nope" } });
    expect([task.status, task.issues.map((i) => i.path)]).toEqual([400, ["config.task.name"]]);
  });

  it("checks a generation config against the generation registries", async () => {
    expect((await create(GENERATION)).status).toBe(200);
    const loss = await create({ ...GENERATION, methods: [{ name: "a", loss: "logconf" }] }); // a classification loss
    expect([loss.status, loss.issues.map((i) => i.path)]).toEqual([400, ["config.methods.0.loss"]]);
    const arch = await create({ ...GENERATION, weak: [{ name: "w", arch: "bow" }] });
    expect([arch.status, arch.issues.map((i) => i.path)]).toEqual([400, ["config.weak.0.arch"]]);
    const task = await create({ ...GENERATION, task: { source: "builtin", name: "synonyms" } });
    expect([task.status, task.issues.map((i) => i.path)]).toEqual([400, ["config.task.name"]]);
  });

  it("accepts every registered name", async () => {
    for (const loss of REGISTRIES.classification.losses) {
      const weak = loss === "multi_weak" ? "all" : "ensemble";
      expect((await create({ ...TINY_CONFIG, methods: [{ name: "m", loss, weak }] })).status, loss).toBe(200);
    }
    for (const arch of REGISTRIES.classification.weak_archs) {
      const member = arch === "hf" ? { name: "w", arch, model: "some/model" } : { name: "w", arch };
      expect((await create({ ...TINY_CONFIG, weak: [member] })).status, arch).toBe(200);
    }
  });
});
