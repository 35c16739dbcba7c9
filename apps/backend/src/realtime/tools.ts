import type { BridgeDeps } from './bridge-options';
import type { Timers, ToolOutput } from './types';

/**
 * Runs the model's tool calls through the dialogue (REALTIME.md §2.4): once per `call_id` (OpenAI may
 * repeat an event; an unanswered call stalls the model, a doubly answered one confuses it), under a
 * timeout, with the arguments parsed leniently (bad JSON → `{}`: the dialogue validates them).
 */
export type ToolRunner = ReturnType<typeof createToolRunner>;

export function createToolRunner(
  deps: Pick<BridgeDeps, 'runTool' | 'log'>,
  timers: Timers,
  timeoutMs: number,
  on: {
    output(name: string, callId: string, output: ToolOutput): void;
    failure(name: string, callId: string, err: unknown): void;
  },
) {
  const seen = new Set<string>();
  let running = 0;

  return {
    get running() {
      return running;
    },
    /** The parsed arguments, or null when this call_id was already taken. */
    start(name: string, callId: string, rawArgs: string): Record<string, unknown> | null {
      if (seen.has(callId)) {
        deps.log.warn('realtime duplicate tool call ignored', { name, callId });
        return null;
      }
      seen.add(callId);
      running++;
      let args: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(rawArgs || '{}');
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
      } catch {
        deps.log.warn('realtime tool arguments are not JSON', { name, callId });
      }
      let timer: unknown = null;
      const timeout = new Promise<never>((_, reject) => {
        timer = timers.setTimeout(() => reject(new Error(`tool ${name} timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      const settle = () => {
        timers.clearTimeout(timer);
        running--;
      };
      Promise.race([Promise.resolve().then(() => deps.runTool(name, args, callId)), timeout]).then(
        (output) => {
          settle();
          on.output(name, callId, output);
        },
        (err: unknown) => {
          settle();
          on.failure(name, callId, err);
        },
      ).catch((err: unknown) => deps.log.error('realtime tool result handling failed', { name, callId, err: String(err) }));
      return args;
    },
  };
}
