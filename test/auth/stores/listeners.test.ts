import { afterEach, describe, expect, it, vi } from 'vitest';
import { Listeners } from '../../../src/auth/stores/listeners.js';

describe('Listeners', () => {
  afterEach(() => vi.restoreAllMocks());

  it('delivers to every listener until it is removed, one subscription at a time', () => {
    const listeners = new Listeners<number>();
    const heard: number[] = [];
    const record = (value: number) => heard.push(value);
    const first = listeners.add(record);
    listeners.add(record);
    listeners.emit(1);
    first();
    first();
    listeners.emit(2);
    expect(heard).toEqual([1, 1, 2]);
  });

  it('keeps delivering to the others when one listener throws, and reports it as a warning', () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const listeners = new Listeners<string>();
    const heard: string[] = [];
    listeners.add(() => {
      throw new Error('listener bug');
    });
    listeners.add((value) => heard.push(value));
    expect(() => listeners.emit('event')).not.toThrow();
    expect(heard).toEqual(['event']);
    expect(warning).toHaveBeenCalledWith('store listener failed: listener bug');
  });
});
