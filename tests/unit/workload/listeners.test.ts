import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { holderNames, listeningInodes, portHolders, portListeners, TABLE_READ_MAX } from '../../../src/workload/listeners.ts';
import { readProcess } from '../../../src/workload/procfs.ts';
import { addProcess, addTcpTable, fakeProc } from './fake-proc.ts';
import { close, listen, listenElsewhere } from './sockets.ts';

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
    expect(
      holderNames([
        { pid: 4, comm: 'nc', state: 'S', argv: ['nc'], uid: 0 },
        { pid: 5, comm: 'node', state: 'S', argv: [], uid: 0 },
      ]),
    ).toBe('nc (pid 4), node (pid 5)');
  });
});

describe('listening sockets: reading the table', () => {
  it('a listener right after a pending connection (SYN_RECV, on old kernels) is still found', () => {
    const path = table([line(0, '00000000:1F40', '0A', 111), line(1, '0100007F:1F40', '03', 0), line(2, '0100007F:1F40', '0A', 222), line(3, '0100007F:1F40', '01', 0)]);
    expect(listeningInodes(8000, [path])).toEqual(new Set(['111', '222']));
  });

  it('ports below 0x1000 are matched with their leading zeros (80 = 0x0050)', () => {
    const path = table([line(0, '00000000:0050', '0A', 80), line(1, '00000000:1050', '0A', 4176)]);
    expect(listeningInodes(80, [path])).toEqual(new Set(['80']));
  });

  it('reads a table larger than one read, lines cut between reads included', () => {
    const lines = Array.from({ length: 500 }, (_, i) => line(i, '00000000:1F40', '0A', 1000 + i));
    expect(listeningInodes(8000, [table(lines)])).toEqual(new Set(lines.map((_, i) => String(1000 + i))));
  });

  it(`reads at most ${TABLE_READ_MAX} bytes of a table`, () => {
    // Listener lines (port 22) up to exactly the limit, the last one padded, then one on port 8000.
    const listener = line(0, '00000000:0016', '0A', 1);
    let text = `${HEADER}\n`;
    while (text.length + 2 * listener.length < TABLE_READ_MAX) text += `${listener}\n`;
    text += `${listener.padEnd(TABLE_READ_MAX - text.length - 1)}\n`;
    expect(text.length).toBe(TABLE_READ_MAX);
    const path = join(mkdtempSync(join(tmpdir(), 'proc-net-')), 'tcp');
    writeFileSync(path, `${text}${line(0, '00000000:1F40', '0A', 111)}\n`);
    expect(listeningInodes(22, [path])).toEqual(new Set(['1']));
    expect(listeningInodes(8000, [path])).toEqual(new Set());
  });

  it('closes every table it opens, at the end or at the first connection', () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 20; i++) {
      listeningInodes(8000, [table([line(0, '00000000:1F40', '0A', 111)]), table([line(0, '00000000:1F40', '01', 0)])]);
    }
    expect(fds()).toBe(before);
  });
});

describe('listening sockets on this machine', () => {
  it('reads IPv4 and IPv6 listeners by default', async () => {
    const v4 = await listen('127.0.0.1');
    const v6 = await listen('::1', undefined, v4.port);
    try {
      expect(listeningInodes(v4.port).size).toBe(2);
      expect(portListeners(v4.port, process.pid)).toEqual({ ours: 2, strangers: [], foreign: 0 });
    } finally {
      await close(v4);
      await close(v6);
    }
  });

  it('a free port has no listeners', async () => {
    const server = await listen();
    await close(server);
    expect(portListeners(server.port, process.pid)).toEqual({ ours: 0, strangers: [], foreign: 0 });
    expect(portListeners(server.port, undefined)).toEqual({ ours: 0, strangers: [], foreign: 0 });
  });

  it('seen from no process of ours, every listener is foreign and its holder named', async () => {
    const server = await listen();
    try {
      expect(portListeners(server.port, undefined)).toEqual({ ours: 0, strangers: [readProcess(process.pid)], foreign: 1 });
    } finally {
      await close(server);
    }
  });

  it('ours and a stranger on the same port (another address): one each, the stranger named', async () => {
    const server = await listen('127.0.0.1');
    const stranger = await listenElsewhere(server.port, '127.0.0.2');
    try {
      const found = portListeners(server.port, process.pid);
      expect(found).toMatchObject({ ours: 1, foreign: 1 });
      expect(found.strangers.map((info) => info.pid)).toEqual([stranger.pid]);
    } finally {
      stranger.kill('SIGKILL');
      await close(server);
    }
  });
});

describe('listening sockets on a fake /proc', () => {
  it('ours and strangers, and for no process of ours no folder is read (not even one named undefined)', () => {
    const root = fakeProc();
    addTcpTable(root, [
      ['0100007F:1F40', '111'],
      ['0200007F:1F40', '222'],
      ['0100007F:1F41', '333'],
    ]);
    addProcess(root, '42', { comm: 'tinyproxy', sockets: ['111'] });
    addProcess(root, '43', { comm: 'nc', sockets: ['222', '333'] });
    // What a missing pid formatted into a path would read.
    addProcess(root, 'undefined', { sockets: ['111', '222'] });
    const proxy = { pid: 42, comm: 'tinyproxy', state: 'S', argv: ['tinyproxy', '30'], uid: 1000 };
    const stranger = { pid: 43, comm: 'nc', state: 'S', argv: ['nc', '30'], uid: 1000 };
    expect(portListeners(8000, 42, root)).toEqual({ ours: 1, strangers: [stranger], foreign: 1 });
    expect(portListeners(8000, 43, root)).toEqual({ ours: 1, strangers: [proxy], foreign: 1 });
    expect(portListeners(8001, 43, root)).toEqual({ ours: 1, strangers: [], foreign: 0 });
    const fromNobody = portListeners(8000, undefined, root);
    expect(fromNobody).toMatchObject({ ours: 0, foreign: 2 });
    expect(fromNobody.strangers.map((info) => info.pid).sort()).toEqual([42, 43]);
    expect(portHolders(8001, root)).toEqual([stranger]);
  });

  it('a free port scans no /proc: under a missing root, a scan would throw', () => {
    const missing = join(fakeProc(), 'missing');
    expect(portHolders(8000, missing)).toEqual([]);
    expect(portListeners(8000, undefined, missing)).toEqual({ ours: 0, strangers: [], foreign: 0 });
  });
});
