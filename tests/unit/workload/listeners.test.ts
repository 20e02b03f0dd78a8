import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { holderNames, listeningInodes } from '../../../src/workload/listeners.ts';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const line = (n: number, local: string, state: string, inode: number): string =>
  `   ${n}: ${local} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0`;

const table = (lines: readonly string[]): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'proc-net-')), 'tcp');
  writeFileSync(path, `${[HEADER, ...lines].join('\n')}\n`);
  return path;
};

describe('listening sockets from /proc/net/tcp', () => {
  it('finds the listeners on a port (0x1F40 = 8000), in every table given', () => {
    const v4 = table([line(0, '00000000:1F40', '0A', 111), line(1, '0100007F:1F41', '0A', 222)]);
    const v6 = table([line(0, '00000000000000000000000000000000:1F40', '0A', 333)]);
    expect(listeningInodes(8000, [v4, v6])).toEqual(new Set(['111', '333']));
    expect(listeningInodes(8001, [v4, v6])).toEqual(new Set(['222']));
    expect(listeningInodes(8002, [v4, v6])).toEqual(new Set());
  });

  it('stops at the first connection line: the kernel lists every listener before them', () => {
    const lines = [line(0, '00000000:1F40', '0A', 111), line(1, '00000000:1F40', '03', 0), line(2, '0100007F:1F40', '06', 0)];
    for (let i = 0; i < 2000; i++) lines.push(line(3 + i, '0100007F:1F40', '06', 0));
    lines.push(line(9999, '00000000:1F40', '0A', 999));
    expect(listeningInodes(8000, [table(lines)])).toEqual(new Set(['111']));
  });

  it('a missing table (no IPv6) is no listener', () => {
    expect(listeningInodes(8000, ['/nonexistent/tcp6'])).toEqual(new Set());
  });

  it('names holders for a message', () => {
    expect(holderNames([])).toBe('a process this unit cannot see');
    expect(holderNames([{ pid: 4, comm: 'nc', state: 'S', argv: ['nc'], uid: 0 }, { pid: 5, comm: 'node', state: 'S', argv: [], uid: 0 }])).toBe('nc (pid 4), node (pid 5)');
  });
});
