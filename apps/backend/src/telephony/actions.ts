/**
 * 46elks call actions (46elks.md §2). One primary action per answer; `next` may be a URL or an
 * inline action. A `play` with no `next` ends the call once it has played.
 */
export type ElksAction =
  | { play: string; skippable?: boolean; next?: string | ElksAction }
  | { record: string; timelimit?: number; silencedetection?: 'yes' | 'no'; next?: string | ElksAction }
  | { hangup: 'reject' | 'busy' | '404' }
  /** To our 46elks WebSocket number: the realtime leg; `next` runs when it ends, whatever the result. */
  | { connect: string; next: string };

/**
 * A question is played with a `next` URL of its own, and the recording starts only once 46elks says
 * the play succeeded: with `record` inline, a play that failed would still be followed by a recording
 * of the silence after a question nobody heard.
 */
export function record(recordUrl: string, nextUrl: string, timelimit: number): ElksAction {
  return { record: recordUrl, timelimit, silencedetection: 'yes', next: nextUrl };
}

export function playThenNext(playUrl: string, nextUrl: string): ElksAction {
  return { play: playUrl, skippable: false, next: nextUrl };
}

export function playAndEnd(playUrl: string): ElksAction {
  return { play: playUrl, skippable: false };
}

/** On an answered call only "reject" is allowed after the first action; it simply hangs up. */
export const HANG_UP: ElksAction = { hangup: 'reject' };
