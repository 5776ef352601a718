import { createReadStream, statSync } from "node:fs";
import { extname } from "node:path";
import type { FastifyInstance } from "fastify";
import { confine, PathNotAllowedError } from "../confine.js";
import type { Services } from "../trpc.js";

const TYPES: Record<string, string> = {
  ".json": "application/json",
  ".jsonl": "application/x-ndjson",
  ".txt": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
  ".csv": "text/csv",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/**
 * GET /api/runs/:id/files/<path>: a file from the run's output directory (never outside it, links
 * included: confine() resolves them before checking).
 */
export function registerRunFiles(app: FastifyInstance, services: Services): void {
  app.get<{ Params: { id: string; "*": string } }>("/api/runs/:id/files/*", async (req, reply) => {
    let run;
    try {
      run = await services.store.runs.get(req.params.id);
    } catch {
      return reply.code(404).send({ error: `run "${req.params.id}" does not exist` });
    }
    if (!run.outDir) return reply.code(404).send({ error: "this run has no output directory" });
    let file: string;
    try {
      file = confine(req.params["*"], [run.outDir]);
    } catch (e) {
      if (e instanceof PathNotAllowedError) return reply.code(400).send({ error: e.message });
      throw e;
    }
    const stat = (() => {
      try {
        return statSync(file);
      } catch {
        return undefined;
      }
    })();
    if (!stat?.isFile()) return reply.code(404).send({ error: `no file "${req.params["*"]}" in the run's output` });
    reply.header("content-type", TYPES[extname(file)] ?? "application/octet-stream");
    reply.header("content-length", stat.size);
    return reply.send(createReadStream(file));
  });
}
