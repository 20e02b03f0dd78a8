import { describe, expect, it } from 'vitest';
import { DEFAULT_PATHS } from '../../../src/workload/paths.ts';
import { renderUnitFile } from '../../../src/workload/unit-file.ts';

describe('renderUnitFile', () => {
  const unit = renderUnitFile(DEFAULT_PATHS);
  it.each([
    `ExecStart=${DEFAULT_PATHS.binary} -d -c ${DEFAULT_PATHS.configFile}`,
    'ExecReload=/bin/kill -USR1 $MAINPID',
    'Restart=on-failure',
    `User=${DEFAULT_PATHS.account}`,
    `Group=${DEFAULT_PATHS.account}`,
    'WantedBy=multi-user.target',
  ])('has %s', (line) => {
    expect(unit.split('\n')).toContain(line);
  });

  it('gives the account no folder of its own: without a pid file there is nothing to write', () => {
    expect(unit).not.toMatch(/RuntimeDirectory|PIDFile/);
  });
});
