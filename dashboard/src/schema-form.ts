/**
 * The task input fields of the enqueue and schedule forms from a task type's `inputSchema` (JSON
 * Schema, as taskql publishes it), the task input from what was typed, and the server's problems
 * next to the fields they name. Pure, so it is unit-tested without a browser.
 *
 * Written here rather than taken from a JSON-Schema form library: those bring a UI framework's
 * worth of code (well past the dashboard's size budget) to render the few shapes taskql types
 * use — flat objects of strings, numbers, booleans and enums — and anything else is edited as
 * JSON. The server checks the input either way and names each bad field.
 */

/** How a field is edited. */
export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';

/** One field of the form. */
export interface FormField {
  /** The input property; `WHOLE_INPUT` when the input is edited as one JSON document. */
  name: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  /** What the field starts with, as typed: the schema's default, if it has one. */
  initial: string | boolean;
  /** The schema's default, as typed; the server fills it in when the field is left out. */
  defaultValue?: string;
  minimum?: number;
  maximum?: number;
  /** The choices of an `enum` field. */
  options?: string[];
}

/** The name of the one field of a type whose input is not a flat object. */
export const WHOLE_INPUT = '';

/** What typed values turn into: the task input, or a message per field. */
export type FormInput = { ok: true; input: unknown } | { ok: false; errors: Record<string, string> };

/** The fields for `schema`; one JSON field when it is not an object with properties. */
export function formFields(schema: unknown): FormField[] {
  const properties = isObject(schema) && isObject(schema['properties']) ? schema['properties'] : null;
  if (!properties || Object.keys(properties).length === 0) {
    return [{ name: WHOLE_INPUT, kind: 'json', required: false, initial: '{}', description: describe(schema) }];
  }
  const required = new Set(isObject(schema) && Array.isArray(schema['required']) ? schema['required'].map(String) : []);
  return Object.entries(properties).map(([name, property]) => fieldOf(name, isObject(property) ? property : {}, required.has(name)));
}

/** The task input from `values` (by field name); blank optional fields are left out. */
export function inputFromForm(fields: readonly FormField[], values: Readonly<Record<string, string | boolean>>): FormInput {
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = values[field.name] ?? field.initial;
    if (typeof raw === 'boolean') {
      input[field.name] = raw;
      continue;
    }
    if (raw.trim() === '' && field.kind !== 'string') {
      if (field.required) errors[field.name] = 'Required';
      continue;
    }
    const parsed = parseValue(field.kind, raw);
    if (parsed.ok) input[field.name] = parsed.value;
    else errors[field.name] = parsed.message;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, input: fields.length === 1 && fields[0]?.name === WHOLE_INPUT ? input[WHOLE_INPUT] : input };
}

/**
 * Which field a server-side problem belongs to: the server names paths from the mutation's
 * argument (`input.input.ms` is the task input's `ms`, `input.priority` an option). Returns the
 * field name, `WHOLE_INPUT` for the input as a whole, or null for something else.
 */
export function fieldOfIssue(path: string, fields: readonly FormField[]): string | null {
  const prefix = 'input.input';
  if (path === prefix) return WHOLE_INPUT;
  if (!path.startsWith(`${prefix}.`)) return null;
  const name = path.slice(prefix.length + 1).split('.', 1)[0] ?? '';
  return fields.some((f) => f.name === name) ? name : WHOLE_INPUT;
}

/** One problem the server names: a path into the mutation's arguments and what is wrong there. */
export interface Issue {
  path: string;
  message: string;
}

/** The form's messages: by key (`inputKey` or `optionKey`), and what belongs to no field. */
export interface PlacedIssues {
  fieldErrors: Record<string, string>;
  rest: string | null;
}

/** The key of a task input field's message. */
export function inputKey(name: string): string {
  return `input:${name}`;
}

/** The key of the message of one of a form's own fields (`input.<name>` in the mutation). */
export function optionKey(name: string): string {
  return `option:${name}`;
}

