// Hook tools that fail: a folder put before the juju-sim tools on the hook's PATH, holding a
// script that prints an error on stderr and exits 1 under the name of the tool to break (or
// that SIGKILLs the hook calling it).
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ToolFaults {
  readonly binDir: string;
  /** Makes `tool` print `stderr` and exit 1 until cleared. */
  fail(tool: string, stderr: string): void;
  /**
   * Makes `tool` SIGKILL the whole process group of the hook that calls it (what killer.ts does
   * from outside, at an exact point: the hook is killed inside that call) until cleared.
   */
  killHook(tool: string): void;
  clear(): void;
  cleanup(): void;
}

export function createToolFaults(): ToolFaults {
  const binDir = mkdtempSync(join(tmpdir(), 'tp-fault-tools-'));
  chmodSync(binDir, 0o755);
  const clear = (): void => {
    for (const name of readdirSync(binDir)) rmSync(join(binDir, name));
  };
  return {
    binDir,
    fail(tool, stderr) {
      if (!/^[a-z-]+$/.test(tool) || stderr.includes("'")) throw new Error(`tool-faults: bad tool ${tool} or stderr`);
      writeFileSync(join(binDir, tool), `#!/bin/sh\nprintf '%s\\n' '${stderr}' >&2\nexit 1\n`);
      chmodSync(join(binDir, tool), 0o755);
    },
    killHook(tool) {
      if (!/^[a-z-]+$/.test(tool)) throw new Error(`tool-faults: bad tool ${tool}`);
      writeFileSync(join(binDir, tool), '#!/bin/sh\nkill -s KILL 0\n');
      chmodSync(join(binDir, tool), 0o755);
    },
    clear,
    cleanup: () => rmSync(binDir, { recursive: true, force: true }),
  };
}
