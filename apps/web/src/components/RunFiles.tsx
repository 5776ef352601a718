"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../lib/trpc";
import { Failed, Loading } from "./States";

const size = (b: number) => (b < 1024 ? `${b} B` : b < 1024 ** 2 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1024 ** 2).toFixed(1)} MiB`);

/** The files in a run's output directory, each a download link (the server confines them to that directory). */
export function RunFiles({ id, live }: { id: string; live: boolean }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.run.artifacts.queryOptions({ id }), refetchInterval: live ? 5000 : false });
  if (q.isPending) return <Loading what="files" />;
  if (q.error) return <Failed what="files" error={q.error} />;
  if (q.data.files.length === 0) return <p className="muted">No files yet.</p>;
  return (
    <details data-testid="run-files">
      <summary>
        {q.data.files.length} file{q.data.files.length === 1 ? "" : "s"} in the run&apos;s directory
      </summary>
      <div className="scroll-x">
        <table className="data">
          <tbody>
            {q.data.files.map((f) => (
              <tr key={f.path}>
                <td className="mono">
                  <a href={f.url} download={f.path.split("/").pop()}>
                    {f.path}
                  </a>
                </td>
                <td className="num">{size(f.bytes)}</td>
                <td className="muted">{new Date(f.modifiedAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