/**
 * The server's issues next to the fields they name: the task input's (`fields`) or the form's own
 * (`options`, each the `input.<option>` argument); the others, and `message` when no issue came,
 * as one line.
 */
export function placeIssues(message: string, issues: readonly Issue[], fields: readonly FormField[], options: readonly string[]): PlacedIssues {
  const fieldErrors: Record<string, string> = {};
  const rest: string[] = [];
  for (const issue of issues) {
    const field = fieldOfIssue(issue.path, fields);
    const option = options.find((o) => issue.path === `input.${o}` || issue.path.startsWith(`input.${o}.`));
    if (field !== null && fields.some((f) => f.name === field)) fieldErrors[inputKey(field)] = issue.message;
    else if (option) fieldErrors[optionKey(option)] = issue.message;
    else rest.push(`${issue.path}: ${issue.message}`);
  }
  if (issues.length === 0) rest.push(message);
  return { fieldErrors, rest: rest.length > 0 ? rest.join('; ') : null };
}

/**
 * What a field's hint says besides its description: its range and its default, e.g.
 * `1 to 1000 · default 10`. Bounds at ±`Number.MAX_SAFE_INTEGER` are left unsaid: zod's `int()`
 * writes them into every integer's schema, and they limit nothing anyone would type.
 */
export function fieldFacts(field: FormField): string | undefined {
  const min = meaningful(field.minimum);
  const max = meaningful(field.maximum);
  const range =
    min !== undefined && max !== undefined ? `${min} to ${max}` : min !== undefined ? `at least ${min}` : max !== undefined ? `at most ${max}` : undefined;
  const facts = [range, field.defaultValue !== undefined && `default ${field.defaultValue || '""'}`].filter(Boolean);
  return facts.length > 0 ? facts.join(' · ') : undefined;
}

function meaningful(bound: number | undefined): number | undefined {
  return bound === undefined || Math.abs(bound) >= Number.MAX_SAFE_INTEGER ? undefined : bound;
}

function fieldOf(name: string, property: Record<string, unknown>, required: boolean): FormField {
  const kind = kindOf(property);
  const base = {
    name,
    kind,
    // A property with a default may be left out: the server fills it in.
    required: required && !('default' in property),
    description: describe(property),
    initial: initialOf(kind, property['default']),
  };
  return {
    ...base,
    ...('default' in property && { defaultValue: String(initialOf(kind, property['default'])) }),
    ...(typeof property['minimum'] === 'number' && { minimum: property['minimum'] }),
    ...(typeof property['maximum'] === 'number' && { maximum: property['maximum'] }),
    ...(kind === 'enum' && { options: (property['enum'] as unknown[]).map(String) }),
  };
}

function kindOf(property: Record<string, unknown>): FieldKind {
  if (Array.isArray(property['enum']) && property['enum'].every((v) => typeof v === 'string')) return 'enum';
  const type = property['type'];
  if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') return type;
  return 'json';
}

function initialOf(kind: FieldKind, value: unknown): string | boolean {
  if (kind === 'boolean') return value === true;
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, kind === 'json' ? 2 : undefined);
}

function parseValue(kind: FieldKind, raw: string): { ok: true; value: unknown } | { ok: false; message: string } {
  switch (kind) {
    case 'number':
    case 'integer': {
      const value = Number(raw);
      if (!Number.isFinite(value)) return { ok: false, message: 'Enter a number' };
      if (kind === 'integer' && !Number.isInteger(value)) return { ok: false, message: 'Enter a whole number' };
      return { ok: true, value };
    }
    case 'json':
      try {
        return { ok: true, value: JSON.parse(raw) as unknown };
      } catch {
        return { ok: false, message: 'Not valid JSON' };
      }
    default:
      return { ok: true, value: raw };
  }
}

function describe(schema: unknown): string | undefined {
  return isObject(schema) && typeof schema['description'] === 'string' ? schema['description'] : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
