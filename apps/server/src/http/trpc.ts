import { callTRPCProcedure, getTRPCErrorFromUnknown, getTRPCErrorShape, type TRPCProcedureType } from "@trpc/server";
import { fastifyRequestHandler } from "@trpc/server/adapters/fastify";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { appRouter } from "../router.js";
import type { Services } from "../trpc.js";
import { tooDeep } from "./origin.js";

/** Procedures by dotted path ("experiment.list"), as tRPC's router flattens them. */
const PROCEDURES = appRouter._def.procedures as unknown as Record<string, { _def: { type: TRPCProcedureType } } | undefined>;

interface Answer {
  status: number;
  body: unknown;
}

/**
 * tRPC under /trpc. Plain queries and mutations (single or batched, JSON in and out) are answered
 * here by calling the procedure directly; tRPC's own adapter turns every request into a Fetch
 * Request and Response first, which cost ~10x the procedure itself. Everything else (event streams,
 * streamed batches, wrong methods, unknown procedures, unparsable input) goes to tRPC's fastify
 * handler, which answers as tRPC always has. Both answer in the same shapes.
 */
export async function registerTrpc(app: FastifyInstance, services: Services): Promise<void> {
  await app.register(async (scope) => {
    // As tRPC's plugin does: tRPC reads JSON bodies itself (fastify's bodyLimit still applies).
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => done(null, body));
    scope.all<{ Params: { path: string } }>("/trpc/:path", async (req, reply) => {
      const text = req.method === "GET" ? (req.query as Record<string, string | undefined>).input : (req.body as string | undefined);
      const deep = tooDeep(typeof text === "string" ? text : undefined);
      if (deep) {
        const error = { message: deep, code: -32600, data: { code: "BAD_REQUEST", httpStatus: 400, path: req.params.path } };
        return reply.code(400).type("application/json").send(JSON.stringify({ error }));
      }
      const answer = await direct(req, services);
      if (answer) return reply.code(answer.status).type("application/json").send(JSON.stringify(answer.body));
      await fastifyRequestHandler({ router: appRouter, createContext: async () => services, req, res: reply, path: req.params.path });
    });
  });
}

/** The answer to a plain query/mutation request, or undefined for tRPC's handler to answer. */
async function direct(req: FastifyRequest<{ Params: { path: string } }>, ctx: Services): Promise<Answer | undefined> {
  const query = req.query as Record<string, string | undefined>;
  if (req.headers["trpc-accept"] !== undefined || query.connectionParams !== undefined) return undefined;
  const batch = query.batch === "1" || query.batch === "true";
  const paths = batch ? req.params.path.split(",") : [req.params.path];
  const types: TRPCProcedureType[] = [];
  for (const path of paths) {
    const type = PROCEDURES[path]?._def.type;
    if (type === undefined || type === "subscription" || (type === "query") !== (req.method === "GET")) return undefined;
    types.push(type);
  }
  let raw: unknown;
  try {
    const text = req.method === "GET" ? query.input : (req.body as string | undefined);
    raw = text === undefined || text === "" ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
  if (batch && raw !== undefined && (typeof raw !== "object" || raw === null)) return undefined;
  const inputs = batch ? paths.map((_, i) => (raw as Record<string, unknown> | undefined)?.[i]) : [raw];
  const answers = await Promise.all(paths.map((path, i) => call(ctx, path, types[i] as TRPCProcedureType, inputs[i], batch ? i : 0)));
  if (!batch) return answers[0];
  const statuses = new Set(answers.map((a) => a.status));
  return { status: statuses.size === 1 ? (answers[0] as Answer).status : 207, body: answers.map((a) => a.body) };
}

async function call(ctx: Services, path: string, type: TRPCProcedureType, input: unknown, batchIndex: number): Promise<Answer> {
  try {
    const data = await callTRPCProcedure({ router: appRouter, path, type, ctx, getRawInput: async () => input, signal: undefined, batchIndex });
    return { status: 200, body: { result: { data } } };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    const shape = getTRPCErrorShape({ config: appRouter._def._config, error, type, path, input, ctx });
    return { status: getHTTPStatusCodeFromError(error), body: { error: shape } };
  }
}
