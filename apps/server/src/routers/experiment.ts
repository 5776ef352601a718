import { ExperimentCloneInput, ExperimentCompareInput, ExperimentCreateInput, ExperimentListInput, RunIdInput } from "@ws2s/schema";
import { inArray } from "drizzle-orm";
import { compareRuns } from "../compare.js";
import { applyOverrides } from "../config-paths.js";
import { runs } from "../db/schema.js";
import { notFound } from "../errors.js";
import { createExperiment, getExperiment, listExperiments, setArchived } from "../store/experiments.js";
import { procedure, router } from "../trpc.js";
import { resolveConfig } from "../validate.js";

export const experimentRouter = router({
  create: procedure.input(ExperimentCreateInput).mutation(({ ctx, input }) => {
    const config = resolveConfig(input.config, ctx.opts);
    const row = createExperiment(ctx.db, config);
    return { id: row.id };
  }),

  list: procedure.input(ExperimentListInput).query(({ ctx, input }) => listExperiments(ctx.sqlite, input)),

  get: procedure.input(RunIdInput).query(({ ctx, input }) => getExperiment(ctx.db, input.id)),

  clone: procedure.input(ExperimentCloneInput).mutation(({ ctx, input }) => {
    const source = getExperiment(ctx.db, input.id);
    const overrides = input.name ? { ...input.overrides, name: input.name } : input.overrides;
    const config = resolveConfig(applyOverrides(source.config, overrides), ctx.opts, ["overrides"]);
    const row = createExperiment(ctx.db, config, source.id);
    return { id: row.id };
  }),

  archive: procedure
    .input(RunIdInput.extend({ archived: ExperimentListInput.shape.includeArchived.default(true) }))
    .mutation(({ ctx, input }) => setArchived(ctx.db, input.id, input.archived)),

  compare: procedure.input(ExperimentCompareInput).query(({ ctx, input }) => {
    const rows = ctx.db.select().from(runs).where(inArray(runs.id, input.runIds)).all();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const ordered = input.runIds.map((id) => {
      const r = byId.get(id);
      if (!r) throw notFound("run", id);
      return { id: r.id, experimentId: r.experimentId, name: String(r.config.name ?? r.id), status: r.status, config: r.config, result: r.result };
    });
    return compareRuns(ordered);
  }),
});
