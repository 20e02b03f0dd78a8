import type { ToolRunner } from '../run.ts';

/** A TCP or UDP port as Juju names it, e.g. `8000/tcp`. */
export interface Port {
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
}

const portText = ({ port, protocol }: Port): string => `${port}/${protocol}`;

/** `open-port <port>/<protocol>`; Juju applies it when the hook succeeds. */
export async function openPort(run: ToolRunner, port: Port): Promise<void> {
  await run(['open-port', portText(port)]);
}

/** `close-port <port>/<protocol>`; Juju applies it when the hook succeeds. */
export async function closePort(run: ToolRunner, port: Port): Promise<void> {
  await run(['close-port', portText(port)]);
}

/** `opened-ports --format=json`: the single ports open now (ranges and icmp are ignored). */
export async function openedPorts(run: ToolRunner): Promise<Port[]> {
  const parsed: unknown = JSON.parse(await run(['opened-ports', '--format=json']));
  if (!Array.isArray(parsed)) throw new Error(`opened-ports returned ${JSON.stringify(parsed)}, not a list`);
  const ports: Port[] = [];
  for (const entry of parsed) {
    const match = /^(\d+)(?:\/(tcp|udp))?$/.exec(String(entry));
    if (match) ports.push({ port: Number(match[1]), protocol: (match[2] ?? 'tcp') as Port['protocol'] });
  }
  return ports;
}
