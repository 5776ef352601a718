"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useMemo, useState } from "react";
import { Empty, Failed, Loading } from "../../../../src/components/States";
import { parseExamples, type Examples } from "../../../../src/lib/results";
import { useTRPC } from "../../../../src/lib/trpc";
import { ClassificationExamples, GenerationExamples } from "../../../../src/components/Examples";

export default function ExamplesPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const file = useQuery({ ...trpc.run.file.queryOptions({ id, path: "examples.jsonl" }), retry: false, staleTime: Infinity });
  const parsed = useMemo((): { examples: Examples; error?: undefined } | { examples?: undefined; error: Error } => {
    try {
      return { examples: file.data ? parseExamples(file.data.text) : { kind: "classification", rows: [] } };
    } catch (e) {
      return { error: e as Error };
    }
  }, [file.data]);
  const [seed, setSeed] = useState<string>("");
  const rows = parsed.examples?.rows ?? [];
  const seeds = useMemo(() => [...new Set(rows.map((r) => r.seed))], [rows]);
  const keep = (r: { seed: number }) => seed === "" || String(r.seed) === seed;

  return (
    <>
      <div className="row">
        <h1 style={{ margin: 0 }}>Examples</h1>
        <Link href={`/runs/${id}`}>← run {id}</Link>
        <span className="spacer" />
        {seeds.length > 1 && (
          <>
            <label htmlFor="seed">Seed</label>
            <select id="seed" value={seed} onChange={(e) => setSeed(e.target.value)}>
              <option value="">all</option>
              {seeds.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </>
        )}
      </div>
      {file.isPending ? (
        <Loading what="examples" />
      ) : file.error ? (
        file.error.data?.code === "NOT_FOUND" ? (
          <Empty>This run has no examples.jsonl yet: examples are written when a run finishes.</Empty>
        ) : (
          <Failed what="examples" error={file.error} />
        )
      ) : parsed.error ? (
        <Failed what="examples" error={parsed.error} />
      ) : rows.length === 0 ? (
        <Empty>The run wrote no examples.</Empty>
      ) : parsed.examples.kind === "generation" ? (
        <GenerationExamples rows={parsed.examples.rows.filter(keep)} />
      ) : (
        <ClassificationExamples rows={parsed.examples.rows.filter(keep)} />
      )}
    </>
  );
}
