"use client";
import { useState } from "react";
import { discriminator, getIn, hint, isRecord, pathKey, setIn, skeleton, type JsonSchema, type Path } from "../lib/jsonSchema";

export type Errors = ReadonlyMap<string, string[]>;

interface FieldProps {
  schema: JsonSchema;
  path: Path;
  value: unknown;
  set: (path: Path, v: unknown) => void;
  errors: Errors;
  label: string;
  required: boolean;
}

const domId = (path: Path) => `f-${path.map(String).join("__") || "root"}`;

/** The whole config form, generated from the JSON Schema of the zod config. */
export function SchemaForm({ schema, value, onChange, errors }: { schema: JsonSchema; value: unknown; onChange: (v: unknown) => void; errors: Errors }) {
  const set = (path: Path, v: unknown) => onChange(setIn(value, path, v));
  return <Field schema={schema} path={[]} value={value} set={set} errors={errors} label="Experiment" required />;
}

function Field(p: FieldProps) {
  const s = p.schema;
  if (s.oneOf && discriminator(s)) return <Branches {...p} />;
  if (isRecord(s)) return <JsonField {...p} />;
  if (s.type === "object" && s.properties) return <ObjectFields {...p} />;
  if (s.type === "array" && s.items?.type === "object") return <ObjectList {...p} />;
  if (s.type === "array") return <ListField {...p} />;
  if (s.anyOf) return <JsonField {...p} />;
  if (s.const !== undefined) return <Row {...p}><input id={domId(p.path)} data-path={pathKey(p.path)} value={String(s.const)} readOnly /></Row>;
  if (s.enum) return <EnumField {...p} />;
  if (s.type === "boolean") return <BoolField {...p} />;
  if (s.type === "number" || s.type === "integer") return <NumberField {...p} />;
  return <TextField {...p} />;
}

/**
 * The messages of a field. A field that holds a whole list or free JSON (seeds, params) has no
 * control per item, so it also takes its items' messages ("seeds.0" → seeds: "item 1: …").
 */
function messagesOf(errors: Errors, path: Path, items: boolean): string[] {
  const key = pathKey(path);
  const own = errors.get(key) ?? [];
  if (!items) return own;
  const nested = [...errors.entries()].filter(([k]) => k.startsWith(`${key}.`));
  return [...own, ...nested.flatMap(([k, msgs]) => msgs.map((m) => `${/^\d+$/.test(k.slice(key.length + 1)) ? `item ${Number(k.slice(key.length + 1)) + 1}` : k.slice(key.length + 1)}: ${m}`))];
}

/** A key as a label: "batch_size" → "batch size". */
const labelOf = (key: string) => key.replace(/_/g, " ");

function Messages({ path, errors, items = false }: { path: Path; errors: Errors; items?: boolean }) {
  const msgs = messagesOf(errors, path, items);
  if (!msgs?.length) return null;
  return (
    <div className="field-error" id={`${domId(path)}-err`} data-error-for={pathKey(path)} role="alert">
      {msgs.join("; ")}
    </div>
  );
}

/** Label, control, hint and the validation message right next to it. */
function Row(p: FieldProps & { children: React.ReactNode; items?: boolean }) {
  const h = [p.schema.description, hint(p.schema)].filter(Boolean).join(" · ");
  return (
    <div className="field">
      <label htmlFor={domId(p.path)} title={pathKey(p.path)}>
        {p.label}
        {p.required ? " *" : ""}
      </label>
      {p.children}
      {h && <span className="hint">{h}</span>}
      <Messages path={p.path} errors={p.errors} items={p.items} />
    </div>
  );
}

function control(p: FieldProps, items = false) {
  const invalid = messagesOf(p.errors, p.path, items).length > 0;
  return {
    id: domId(p.path),
    "data-path": pathKey(p.path),
    "aria-invalid": invalid,
    "aria-describedby": invalid ? `${domId(p.path)}-err` : undefined,
  };
}

