"use client";
import { useQuery } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useEffect, useMemo, useState } from "react";
import { Failed } from "../../src/components/States";
import { SchemaForm } from "../../src/components/SchemaForm";
import { SweepBuilder } from "../../src/components/SweepBuilder";
import { PRESETS } from "../../src/lib/presets";
import { useTRPC, useTRPCClient } from "../../src/lib/trpc";
import { checkConfig, checkSweep, CONFIG_SCHEMA, issuesToErrors, KINDS, type Issue, type SweepRow } from "../../src/lib/validate";

const presets = PRESETS.filter((p) => KINDS.has(String(p.config.kind)));

export default function NewExperimentPage() {
  return (
    <Suspense fallback={null}>
      <NewExperiment />
    </Suspense>
  );
}

/** A run's resolved config as the start of a new experiment: same settings, a new name. */
function editable(config: Record<string, unknown>): Record<string, unknown> {
  return { ...config, name: `${String(config.name ?? "experiment")} (copy)` };
}

function NewExperiment() {
  const router = useRouter();
  const trpc = useTRPC();
  const from = useSearchParams().get("from");
  const source = useQuery({ ...trpc.run.get.queryOptions({ id: from ?? "" }), enabled: Boolean(from) });
  const client = useTRPCClient();
  const [preset, setPreset] = useState(presets[0]?.id ?? "");
  const [version, setVersion] = useState(0); // remounts the form when a preset replaces the value
  const [value, setValue] = useState<unknown>(structuredClone(presets[0]?.config ?? { kind: [...KINDS][0] }));
  const [tried, setTried] = useState(false);
  const [serverErrors, setServerErrors] = useState<Map<string, string[]> | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [sweepRows, setSweepRows] = useState<SweepRow[]>([]);

  // "Edit as new" from a run page: start from that run's resolved config.
  useEffect(() => {
    if (!source.data) return;
    setValue(editable(source.data.config as Record<string, unknown>));
    setPreset("");
    setVersion((v) => v + 1);
  }, [source.data]);

  const checked = useMemo(() => checkConfig(value), [value]);
  const sweep = useMemo(() => (checked.ok ? checkSweep(value, sweepRows) : null), [checked, value, sweepRows]);
  const errors = serverErrors ?? (tried && !checked.ok ? checked.errors : new Map<string, string[]>());
  const problems = tried && !checked.ok ? checked.issues.length : 0;

  const load = (id: string) => {
    const p = presets.find((x) => x.id === id);
    if (!p) return;
    setPreset(id);
    setValue(structuredClone(p.config));
    setVersion((v) => v + 1);
    setTried(false);
    setServerErrors(null);
  };

  const launch = async () => {
    setTried(true);
    setFailure(null);
    setServerErrors(null);
    if (!checked.ok) {
      // Nothing is sent: focus the first field with a message.
      // Nothing is sent: focus the field of the first issue (or the nearest field holding it, e.g.
      // seeds for "seeds.0"), not merely the first marked control on the page.
      const first = checked.issues[0]?.path.map(String) ?? [];
      requestAnimationFrame(() => {
        for (let n = first.length; n > 0; n--) {
          const el = document.querySelector<HTMLElement>(`[data-path="${CSS.escape(first.slice(0, n).join("."))}"]`);
          if (el && el.matches("input, select, textarea")) return el.focus();
        }
        document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      });
      return;
    }
    if (sweep && sweep.errors.size > 0) return;
    setSending(true);
    try {
      const exp = await client.experiment.create.mutate({ config: value });
      const run = await client.run.start.mutate({ experimentId: exp.id, ...(sweep?.sweep ? { sweep: sweep.sweep } : {}) });
      router.push(`/runs/${run.id}`);
    } catch (e) {
      const issues = (e as { data?: { issues?: Issue[] | null } }).data?.issues;
      if (issues?.length) {
        // Server-side checks (data roots, trust_remote_code) come back with paths under "config".
        setServerErrors(issuesToErrors(issues.map((i) => ({ ...i, path: i.path[0] === "config" ? i.path.slice(1) : i.path }))));
      }
      setFailure(e instanceof Error ? e.message : String(e));
      setSending(false);
    }
  };

  return (
    <>
      <h1>New experiment</h1>
      <div className="row" role="group" aria-label="Presets">
        <label htmlFor="preset">Preset</label>
        <select id="preset" value={preset} onChange={(e) => load(e.target.value)}>
          {preset === "" && <option value="">{from ? `from run ${from}` : "—"}</option>}
          {presets.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
        <span className="muted">{presets.find((p) => p.id === preset)?.note}</span>
      </div>
      {source.error && <Failed what={`run ${from}`} error={source.error} />}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void launch();
        }}
      >
        <div className="grid2" style={{ alignItems: "start" }}>
          <div key={version}>
            <SchemaForm schema={CONFIG_SCHEMA} value={value} onChange={setValue} errors={errors} />
          </div>
          <div>
            <h2>Sweep</h2>
            <SweepBuilder rows={sweepRows} onChange={setSweepRows} check={sweep} />
            <h2>Config to send</h2>
            <pre className="logs" style={{ maxHeight: 420 }} data-testid="config-preview">
              {JSON.stringify(value, null, 2)}
            </pre>
          </div>
        </div>
        <div className="row" style={{ position: "sticky", bottom: 0, background: "var(--bg)", padding: "10px 0", borderTop: "1px solid var(--border)" }}>
          <button type="submit" className="btn primary" disabled={sending} data-testid="launch">
            {sending ? "Launching…" : sweep?.children ? `Launch sweep (${sweep.children} runs)` : "Launch"}
          </button>
          {problems > 0 && (
            <span role="status" className="wrong" data-testid="form-problems">
              {problems} problem{problems === 1 ? "" : "s"} — fix the marked fields; nothing was sent.
            </span>
          )}
          {failure && (
            <span role="alert" className="wrong" data-testid="launch-error">
              The server refused: {failure}
            </span>
          )}
        </div>
      </form>
    </>
  );
}
