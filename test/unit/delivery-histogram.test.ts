import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DeliveryHistogram } from '../../src/api/delivery-histogram.ts';

const buckets = [0.001, 0.01, 0.1, 1];

describe('DeliveryHistogram', () => {
  it("serves the same text as prom-client's Histogram for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const histogram = new DeliveryHistogram({ name: 'delivery_seconds', help: 'From recorded to sent', buckets, registers: [ours] });
    const reference = new Histogram({ name: 'delivery_seconds', help: 'From recorded to sent', buckets, registers: [theirs] });
    // On the bounds, between them, and past the last.
    for (const value of [0, 0.001, 0.0015, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 30]) {
      histogram.observe(value);
      reference.observe(value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('reads zero in every bucket before any observation and after a reset', async () => {
    const registry = new Registry();
    const histogram = new DeliveryHistogram({ name: 'delivery_seconds', help: 'h', buckets, registers: [registry] });
    const empty = await registry.metrics();
    expect(empty).toContain('delivery_seconds_bucket{le="+Inf"} 0');
    histogram.observe(0.5);
    expect(await registry.metrics()).toContain('delivery_seconds_count 1');
    registry.resetMetrics();
    expect(await registry.metrics()).toBe(empty);
  });
});