function TextField(p: FieldProps) {
  const v = p.value;
  return (
    <Row {...p}>
      <input
        {...control(p)}
        type="text"
        value={typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v)}
        placeholder={typeof p.schema.default === "string" ? p.schema.default : undefined}
        onChange={(e) => p.set(p.path, e.target.value === "" && !p.required ? undefined : e.target.value)}
      />
    </Row>
  );
}

/** Keeps what the user typed; stores a number when it parses, else the text (zod then says why). */
function NumberField(p: FieldProps) {
  const [raw, setRaw] = useState(p.value === undefined ? "" : String(p.value));
  return (
    <Row {...p}>
      <input
        {...control(p)}
        type="text"
        inputMode="decimal"
        value={raw}
        placeholder={p.schema.default !== undefined ? String(p.schema.default) : undefined}
        onChange={(e) => {
          const t = e.target.value;
          setRaw(t);
          const n = Number(t);
          p.set(p.path, t.trim() === "" ? undefined : Number.isFinite(n) ? n : t);
        }}
      />
    </Row>
  );
}

function EnumField(p: FieldProps) {
  const opts = (p.schema.enum ?? []).map(String);
  const dflt = p.schema.default !== undefined ? String(p.schema.default) : undefined;
  return (
    <Row {...p}>
      <select {...control(p)} value={p.value === undefined ? "" : String(p.value)} onChange={(e) => p.set(p.path, e.target.value === "" ? undefined : e.target.value)}>
        {(!p.required || p.value === undefined) && <option value="">{dflt ? `default (${dflt})` : "choose…"}</option>}
        {opts.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </Row>
  );
}

function BoolField(p: FieldProps) {
  const checked = typeof p.value === "boolean" ? p.value : p.schema.default === true;
  return (
    <Row {...p}>
      <input {...control(p)} type="checkbox" checked={checked} onChange={(e) => p.set(p.path, e.target.checked)} />
    </Row>
  );
}

/** Comma-separated list of primitives (seeds, tags, classes). */
function ListField(p: FieldProps) {
  const [raw, setRaw] = useState(Array.isArray(p.value) ? p.value.join(", ") : "");
  const numeric = p.schema.items?.type === "integer" || p.schema.items?.type === "number";
  const mixed = Boolean(p.schema.items?.anyOf);
  const parse = (t: string) =>
    t
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean)
      .map((x) => (numeric || (mixed && /^-?\d+$/.test(x)) ? (Number.isFinite(Number(x)) ? Number(x) : x) : x));
  return (
    <Row {...p} items>
      <input
        {...control(p, true)}
        type="text"
        value={raw}
        placeholder={Array.isArray(p.schema.default) ? p.schema.default.join(", ") || "comma-separated" : "comma-separated"}
        onChange={(e) => {
          setRaw(e.target.value);
          p.set(p.path, e.target.value.trim() === "" ? undefined : parse(e.target.value));
        }}
      />
    </Row>
  );
}

/** Free-form values (params, weights): JSON, or a bare word for a string. */
function JsonField(p: FieldProps) {
  const show = (v: unknown) => (v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));
  const [raw, setRaw] = useState(show(p.value));
  const [bad, setBad] = useState<string | null>(null);
  return (
    <Row {...p} items>
      <input
        {...control(p, true)}
        type="text"
        className="mono"
        value={raw}
        placeholder={typeof p.schema.default === "string" ? p.schema.default : p.schema.default !== undefined ? JSON.stringify(p.schema.default) : "JSON"}
        onChange={(e) => {
          const t = e.target.value;
          setRaw(t);
          if (t.trim() === "") return void (setBad(null), p.set(p.path, undefined));
          try {
            p.set(p.path, JSON.parse(t));
            setBad(null);
          } catch (err) {
            // A bare word is a string (e.g. weights: uniform); anything else stays text and fails validation.
            setBad(isRecord(p.schema) ? `not valid JSON: ${(err as Error).message}` : null);
            p.set(p.path, t.trim());
          }
        }}
      />
      {bad && <div className="field-error">{bad}</div>}
    </Row>
  );
}

