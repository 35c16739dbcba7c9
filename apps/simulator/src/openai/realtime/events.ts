import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A server event before the session stamps its `event_id`. */
export type ServerEventBody = DistributiveOmit<RealtimeServerEvent, 'event_id'>;

/** What a response (or the session) needs from its connection. */
export interface Wire {
  send(event: ServerEventBody): void;
  /** Runs fn after a simulated delay (scaled by timeScale); returns a cancel function. */
  after(simMs: number, fn: () => void): () => void;
}
