// @vitest-environment happy-dom
/**
 * Dashboard pieces rendered into a DOM: enum values this build does not know, descriptions with
 * `code`, and the clock running durations are read from.
 */
import { act, cleanup, render, renderHook } from '@testing-library/preact';
import { h } from 'preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RichText } from '../../../dashboard/src/components/rich-text.tsx';
import { StateChip } from '../../../dashboard/src/components/state-chip.tsx';
import { WaitReasonChip } from '../../../dashboard/src/components/wait-reason.tsx';
import { styleOf } from '../../../dashboard/src/enums.ts';
import { AttemptOutcome, TaskState, WaitReason } from '../../../dashboard/src/generated/graphql.ts';
import { useNow } from '../../../dashboard/src/hooks.ts';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('StateChip', () => {
  it('styles every state the schema has by its name', () => {
    for (const state of Object.values(TaskState)) {
      const { container } = render(h(StateChip, { state }));
      expect(container.querySelector('.chip')?.className).toBe(`chip chip-${state.toLowerCase()}`);
      expect(container.textContent).toBe(state);
      cleanup();
    }
  });

  it('shows a state from a newer server as it is, in the neutral chip', () => {
    const { container } = render(h(StateChip, { state: 'PAUSED' as TaskState }));
    expect(container.textContent).toBe('PAUSED');
    expect(container.querySelector('.chip')?.className).toBe('chip chip-other');
  });
});

describe('WaitReasonChip', () => {
  it('says in words why a task waits, a reason from a newer server as it is, and nothing when nothing holds it', () => {
    const shown = (reason: WaitReason | null) => {
      const text = render(h(WaitReasonChip, { reason })).container.textContent;
      cleanup();
      return text;
    };
    expect(shown(WaitReason.CONCURRENCY_LIMIT)).toBe('waiting: concurrency limit');
    expect(shown(WaitReason.RATE_LIMIT)).toBe('waiting: rate limit');
    expect(shown('TENANT_QUOTA' as WaitReason)).toBe('waiting: TENANT_QUOTA');
    expect(shown(null)).toBe('');
  });
});

describe('styleOf', () => {
  it("gives an unknown value the neutral style, even one that resembles a known value's class", () => {
    expect(styleOf(AttemptOutcome, AttemptOutcome.STALLED)).toBe('stalled');
    expect(styleOf(AttemptOutcome, 'TIMED_OUT')).toBe('other');
    expect(styleOf(AttemptOutcome, 'failed')).toBe('other');
  });
});

describe('RichText', () => {
  it('renders `code` spans as code elements', () => {
    const { container } = render(h(RichText, { text: 'Waits `ms` milliseconds in `steps` equal steps.' }));
    expect([...container.querySelectorAll('code')].map((c) => c.textContent)).toEqual(['ms', 'steps']);
    expect(container.textContent).toBe('Waits ms milliseconds in steps equal steps.');
  });

  it('never turns a description into markup', () => {
    const text = '<img src=x onerror="alert(1)"> `<b>x</b>`';
    const { container } = render(h(RichText, { text }));
    expect(container.querySelector('img, b')).toBeNull();
    expect(container.textContent).toBe('<img src=x onerror="alert(1)"> <b>x</b>');
  });
});

describe('useNow', () => {
  it('re-renders every interval while active, with the time of each render', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { result, rerender } = renderHook((props: { active: boolean }) => useNow(1000, props.active), { initialProps: { active: false } });
    expect(result.current).toBe(1_000_000);

    // Time passed with nothing ticking: the next render (a task just started) reads the clock.
    vi.setSystemTime(1_060_000);
    rerender({ active: true });
    expect(result.current).toBe(1_060_000);

    await act(() => {
      vi.advanceTimersByTime(1000);
    });
    expect(result.current).toBe(1_061_000);
    await act(() => {
      vi.advanceTimersByTime(2000);
    });
    expect(result.current).toBe(1_063_000);

    rerender({ active: false });
    const stopped = result.current;
    await act(() => {
      vi.advanceTimersByTime(5000);
    });
    expect(result.current).toBe(stopped);
  });
});
