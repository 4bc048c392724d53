import { useMemo, useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { EnqueueTaskDocument } from '../generated/graphql.ts';
import { taskHref, useApi } from '../hooks.ts';
import { RichText } from '../components/rich-text.tsx';
import { fieldFacts, fieldOfIssue, formFields, inputFromForm, WHOLE_INPUT, type FormField } from '../schema-form.ts';
import type { TaskTypeInfo } from './tasks-page.tsx';

/** Options every task takes, besides its input. */
const OPTION_FIELDS = ['priority', 'tags', 'delayMs'] as const;
type Option = (typeof OPTION_FIELDS)[number];

/**
 * Enqueue a task: the fields come from the chosen type's `inputSchema`; problems the server
 * finds are shown next to the field they name (`extensions.issues`).
 */
export function EnqueueForm({ types }: { types: TaskTypeInfo[] }) {
  const api = useApi();
  const [typeName, setTypeName] = useState<string | null>(null);
  const type = types.find((t) => t.name === typeName) ?? types[0];
  const fields = useMemo(() => (type ? formFields(type.inputSchema) : []), [type]);
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [options, setOptions] = useState<Record<Option, string>>({ priority: '', tags: '', delayMs: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [enqueued, setEnqueued] = useState<{ id: string; type: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const chooseType = (name: string) => {
    setTypeName(name);
    setValues({});
    setErrors({});
    setFormError(null);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!type) return;
    setEnqueued(null);
    setFormError(null);
    const built = inputFromForm(fields, values);
    const optionErrors: Record<string, string> = {};
    const number = (name: Option) => {
      const raw = options[name].trim();
      if (raw === '') return undefined;
      const value = Number(raw);
      if (!Number.isInteger(value)) optionErrors[`option:${name}`] = 'Enter a whole number';
      return value;
    };
    const priority = number('priority');
    const delayMs = number('delayMs');
    const tags = options.tags.split(',').map((t) => t.trim()).filter(Boolean);
    if (!built.ok || Object.keys(optionErrors).length > 0) {
      setErrors({ ...(built.ok ? {} : prefixed(built.errors)), ...optionErrors });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const { enqueueTask } = await api.request(EnqueueTaskDocument, {
        input: { type: type.name, input: built.input, priority, delayMs, ...(tags.length > 0 && { tags }) },
      });
      setEnqueued({ id: enqueueTask.task.id, type: enqueueTask.task.type });
    } catch (error) {
      const { fieldErrors, rest } = placeIssues(error, fields);
      setErrors(fieldErrors);
      setFormError(rest);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="enqueue-title">
      <h2 id="enqueue-title">Enqueue a task</h2>
      <form class="enqueue" noValidate onSubmit={(e) => void submit(e)}>
        <div class="field">
          <label for="enqueue-type">Type</label>
          <select id="enqueue-type" value={type?.name ?? ''} onChange={(e) => chooseType(e.currentTarget.value)}>
            {types.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
          {type?.description && (
            <p class="hint">
              <RichText text={type.description} />
            </p>
          )}
        </div>
        {fields.map((field) => (
          <InputField
            key={`${type?.name}:${field.name}`}
            field={field}
            value={values[field.name] ?? field.initial}
            error={errors[`input:${field.name}`]}
            onChange={(value) => setValues({ ...values, [field.name]: value })}
          />
        ))}
        <details class="options" open={Object.keys(errors).some((key) => key.startsWith('option:')) || undefined}>
          <summary>Options</summary>
          <OptionField name="priority" label="Priority (0–10)" inputMode="numeric" options={options} setOptions={setOptions} error={errors['option:priority']} />
          <OptionField name="tags" label="Tags (comma-separated)" options={options} setOptions={setOptions} error={errors['option:tags']} />
          <OptionField name="delayMs" label="Delay (ms)" inputMode="numeric" options={options} setOptions={setOptions} error={errors['option:delayMs']} />
        </details>
        <div class="actions">
          <button type="submit" disabled={busy || !type}>
            {busy ? 'Enqueuing…' : 'Enqueue'}
          </button>
        </div>
        <div aria-live="polite">
          {formError && (
            <p class="error" role="alert">
              {formError}
            </p>
          )}
          {enqueued && (
            <p class="success">
              Enqueued {enqueued.type} <a href={taskHref(enqueued.id)}>{enqueued.id}</a>
            </p>
          )}
        </div>
      </form>
    </section>
  );
}

function InputField({ field, value, error, onChange }: { field: FormField; value: string | boolean; error: string | undefined; onChange: (value: string | boolean) => void }) {
  const id = `enqueue-input-${field.name || 'json'}`;
  const label = field.name === WHOLE_INPUT ? 'Input (JSON)' : field.name;
  const facts = fieldFacts(field);
  const described = [(field.description || facts) && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': described, required: field.required };
  return (
    <div class={`field field-${field.kind}`}>
      {field.kind === 'boolean' ? (
        <label class="checkbox">
          <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} /> {label}
        </label>
      ) : (
        <label for={id} class={field.required ? 'required' : undefined}>
          {label}
        </label>
      )}
      {field.kind === 'enum' && (
        <select {...common} value={String(value)} onChange={(e) => onChange(e.currentTarget.value)}>
          {!field.required && <option value="">—</option>}
          {field.options?.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      )}
      {field.kind === 'json' && <textarea {...common} rows={4} spellcheck={false} value={String(value)} onInput={(e) => onChange(e.currentTarget.value)} />}
      {(field.kind === 'string' || field.kind === 'number' || field.kind === 'integer') && (
        <input
          {...common}
          type={field.kind === 'string' ? 'text' : 'number'}
          min={field.minimum}
          max={field.maximum}
          step={field.kind === 'integer' ? 1 : 'any'}
          // Cleared, a field with a default still shows what the server will fill in.
          placeholder={field.defaultValue}
          value={String(value)}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      )}
      {(field.description || facts) && (
        <p class="hint" id={`${id}-hint`}>
          {field.description && <RichText text={field.description} />}
          {field.description && facts && ' · '}
          {facts}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

function OptionField({
  name,
  label,
  inputMode,
  options,
  setOptions,
  error,
}: {
  name: Option;
  label: string;
  inputMode?: 'numeric';
  options: Record<Option, string>;
  setOptions: (options: Record<Option, string>) => void;
  error: string | undefined;
}) {
  const id = `enqueue-option-${name}`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        inputMode={inputMode}
        value={options[name]}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onInput={(e) => setOptions({ ...options, [name]: e.currentTarget.value })}
      />
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** Client-side input errors, keyed as the form shows them. */
function prefixed(errors: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).map(([name, message]) => [`input:${name}`, message]));
}

/** The server's issues next to their fields; what belongs to no field, as one message. */
function placeIssues(error: unknown, fields: readonly FormField[]): { fieldErrors: Record<string, string>; rest: string | null } {
  if (!(error instanceof ApiError)) return { fieldErrors: {}, rest: String(error) };
  const fieldErrors: Record<string, string> = {};
  const rest: string[] = [];
  const issues = error.errors[0]?.extensions?.issues ?? [];
  for (const issue of issues) {
    const field = fieldOfIssue(issue.path, fields);
    const option = OPTION_FIELDS.find((o) => issue.path === `input.${o}` || issue.path.startsWith(`input.${o}.`));
    if (field !== null && fields.some((f) => f.name === field)) fieldErrors[`input:${field}`] = issue.message;
    else if (option) fieldErrors[`option:${option}`] = issue.message;
    else rest.push(`${issue.path}: ${issue.message}`);
  }
  if (issues.length === 0) rest.push(error.message);
  return { fieldErrors, rest: rest.length > 0 ? rest.join('; ') : null };
}