/** An object's fields; inside its own fieldset unless `bare` (the caller already frames it). */
function ObjectFields(p: FieldProps & { bare?: boolean }) {
  const props = p.schema.properties ?? {};
  const req = new Set(p.schema.required ?? []);
  const body = Object.entries(props).map(([k, s]) => (
    <Field key={k} schema={s} path={[...p.path, k]} value={getIn(p.value, [k])} set={p.set} errors={p.errors} label={labelOf(k)} required={req.has(k)} />
  ));
  if (p.path.length === 0 || p.bare) return <><Messages path={p.path} errors={p.errors} />{body}</>;
  return (
    <fieldset data-path={pathKey(p.path)}>
      <legend>{p.label}</legend>
      <Messages path={p.path} errors={p.errors} />
      {body}
    </fieldset>
  );
}

/** oneOf with a discriminator (kind, source): a select picks the branch, then its fields. */
function Branches(p: FieldProps) {
  const disc = discriminator(p.schema)!;
  const branches = p.schema.oneOf ?? [];
  const current = getIn(p.value, [disc]);
  const branch = branches.find((b) => b.properties?.[disc]?.const === current);
  const pick = (c: string) => {
    const next = branches.find((b) => String(b.properties?.[disc]?.const) === c);
    if (!next) return;
    // Keep the fields the new branch also has, so switching kind or source does not wipe the form.
    const kept = Object.fromEntries(
      Object.entries((p.value as Record<string, unknown>) ?? {}).filter(([k]) => k !== disc && next.properties?.[k]),
    );
    p.set(p.path, { ...(skeleton(next) as object), ...kept, [disc]: next.properties?.[disc]?.const });
  };
  const selector = (
    <div className="field">
      <label htmlFor={domId([...p.path, disc])}>{disc} *</label>
      <select id={domId([...p.path, disc])} data-path={pathKey([...p.path, disc])} value={current === undefined ? "" : String(current)} onChange={(e) => pick(e.target.value)}>
        {current === undefined && <option value="">choose…</option>}
        {branches.map((b) => {
          const c = String(b.properties?.[disc]?.const);
          return (
            <option key={c} value={c}>
              {c}
            </option>
          );
        })}
      </select>
      <Messages path={[...p.path, disc]} errors={p.errors} />
    </div>
  );
  const fields = branch && { ...branch, properties: Object.fromEntries(Object.entries(branch.properties ?? {}).filter(([k]) => k !== disc)) };
  const inner = (
    <>
      {selector}
      <Messages path={p.path} errors={p.errors} />
      {fields && <ObjectFields {...p} schema={fields} bare />}
    </>
  );
  if (p.path.length === 0) return inner;
  return (
    <fieldset data-path={pathKey(p.path)}>
      <legend>{p.label}</legend>
      {inner}
    </fieldset>
  );
}

/** A list of objects (weak members, methods): each item its own fieldset, with add and remove. */
function ObjectList(p: FieldProps) {
  const items = Array.isArray(p.value) ? p.value : [];
  const item = p.schema.items!;
  const noun = p.label.replace(/s$/, "");
  return (
    <fieldset data-path={pathKey(p.path)}>
      <legend>
        {p.label} ({items.length})
      </legend>
      <Messages path={p.path} errors={p.errors} />
      {items.map((v, i) => (
        <div key={i} className="card" style={{ marginBottom: 8 }}>
          <div className="row">
            <strong>
              {noun} {i + 1}
            </strong>
            <span className="spacer" />
            <button type="button" className="btn ghost" onClick={() => p.set(p.path, items.filter((_, j) => j !== i))} aria-label={`remove ${noun} ${i + 1}`}>
              Remove
            </button>
          </div>
          <ObjectFields schema={item} path={[...p.path, i]} value={v} set={p.set} errors={p.errors} label={`${noun} ${i + 1}`} required bare />
        </div>
      ))}
      <button type="button" className="btn" onClick={() => p.set(p.path, [...items, skeleton(item)])}>
        Add {noun}
      </button>
    </fieldset>
  );
}
