// Real listening sockets for the /proc readers: one in this process, or one in a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

/** A TCP server in this process on a free port; `answer` handles each connection. */
export async function listen(host = '127.0.0.1', answer: (socket: Socket) => void = (socket) => socket.destroy(), port = 0): Promise<Server & { port: number }> {
  const server = createServer(answer);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

export const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** An HTTP server that answers every request with this status line and headers. */
export const answering = (head: string) => (socket: Socket) => {
  socket.once('data', () => socket.end(`${head}\r\nContent-Length: 0\r\n\r\n`));
};

/** Another process (node) listening on host:port, until killed. */
export async function listenElsewhere(port: number, host: string): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${port}, '${host}', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the listener exited with ${code}`)));
  });
  return child as ChildProcess & { pid: number };
}
