import { useMemo, useState } from 'preact/hooks';
import { CreateScheduleDocument, OverlapPolicy } from '../generated/graphql.ts';
import { useApi } from '../hooks.ts';
import { inputErrors, placeError, TaskInputFields, TextField, type TextFieldProps } from '../components/task-input-fields.tsx';
import { initialScheduleForm, SCHEDULE_FIELDS, scheduleFields, type ScheduleFormValues } from '../schedule-form.ts';
import { formFields, inputFromForm, optionKey } from '../schema-form.ts';
import type { TaskTypeInfo } from '../use-task-types.ts';

/** The time zones the browser knows, offered as the time zone field's suggestions. */
const TIME_ZONES = Intl.supportedValuesOf('timeZone');

/**
 * Create a schedule (or update the caller's of the same name): the task's type and input as the
 * enqueue form asks for them, then its timetable and policies. Problems the server finds are shown
 * next to the field they name; `onCreated` runs after each success.
 */
export function ScheduleForm({ types, onCreated }: { types: TaskTypeInfo[]; onCreated: (name: string) => void }) {
  const api = useApi();
  const [typeName, setTypeName] = useState<string | null>(null);
  const type = types.find((t) => t.name === typeName) ?? types[0];
  const fields = useMemo(() => (type ? formFields(type.inputSchema) : []), [type]);
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [form, setForm] = useState<ScheduleFormValues>(() => initialScheduleForm(Intl.DateTimeFormat().resolvedOptions().timeZone));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const chooseType = (name: string) => {
    setTypeName(name);
    setValues({});
    setErrors({});
    setFormError(null);
  };
  const set = <K extends keyof ScheduleFormValues>(key: K, value: ScheduleFormValues[K]) => setForm({ ...form, [key]: value });

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!type) return;
    setCreated(null);
    setFormError(null);
    const built = inputFromForm(fields, values);
    const own = scheduleFields(form);
    if (!built.ok || !own.ok) {
      setErrors({ ...(built.ok ? {} : inputErrors(built.errors)), ...(own.ok ? {} : own.errors) });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const { createSchedule } = await api.request(CreateScheduleDocument, { input: { ...own.input, type: type.name, input: built.input } });
      setCreated(createSchedule.name);
      onCreated(createSchedule.name);
    } catch (error) {
      const { fieldErrors, rest } = placeError(error, fields, SCHEDULE_FIELDS);
      setErrors(fieldErrors);
      setFormError(rest);
    } finally {
      setBusy(false);
    }
  };

  const text = (key: 'name' | 'cron' | 'every' | 'timezone' | 'catchUpWindowMs', label: string, extra: Pick<TextFieldProps, 'hint' | 'inputMode' | 'placeholder' | 'list'> = {}) => (
    <TextField id={`schedule-${key}`} label={label} value={form[key]} onInput={(value) => set(key, value)} error={errors[optionKey(key)]} {...extra} />
  );

  return (
    <section class="panel" aria-labelledby="schedule-form-title">
      <h2 id="schedule-form-title">Create a schedule</h2>
      <form class="enqueue" noValidate onSubmit={(e) => void submit(e)}>
        {text('name', 'Name', { hint: 'An existing name of yours updates that schedule.' })}
        <TaskInputFields
          idPrefix="schedule"
          types={types}
          type={type}
          onType={chooseType}
          fields={fields}
          values={values}
          errors={errors}
          onValue={(name, value) => setValues({ ...values, [name]: value })}
        />
        <fieldset class="field timetable">
          <legend>Runs</legend>
          <label class="checkbox">
            <input type="radio" name="schedule-timetable" checked={form.timetable === 'cron'} onChange={() => set('timetable', 'cron')} /> on a cron
          </label>
          <label class="checkbox">
            <input type="radio" name="schedule-timetable" checked={form.timetable === 'every'} onChange={() => set('timetable', 'every')} /> at an interval
          </label>
        </fieldset>
        {form.timetable === 'cron' ? (
          <>
            {text('cron', 'Cron', { hint: '5 fields, or 6 with seconds first: 30 2 * * * is 02:30 daily.', placeholder: '30 2 * * *' })}
            {text('timezone', 'Time zone', { hint: 'The IANA zone the cron is read in.', list: 'schedule-timezones' })}
          </>
        ) : (
          text('every', 'Every (ms)', { hint: 'At least 1000; an interval ignores time zones.', inputMode: 'numeric' })
        )}
        <datalist id="schedule-timezones">
          {TIME_ZONES.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <div class="field">
          <label for="schedule-overlap">Overlap</label>
          <select id="schedule-overlap" value={form.overlap} onChange={(e) => set('overlap', e.currentTarget.value as OverlapPolicy)}>
            {Object.values(OverlapPolicy).map((policy) => (
              <option key={policy} value={policy}>
                {policy}
              </option>
            ))}
          </select>
          <p class="hint">When a run is due while the previous task has not finished.</p>
          {errors[optionKey('overlap')] && <p class="field-error">{errors[optionKey('overlap')]}</p>}
        </div>
        {text('catchUpWindowMs', 'Catch-up window (ms)', { hint: 'After downtime, make up the newest missed run younger than this; blank or 0 makes none up.', inputMode: 'numeric' })}
        <div class="actions">
          <button type="submit" disabled={busy || !type}>
            {busy ? 'Saving…' : 'Save schedule'}
          </button>
        </div>
        <div aria-live="polite">
          {formError && (
            <p class="error" role="alert">
              {formError}
            </p>
          )}
          {created && <p class="success">Saved schedule {created}</p>}
        </div>
      </form>
    </section>
  );
}
