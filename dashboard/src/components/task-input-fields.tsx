/**
 * A task's type and its input, as the enqueue and schedule forms both ask for them: a type picked
 * from `taskTypes`, then one field per property of its `inputSchema` (schema-form.ts), each with
 * its hint and the message the client or the server has for it.
 */
import { ApiError } from '../api.ts';
import { fieldFacts, inputKey, placeIssues, WHOLE_INPUT, type FormField, type PlacedIssues } from '../schema-form.ts';
import type { TaskTypeInfo } from '../use-task-types.ts';
import { RichText } from './rich-text.tsx';

/** What `TaskInputFields` shows and reports. */
export interface TaskInputFieldsProps {
  /** Starts every element id (`<idPrefix>-type`, `<idPrefix>-input-<field>`), unique per page. */
  idPrefix: string;
  types: readonly TaskTypeInfo[];
  type: TaskTypeInfo | undefined;
  onType: (name: string) => void;
  fields: readonly FormField[];
  values: Readonly<Record<string, string | boolean>>;
  /** Messages by key; the input fields' are under `inputKey(field)`. */
  errors: Readonly<Record<string, string>>;
  onValue: (name: string, value: string | boolean) => void;
}

/** The type select, its description, and the fields of its input. */
export function TaskInputFields({ idPrefix, types, type, onType, fields, values, errors, onValue }: TaskInputFieldsProps) {
  return (
    <>
      <div class="field">
        <label for={`${idPrefix}-type`}>Type</label>
        <select id={`${idPrefix}-type`} value={type?.name ?? ''} onChange={(e) => onType(e.currentTarget.value)}>
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
          id={`${idPrefix}-input-${field.name || 'json'}`}
          field={field}
          value={values[field.name] ?? field.initial}
          error={errors[inputKey(field.name)]}
          onChange={(value) => onValue(field.name, value)}
        />
      ))}
    </>
  );
}

/** What a failed request means for the form: see `placeIssues`. */
export function placeError(error: unknown, fields: readonly FormField[], options: readonly string[]): PlacedIssues {
  if (!(error instanceof ApiError)) return { fieldErrors: {}, rest: String(error) };
  return placeIssues(error.message, error.errors[0]?.extensions?.issues ?? [], fields, options);
}

/** Client-side input errors (by field name), keyed as the form shows them. */
export function inputErrors(errors: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).map(([name, message]) => [inputKey(name), message]));
}

/** What `TextField` shows and reports. */
export interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  error: string | undefined;
  hint?: string;
  inputMode?: 'numeric';
  placeholder?: string;
  /** The id of a `<datalist>` of suggestions. */
  list?: string;
}

/** One labelled line of text (a form's own field, beside the task input's), with its hint and message. */
export function TextField({ id, label, value, onInput, error, hint, inputMode, placeholder, list }: TextFieldProps) {
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        inputMode={inputMode}
        placeholder={placeholder}
        list={list}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
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

function InputField({ id, field, value, error, onChange }: { id: string; field: FormField; value: string | boolean; error: string | undefined; onChange: (value: string | boolean) => void }) {
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
