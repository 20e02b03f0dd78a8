import type { ToolRunner } from '../../src/juju/run.ts';

/** A hook-tool runner that answers only the exact argv it expects, in order, and throws on anything else. */
export function expectCalls(expected: readonly { argv: readonly string[]; stdout?: string }[]): ToolRunner & { remaining(): number } {
  const queue = [...expected];
  const answer = async (argv: readonly string[]): Promise<string> => {
    const next = queue.shift();
    if (!next || JSON.stringify(next.argv) !== JSON.stringify(argv)) {
      throw new Error(`unexpected hook-tool call ${JSON.stringify(argv)}; expected ${JSON.stringify(next?.argv ?? 'nothing')}`);
    }
    return next.stdout ?? '';
  };
  return Object.assign(answer, { remaining: () => queue.length });
}
