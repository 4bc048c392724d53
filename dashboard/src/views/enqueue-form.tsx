import { useMemo, useState } from 'preact/hooks';
import { EnqueueTaskDocument } from '../generated/graphql.ts';
import { taskHref, useApi } from '../hooks.ts';
import { inputErrors, placeError, TaskInputFields, TextField } from '../components/task-input-fields.tsx';
import { formFields, inputFromForm, optionKey } from '../schema-form.ts';
import type { TaskTypeInfo } from '../use-task-types.ts';

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
      if (!Number.isInteger(value)) optionErrors[optionKey(name)] = 'Enter a whole number';
      return value;
    };
    const priority = number('priority');
    const delayMs = number('delayMs');
    const tags = options.tags.split(',').map((t) => t.trim()).filter(Boolean);
    if (!built.ok || Object.keys(optionErrors).length > 0) {
      setErrors({ ...(built.ok ? {} : inputErrors(built.errors)), ...optionErrors });
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
      const { fieldErrors, rest } = placeError(error, fields, OPTION_FIELDS);
      setErrors(fieldErrors);
      setFormError(rest);
    } finally {
      setBusy(false);
    }
  };

  const option = (name: Option, label: string, inputMode?: 'numeric') => (
    <TextField
      id={`enqueue-option-${name}`}
      label={label}
      inputMode={inputMode}
      value={options[name]}
      onInput={(value) => setOptions({ ...options, [name]: value })}
      error={errors[optionKey(name)]}
    />
  );

  return (
    <section class="panel" aria-labelledby="enqueue-title">
      <h2 id="enqueue-title">Enqueue a task</h2>
      <form class="enqueue" noValidate onSubmit={(e) => void submit(e)}>
        <TaskInputFields
          idPrefix="enqueue"
          types={types}
          type={type}
          onType={chooseType}
          fields={fields}
          values={values}
          errors={errors}
          onValue={(name, value) => setValues({ ...values, [name]: value })}
        />
        <details class="options" open={OPTION_FIELDS.some((name) => errors[optionKey(name)]) || undefined}>
          <summary>Options</summary>
          {option('priority', 'Priority (0–10)', 'numeric')}
          {option('tags', 'Tags (comma-separated)')}
          {option('delayMs', 'Delay (ms)', 'numeric')}
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
