import { z } from 'zod';
import { PERSONAS, type PersonaName } from './personas/types';
import type { WebsocketNumber } from './realtime/types';
import type { CallRecord, ElksAccount, ElksContext, ElksFaults } from './state';
import { type CallView, callView, elksStats } from './views';

const E164 = z.string().regex(/^\+[1-9]\d{5,14}$/, 'expected an E.164 number like +46701234567');

export const PersonaBody = z.object({
  phone: E164,
  persona: z.enum(PERSONAS),
  /** Realtime calls: the persona says short "mm"/"ja"/"okej" while we speak. */
  backchannels: z.boolean().optional(),
});
export type PersonaSettings = Omit<z.input<typeof PersonaBody>, 'phone' | 'persona'>;

/** POST /sim/websocket-numbers: a 46elks WebSocket number and the URL 46elks opens for each call to it. */
export const WebsocketNumberBody = z
  .object({
    number: E164,
    websocket_url: z
      .string()
      .url()
      .refine((u) => /^wss?:\/\//i.test(u), 'expected a ws:// or wss:// URL'),
    frame_ms: z.union([z.literal(20), z.literal(40), z.literal(100)]).default(20),
  })
  .strict();
export type WebsocketNumberInput = z.input<typeof WebsocketNumberBody>;

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
  setPersona(phone: string, persona: PersonaName, settings?: PersonaSettings): void;
  /** Registers a WebSocket number: a `connect` to it opens a realtime WebSocket to `websocket_url`. */
  setWebsocketNumber(number: string, websocketUrl: string, opts?: { frame_ms?: 20 | 40 | 100 }): WebsocketNumber;
  listWebsocketNumbers(): WebsocketNumber[];
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
    setPersona: (phone, persona, settings = {}) => {
      const body = PersonaBody.parse({ phone, persona, ...settings });
      ctx.personas.set(body.phone, body.persona);
      if (body.backchannels === undefined) ctx.personaOptions.delete(body.phone);
      else ctx.personaOptions.set(body.phone, { backchannels: body.backchannels });
    },
    setWebsocketNumber: (number, websocketUrl, opts = {}) => {
      const body = WebsocketNumberBody.parse({ number, websocket_url: websocketUrl, ...opts });
      ctx.websocketNumbers.set(body.number, body);
      return { ...body };
    },
    listWebsocketNumbers: () => [...ctx.websocketNumbers.values()].map((n) => ({ ...n })),
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
