import type { Server } from 'node:http';
import { tryFinalize } from '../calls/finalize';
import { type HeardAnswer, runDialogueTool } from '../conversation/realtime-dialogue';
import { type CallSnapshot, type RealtimeEnd, readCallState, setFields } from '../conversation/state';
import type { Deps } from '../deps';
import type { Stoppable } from '../lifecycle';
import { realtimeKeys } from '../telephony/transport';
import { connectRealtimeCall } from './call';
import { realtimeCostSek } from './cost';
import { buildSessionUpdate, renderInstructions } from './session';
import { attachRealtimeServer } from './socket-server';
import type { BridgeEndInfo, ElksHello, Utterance } from './types';

/**
 * The realtime transport in the API process: 46elks' socket (socket-server.ts) → the call it belongs to
 * (voice-start left `rt:await:<callid>` for 60 s; taken once, so a second socket for one call is refused)
 * → a bridge to OpenAI (call.ts) whose tools run the shared dialogue on the call's Redis state, whose
 * utterances become `utt:<id>` fields, and whose end (`rt:end`: talk time, usage, cost) lets finalize
 * settle the call as it settles a record-loop call.
 */

/** A bridged call counts toward REALTIME_MAX_CALLS for at most this long (a crashed process's calls expire). */
const ACTIVE_TTL_MS = 5 * 60_000;
/** After an OpenAI failure, `auto` sends new calls to the record loop for this long. */
const CIRCUIT_OPEN_S = 60;

function script(snap: CallSnapshot) {
  const text = (id: string) => snap.meta.prompts[id]?.text ?? '';
  return {
    greeting: text(snap.meta.greeting),
    closing: text(snap.meta.endings.budgetClosing),
    instructions: renderInstructions({
      storeName: text(snap.meta.greeting).match(/på uppdrag av ([^.,!?]+)/)?.[1] ?? 'butiken',
      greeting: text(snap.meta.greeting),
      questions: snap.meta.questions.map(text),
      closing: text(snap.meta.endings.closing),
      goodbye: text(snap.meta.endings.declineGoodbye),
    }),
  };
}

export function startRealtime(deps: Deps, server: Server): Stoppable | null {
  const { config } = deps;
  if (!config.REALTIME_PATH_SECRET) return null;
  const keys = realtimeKeys(deps);
  const observeFrame = (dir: 'to_model' | 'to_caller', ms: number) => deps.metrics.realtimeFrame.observe({ dir }, ms / 1000);

  const onHello = async (hello: ElksHello, socket: Parameters<typeof connectRealtimeCall>[0]['elks']) => {
    const ref = /^c[0-9a-f]{32}$/.test(hello.callid) ? await deps.redis.getdel(keys.awaiting(hello.callid)) : null;
    const [sessionId, attempt] = ref?.split(':') ?? [];
    const attemptNo = Number(attempt);
    const snap = sessionId ? await readCallState(deps, sessionId, attemptNo) : null;
    if (!sessionId || !snap || snap.callId !== hello.callid || snap.end) {
      deps.metrics.realtimeCalls.inc({ end: 'unmatched' });
      deps.log.warn('realtime socket for no call awaiting one: closed', { elksCallId: hello.callid });
      return null;
    }
    const log = deps.log.child({ callId: sessionId, attemptNo, transport: 'realtime' });
    const member = `${sessionId}:${attemptNo}`;
    await Promise.all([setFields(deps, sessionId, attemptNo, { 'rt:live': '1' }), deps.redis.zadd(keys.active, Date.now() + ACTIVE_TTL_MS, member)]);
    const s = script(snap);
    let heard: HeardAnswer = null;
    const write = (fields: Record<string, string>) =>
      setFields(deps, sessionId, attemptNo, fields).catch((err: unknown) => log.warn('realtime state write failed', { err: String(err) }));
    log.info('realtime leg bridged', { elksCallId: hello.callid });
    return connectRealtimeCall({
      elks: socket,
      openai: { ...(config.OPENAI_BASE_URL ? { baseUrl: config.OPENAI_BASE_URL } : {}), apiKey: config.OPENAI_API_KEY, model: config.OPENAI_REALTIME_MODEL },
      bridge: {
        session: buildSessionUpdate({ instructions: s.instructions, voice: config.OPENAI_REALTIME_VOICE, transcriptionModel: config.OPENAI_REALTIME_TRANSCRIBE_MODEL }),
        greeting: s.greeting,
        closing: s.closing,
      },
      runTool: (name, args) => {
        const answer = heard;
        heard = null; // an utterance answers one tool call, never the next question too
        return runDialogueTool(deps, sessionId, attemptNo, name, args, answer);
      },
      onUtterance: (u: Utterance) => {
        if (u.speaker === 'customer') heard = { text: u.text, durationMs: 0 };
        const utt = { speaker: u.speaker, text: u.text, ms: u.timestampMs, status: u.status, ...(u.heardMs !== undefined ? { heardMs: u.heardMs } : {}) };
        void write({ [`utt:${u.itemId}`]: JSON.stringify(utt) });
      },
      onUsage: () => {},
      onEnd: (info: BridgeEndInfo) => void settleLeg(deps, sessionId, attemptNo, member, info, log),
      onFrame: observeFrame,
      log,
    });
  };

  const rt = attachRealtimeServer(server, {
    secret: config.REALTIME_PATH_SECRET,
    allowedIps: config.ELKS_ALLOWED_IPS,
    trustProxy: config.TRUST_PROXY,
    onHello,
    onFrame: observeFrame,
    log: deps.log,
  });
  return { name: 'realtime', stop: async () => rt.close() };
}

