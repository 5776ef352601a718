import { experimentRouter } from "./routers/experiment.js";
import { runRouter } from "./routers/run.js";
import { router } from "./trpc.js";

export const appRouter = router({
  experiment: experimentRouter,
  run: runRouter,
});

export type AppRouter = typeof appRouter;
