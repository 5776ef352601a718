import { ExperimentCloneInput, ExperimentCompareInput, ExperimentCreateInput, ExperimentListInput, RunIdInput } from "@ws2s/schema";
import { TRPCError } from "@trpc/server";
import { compareRuns, type ComparedRun } from "../compare.js";
import { applyOverrides } from "../config-paths.js";
import { procedure, router } from "../trpc.js";
import { resolveConfig } from "../validate.js";

/** The list's input, which may be left out entirely (`curl .../trpc/experiment.list` sends none). */
const ListInput = ExperimentListInput.optional().transform((v) => v ?? ExperimentListInput.parse({}));

export const experimentRouter = router({
  create: procedure.input(ExperimentCreateInput).mutation(async ({ ctx, input }) => {
    const config = resolveConfig(input.config, ctx.opts);
    const row = await ctx.store.experiments.create(config);
    return { id: row.id };
  }),

  list: procedure.input(ListInput).query(({ ctx, input }) => ctx.store.experiments.list(input)),

  get: procedure.input(RunIdInput).query(({ ctx, input }) => ctx.store.experiments.get(input.id)),

  clone: procedure.input(ExperimentCloneInput).mutation(async ({ ctx, input }) => {
    const source = await ctx.store.experiments.get(input.id);
    const overrides = input.name ? { ...input.overrides, name: input.name } : input.overrides;
    const config = resolveConfig(applyOverrides(source.config, overrides), ctx.opts, ["overrides"]);
    const row = await ctx.store.experiments.create(config, source.id);
    return { id: row.id };
  }),

  archive: procedure
    .input(RunIdInput.extend({ archived: ExperimentListInput.shape.includeArchived.default(true) }))
    .mutation(({ ctx, input }) => ctx.store.experiments.setArchived(input.id, input.archived)),

  /** The runs side by side; an id that names no run is listed in `missing` and the rest still compare. */
  compare: procedure.input(ExperimentCompareInput).query(async ({ ctx, input }) => {
    const found: ComparedRun[] = [];
    const missing: { id: string; error: string }[] = [];
    for (const id of [...new Set(input.runIds)]) {
      try {
        const r = await ctx.store.runs.get(id);
        found.push({ id: r.id, experimentId: r.experimentId, name: String(r.config.name ?? r.id), status: r.status, config: r.config, result: r.result, overrides: r.overrides });
      } catch (e) {
        if (!(e instanceof TRPCError) || e.code !== "NOT_FOUND") throw e;
        missing.push({ id, error: e.message });
      }
    }
    return compareRuns(found, missing);
  }),
});