/** Records how the leg ended, then lets finalize run if the hang-up came first. */
async function settleLeg(deps: Deps, sessionId: string, attemptNo: number, member: string, info: BridgeEndInfo, log: Deps['log']): Promise<void> {
  const u = info.usage;
  const usage = {
    inputAudioTokens: u.inputAudioTokens,
    inputTextTokens: u.inputTextTokens,
    inputCachedTokens: u.inputCachedTokens,
    outputAudioTokens: u.outputAudioTokens,
    outputTextTokens: u.outputTextTokens,
  };
  const costSek = realtimeCostSek(deps.config.OPENAI_REALTIME_MODEL, usage, deps.config.USD_TO_SEK);
  const end: RealtimeEnd = { reason: info.reason, fallback: info.fallback, talkMs: Math.round(info.talkMs), usage, costSek, bargeIns: info.bargeIns, backChannels: info.backChannels };
  const m = deps.metrics;
  m.realtimeCalls.inc({ end: info.reason });
  m.realtimeTokens.inc({ direction: 'in', kind: 'audio' }, usage.inputAudioTokens);
  m.realtimeTokens.inc({ direction: 'in', kind: 'text' }, usage.inputTextTokens);
  m.realtimeTokens.inc({ direction: 'in', kind: 'cached' }, usage.inputCachedTokens);
  m.realtimeTokens.inc({ direction: 'out', kind: 'audio' }, usage.outputAudioTokens);
  m.realtimeTokens.inc({ direction: 'out', kind: 'text' }, usage.outputTextTokens);
  m.realtimeCostSek.inc(costSek);
  log.info('realtime leg ended', { reason: info.reason, fallback: info.fallback, talk_ms: end.talkMs, cost_sek: costSek, barge_ins: info.bargeIns });
  try {
    const keys = realtimeKeys(deps);
    // Not one word to the greeting on a leg that ended for good: as a silent recording in the record
    // loop, the line picked up and nobody talked (voicemail/silence, tried again later).
    const snap = info.fallback ? null : await readCallState(deps, sessionId, attemptNo);
    const silent: Record<string, string> = snap && !snap.transcripts.has(0) ? { 'txt:0': JSON.stringify({ text: '', language: 'unknown', sttMs: 0 }) } : {};
    await Promise.all([
      setFields(deps, sessionId, attemptNo, { ...silent, 'rt:end': JSON.stringify(end) }),
      deps.redis.zrem(keys.active, member),
      info.reason.startsWith('openai_') ? deps.redis.set(keys.circuit, info.reason, 'EX', CIRCUIT_OPEN_S) : null,
    ]);
    await tryFinalize(deps, sessionId, attemptNo);
  } catch (err) {
    log.error('settling the realtime leg failed', { err: String(err) });
  }
}
