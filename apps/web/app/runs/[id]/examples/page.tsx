"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useMemo, useState } from "react";
import { Empty, Failed, Loading } from "../../../../src/components/States";
import { parseJsonl } from "../../../../src/lib/results";
import { useTRPC } from "../../../../src/lib/trpc";
import { ClassificationExamples, GenerationExamples, type Row } from "../../../../src/components/Examples";

export default function ExamplesPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const file = useQuery({ ...trpc.run.file.queryOptions({ id, path: "examples.jsonl" }), retry: false, staleTime: Infinity });
  const rows = useMemo(() => (file.data ? parseJsonl<Row>(file.data.text) : []), [file.data]);
  const [seed, setSeed] = useState<string>("");
  const seeds = useMemo(() => [...new Set(rows.map((r) => r.seed))], [rows]);
  const shown = seed === "" ? rows : rows.filter((r) => String(r.seed) === seed);
  const generation = rows.length > 0 && typeof rows[0]!.source === "string";

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
      ) : rows.length === 0 ? (
        <Empty>The run wrote no examples.</Empty>
      ) : generation ? (
        <GenerationExamples rows={shown} />
      ) : (
        <ClassificationExamples rows={shown} />
      )}
    </>
  );
}
