/** The task input fields from JSON Schema, the task input from what was typed, and the server's issues placed by field. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldFacts, fieldOfIssue, formFields, inputFromForm, placeIssues, WHOLE_INPUT } from '../../dashboard/src/schema-form.ts';

/** A schema as taskql publishes it (`taskTypes.inputSchema`). */
const published = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

describe('formFields', () => {
  it('makes one field per property, with kind, bounds, defaults and what is required', () => {
    const fields = formFields(
      published(
        z.object({
          ms: z.number().int().min(0).max(3_600_000).describe('How long'),
          steps: z.number().int().min(1).default(10),
          label: z.string().optional(),
          loud: z.boolean().default(true),
          mode: z.enum(['fast', 'slow']),
          extra: z.object({ a: z.number() }).optional(),
        }),
      ),
    );
    expect(fields).toEqual([
      { name: 'ms', kind: 'integer', required: true, description: 'How long', initial: '', minimum: 0, maximum: 3_600_000 },
      { name: 'steps', kind: 'integer', required: false, description: undefined, initial: '10', defaultValue: '10', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
      { name: 'label', kind: 'string', required: false, description: undefined, initial: '' },
      { name: 'loud', kind: 'boolean', required: false, description: undefined, initial: true, defaultValue: 'true' },
      { name: 'mode', kind: 'enum', required: true, description: undefined, initial: '', options: ['fast', 'slow'] },
      { name: 'extra', kind: 'json', required: false, description: undefined, initial: '' },
    ]);
  });

  it('edits an input that is not a flat object as one JSON document', () => {
    expect(formFields(published(z.record(z.string(), z.unknown())))).toEqual([
      { name: WHOLE_INPUT, kind: 'json', required: false, initial: '{}', description: undefined },
    ]);
  });
});

describe('fieldFacts', () => {
  it("states the sleep type's ranges and default", () => {
    const [ms, steps] = formFields(published(z.object({ ms: z.number().int().min(0).max(3_600_000), steps: z.number().int().min(1).max(1000).default(10) })));
    expect(fieldFacts(ms!)).toBe('0 to 3600000');
    expect(fieldFacts(steps!)).toBe('1 to 1000 · default 10');
  });

  it('states one bound alone, and leaves out the bounds zod gives every integer', () => {
    const fields = formFields(
      published(
        z.object({
          atLeast: z.number().int().min(1),
          atMost: z.number().max(2.5),
          anyInt: z.number().int(),
          word: z.string().default(''),
          mode: z.enum(['fast', 'slow']).default('slow'),
        }),
      ),
    );
    expect(fields.map(fieldFacts)).toEqual(['at least 1', 'at most 2.5', undefined, 'default ""', 'default slow']);
  });
});

describe('inputFromForm', () => {
  const fields = formFields(published(z.object({ ms: z.number().int(), steps: z.number().int().default(10), label: z.string().optional(), loud: z.boolean().default(false), extra: z.unknown() })));

  it('parses numbers and JSON, keeps strings and booleans, and leaves blank optional fields out', () => {
    expect(inputFromForm(fields, { ms: '250', steps: '', label: 'x', loud: true, extra: '{"a":[1]}' })).toEqual({
      ok: true,
      input: { ms: 250, label: 'x', loud: true, extra: { a: [1] } },
    });
  });

  it('names each field it cannot read', () => {
    expect(inputFromForm(fields, { ms: '', extra: '{nope' })).toEqual({ ok: false, errors: { ms: 'Required', extra: 'Not valid JSON' } });
    expect(inputFromForm(fields, { ms: '1.5', extra: 'null' })).toEqual({ ok: false, errors: { ms: 'Enter a whole number' } });
    expect(inputFromForm(fields, { ms: 'soon', extra: 'null' })).toEqual({ ok: false, errors: { ms: 'Enter a number' } });
  });

  it('returns the whole JSON document as the input of a type without properties', () => {
    const whole = formFields({ type: 'object' });
    expect(inputFromForm(whole, { [WHOLE_INPUT]: '{"x":1}' })).toEqual({ ok: true, input: { x: 1 } });
  });
});

describe('fieldOfIssue', () => {
  const fields = formFields(published(z.object({ ms: z.number(), steps: z.number() })));

  it("maps the server's paths to fields: the task input's, the input as a whole, or none", () => {
    expect(fieldOfIssue('input.input.ms', fields)).toBe('ms');
    expect(fieldOfIssue('input.input.steps.0', fields)).toBe('steps');
    expect(fieldOfIssue('input.input', fields)).toBe(WHOLE_INPUT);
    expect(fieldOfIssue('input.input.unknown', fields)).toBe(WHOLE_INPUT);
    expect(fieldOfIssue('input.priority', fields)).toBeNull();
  });
});

describe('placeIssues', () => {
  const fields = formFields(published(z.object({ ms: z.number() })));

  it("puts each issue next to the task input's field or the form's own, and the rest in one line", () => {
    const issues = [
      { path: 'input.input.ms', message: 'Too big' },
      { path: 'input.cron', message: 'not a valid cron expression' },
      { path: 'input.queue', message: 'unknown queue' },
      { path: 'input.input.other', message: 'unexpected' },
    ];
    expect(placeIssues('invalid input', issues, fields, ['cron', 'every'])).toEqual({
      fieldErrors: { 'input:ms': 'Too big', 'option:cron': 'not a valid cron expression' },
      rest: 'input.queue: unknown queue; input.input.other: unexpected',
    });
  });

  it('gives the error message when the server named no field', () => {
    expect(placeIssues('this needs the tasks:write scope', [], fields, ['cron'])).toEqual({ fieldErrors: {}, rest: 'this needs the tasks:write scope' });
  });
});
