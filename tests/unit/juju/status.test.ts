import { describe, expect, it } from 'vitest';
import { active, blocked, highestPriority, maintenance, waiting } from '../../../src/juju/status.ts';

describe('highestPriority', () => {
  it('blocked > maintenance > waiting > active', () => {
    expect(highestPriority([active(), waiting('w'), maintenance('m'), blocked('b')])).toEqual(blocked('b'));
    expect(highestPriority([active(), waiting('w'), maintenance('m')])).toEqual(maintenance('m'));
    expect(highestPriority([active(), waiting('w')])).toEqual(waiting('w'));
  });

  it('keeps the first of equal priority, as ops does', () => {
    expect(highestPriority([maintenance('first'), maintenance('second')])).toEqual(maintenance('first'));
  });

  it('is undefined for no statuses', () => {
    expect(highestPriority([])).toBeUndefined();
  });
});
