import { z } from 'zod';
import { PERSONAS, type PersonaName } from './personas/types';
import type { CallRecord, ElksAccount, ElksContext, ElksFaults } from './state';
import { type CallView, callView, elksStats } from './views';

export const PersonaBody = z.object({
  phone: z.string().regex(/^\+[1-9]\d{5,14}$/, 'expected an E.164 number like +46701234567'),
  persona: z.enum(PERSONAS),
});

export const ElksFaultsBody = z
  .object({
    createCall5xx: z.number().int().min(0),
    createCall4xx: z.number().int().min(0),
    createCallFailed: z.number().int().min(0),
    createCallLost503: z.number().int().min(0),
    createCallLostReset: z.number().int().min(0),
    callHistory5xx: z.number().int().min(0),
    playFailures: z.number().int().min(0),
    recordFailures: z.number().int().min(0),
  })
  .partial()
  .strict();
export type ElksFaultsInput = z.input<typeof ElksFaultsBody>;

export const AccountBody = z.object({ balance: z.number().int() }).strict();

export type CallPredicate = (call: CallView) => boolean;

/** In-process equivalent of the /sim control API. */
export interface ElksControl {
  setPersona(phone: string, persona: PersonaName): void;
  getCall(id: string): CallView | undefined;
  listCalls(filter?: { to?: string }): CallView[];
  /** Resolves once a matching call has ended and its hangup (and recording) webhooks are all delivered. */
  waitForCall(match: string | CallPredicate, opts?: { timeoutMs?: number }): Promise<CallView>;
  stats(): ReturnType<typeof elksStats>;
  setFaults(faults: ElksFaultsInput): ElksFaults;
  /** Sets the account balance (1/10 000 SEK); at 0 or below every call is refused, as 46elks does. */
  setBalance(balance: number): ElksAccount;
}

export const createElksControl = (ctx: ElksContext): ElksControl & { rejectWaiters(reason: Error): void } => {
  const waiters = new Set<(err: Error) => void>();
  const matches = (match: string | CallPredicate, call: CallRecord): boolean =>
    typeof match === 'string' ? call.id === match : match(callView(ctx, call));

  return {
    setPersona: (phone, persona) => {
      const body = PersonaBody.parse({ phone, persona });
      ctx.personas.set(body.phone, body.persona);
    },
    getCall: (id) => {
      const call = ctx.calls.get(id);
      return call ? callView(ctx, call) : undefined;
    },
    listCalls: (filter = {}) =>
      [...ctx.calls.values()].filter((call) => !filter.to || call.to === filter.to).map((call) => callView(ctx, call)),
    waitForCall: (match, opts = {}) =>
      new Promise<CallView>((resolve, reject) => {
        if (ctx.scheduler.stopped()) return reject(new Error('simulator stopped'));
        for (const call of ctx.calls.values()) {
          if (call.settled && matches(match, call)) return resolve(callView(ctx, call));
        }
        const timeoutMs = opts.timeoutMs ?? 30_000;
        const done = (): void => {
          cancel();
          ctx.settleListeners.delete(listener);
          waiters.delete(fail);
        };
        const listener = (call: CallRecord): void => {
          if (!matches(match, call)) return;
          done();
          resolve(callView(ctx, call));
        };
        const fail = (err: Error): void => {
          done();
          reject(err);
        };
        const cancel = ctx.scheduler.after(timeoutMs, () =>
          fail(new Error(`waitForCall(${typeof match === 'string' ? match : 'predicate'}) timed out after ${timeoutMs} ms`)),
        );
        ctx.settleListeners.add(listener);
        waiters.add(fail);
      }),
    stats: () => elksStats(ctx),
    setFaults: (faults) => {
      Object.assign(ctx.faults, ElksFaultsBody.parse(faults));
      return { ...ctx.faults };
    },
    setBalance: (balance) => {
      ctx.account.balance = AccountBody.parse({ balance }).balance;
      return { ...ctx.account };
    },
    rejectWaiters: (reason) => {
      for (const fail of [...waiters]) fail(reason);
    },
  };
};
