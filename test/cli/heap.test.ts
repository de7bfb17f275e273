// The heap's growing factor is set at start-up unless the user chose one.
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from '../../cli/heap.js';

describe('heap growth', () => {
  it('sets the growing factor when nothing chose one', () => {
    expect(heapGrowthFlag([], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(['--max-old-space-size=512'], '--enable-source-maps')).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });
  it("leaves a user's own choice, on the command line or in NODE_OPTIONS, in either spelling", () => {
    expect(heapGrowthFlag(['--heap-growing-percent=30'], undefined)).toBeNull();
    expect(heapGrowthFlag([], '--inspect --heap_growing_percent=300')).toBeNull();
    expect(heapGrowthFlag(['--heap-growing-percent'], '')).toBeNull();
    expect(heapGrowthFlag(['--heap-growing-percentage=3'], '')).not.toBeNull();
  });
  it('leaves check to V8, and bounds the main command and the others', () => {
    expect(heapGrowthFlag([], undefined, ['check', '-r', 'x.pcap'])).toBeNull();
    expect(heapGrowthFlag([], undefined, ['-r', 'x.pcap', '-V'])).not.toBeNull();
    expect(heapGrowthFlag([], undefined, ['-r', 'check'])).not.toBeNull();
    expect(heapGrowthFlag([], undefined, ['tui', 'x.pcap'])).not.toBeNull();
  });
});
