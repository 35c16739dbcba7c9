import type { ConversationItem } from 'openai/resources/realtime/realtime';
import { decodeVoiceMemo as decodeVoice } from '../../audio/voice';
import { parseToolOutput } from './brain';
import type { ConvItem } from './conversation';
import { type ClientEvent, type ItemInput, Session, toProtocolError } from './schemas';
import type { RealtimeSession } from './session';
import { applySessionUpdate, turnPolicy } from './session-config';
import { SAMPLE_RATE, toSamples } from './vad';

type Ev<T extends ClientEvent['type']> = Extract<ClientEvent, { type: T }>;

const invalid = (param: string, message: string, code = 'invalid_value') => ({ type: 'invalid_request_error' as const, code, message, param });

/** session.update → session.updated (the merged session), or an `error` as the real API words it. */
export const handleSessionUpdate = (s: RealtimeSession, ev: Ev<'session.update'>, eventId: string | null) => {
  const faults = s.ctx.faults;
  if (faults.sessionUpdateError > 0) {
    faults.sessionUpdateError--;
    return s.error({ type: 'server_error', code: 'server_error', message: 'The server had an error while processing your request. Sorry about that!', param: null }, eventId);
  }
  if (ev.session.type === 'transcription') {
    return s.error(invalid('session.type', "Invalid value: 'transcription'. A realtime session cannot be updated to a transcription session."), eventId);
  }
  const parsed = Session.safeParse(ev.session);
  if (!parsed.success) return s.error(toProtocolError(parsed.error, ev.session, ['session']), eventId);
  const update = parsed.data;
  for (const dir of ['input', 'output'] as const) {
    const fmt = update.audio?.[dir]?.format;
    if (fmt && fmt.type !== 'audio/pcm') {
      return s.error(invalid(`session.audio.${dir}.format.type`, `Invalid value: '${fmt.type}'. The simulator supports only 'audio/pcm' (24 kHz).`), eventId);
    }
  }
  const voice = update.audio?.output?.voice;
  if (voice !== undefined && JSON.stringify(voice) !== JSON.stringify(s.session.audio?.output?.voice) && s.items.some((i) => i.role === 'assistant' && i.audioMs > 0)) {
    return s.error(invalid('session.audio.output.voice', 'Cannot update a conversation\'s voice if assistant audio is present.', 'cannot_update_voice'), eventId);
  }
  s.session = applySessionUpdate(s.session, update);
  s.buffer.vad = turnPolicy(s.session).vad;
  s.send({ type: 'session.updated', session: s.session });
};

const notFound = (param: string, id: string) => invalid(param, `Conversation item with item_id '${id}' not found.`, 'item_not_found');

const userText = (item: Extract<ItemInput, { role: 'user' }>): string =>
  item.content
    .map((c) => {
      if (c.type === 'input_audio' && c.audio) return decodeVoice(toSamples(Buffer.from(c.audio, 'base64')), SAMPLE_RATE) ?? c.transcript ?? '';
      return c.text ?? c.transcript ?? '';
    })
    .join(' ')
    .trim();

const createItem = (s: RealtimeSession, ev: Ev<'conversation.item.create'>, eventId: string | null) => {
  const input = ev.item;
  const id = input.id ?? s.newId('item');
  if (s.items.some((i) => i.id === id)) return s.error(invalid('item.id', `Item with item_id '${id}' already exists.`, 'item_id_already_exists'), eventId);
  let previous = s.items.at(-1)?.id ?? null;
  if (ev.previous_item_id) {
    if (ev.previous_item_id !== 'root' && !s.items.some((i) => i.id === ev.previous_item_id)) return s.error(notFound('previous_item_id', ev.previous_item_id), eventId);
    previous = ev.previous_item_id === 'root' ? null : ev.previous_item_id;
  }
  const item = { ...input, id, object: 'realtime.item', status: 'completed' } as ConversationItem;
  let conv: ConvItem;
  if (input.type === 'function_call_output') {
    const brain = s.items.find((i) => i.brain?.kind === 'call' && i.brain.callId === input.call_id)?.brain;
    if (brain?.kind !== 'call') {
      return s.error(invalid('item.call_id', `Tool call ID '${input.call_id}' not found in conversation.`, 'invalid_tool_call_id'), eventId);
    }
    brain.answered = true;
    conv = { id, item, role: 'tool', audioMs: 0, text: input.output, brain: { kind: 'output', id, callId: input.call_id, output: parseToolOutput(input.output), spoken: false } };
  } else if (input.type === 'function_call') {
    const callId = input.call_id ?? s.newId('call', 16);
    conv = { id, item, role: 'assistant', audioMs: 0, text: input.arguments, brain: { kind: 'call', id, callId, name: input.name, answered: false } };
  } else if (input.role === 'user') {
    const text = userText(input);
    conv = { id, item, role: 'user', audioMs: 0, text, brain: { kind: 'user', id, text } };
  } else {
    const text = input.content.map((c) => ('transcript' in c ? (c.transcript ?? '') : '') || (c.text ?? '')).join(' ');
    conv = { id, item, role: input.role, audioMs: 0, text, brain: input.role === 'assistant' ? { kind: 'assistant', id, completed: true } : null };
  }
  const at = previous === null ? 0 : s.items.findIndex((i) => i.id === previous) + 1;
  s.items.splice(at, 0, conv);
  s.send({ type: 'conversation.item.added', previous_item_id: previous, item });
  s.send({ type: 'conversation.item.done', previous_item_id: previous, item });
  if (input.type === 'function_call_output') s.unstall();
};

const truncate = (s: RealtimeSession, ev: Ev<'conversation.item.truncate'>, eventId: string | null) => {
  const conv = s.items.find((i) => i.id === ev.item_id);
  if (!conv) return s.error(notFound('item_id', ev.item_id), eventId);
  if (conv.item.type !== 'message' || conv.item.role !== 'assistant') {
    return s.error(invalid('item_id', `Only assistant messages can be truncated; item '${ev.item_id}' is not one.`), eventId);
  }
  if (ev.content_index !== 0) return s.error(invalid('content_index', `Invalid content_index ${ev.content_index}: the item has one content part.`), eventId);
  const audioMs = Math.round(conv.audioMs);
  if (ev.audio_end_ms > audioMs) {
    return s.error(invalid('audio_end_ms', `Audio content of ${audioMs}ms is already shorter than ${ev.audio_end_ms}ms`), eventId);
  }
  conv.audioEndMs = ev.audio_end_ms;
  conv.item = { ...conv.item, content: conv.item.content.map((c) => ({ ...c, transcript: '' })) };
  s.ctx.counters.truncations++;
  s.send({ type: 'conversation.item.truncated', item_id: ev.item_id, content_index: 0, audio_end_ms: ev.audio_end_ms });
};

/** conversation.item.create / truncate / delete / retrieve. */
export const handleItemEvent = (
  s: RealtimeSession,
  ev: Ev<'conversation.item.create' | 'conversation.item.truncate' | 'conversation.item.delete' | 'conversation.item.retrieve'>,
  eventId: string | null,
) => {
  switch (ev.type) {
    case 'conversation.item.create':
      return createItem(s, ev, eventId);
    case 'conversation.item.truncate':
      return truncate(s, ev, eventId);
    case 'conversation.item.delete': {
      const at = s.items.findIndex((i) => i.id === ev.item_id);
      if (at < 0) return s.error(notFound('item_id', ev.item_id), eventId);
      s.items.splice(at, 1);
      return s.send({ type: 'conversation.item.deleted', item_id: ev.item_id });
    }
    case 'conversation.item.retrieve': {
      const conv = s.items.find((i) => i.id === ev.item_id);
      if (!conv) return s.error(notFound('item_id', ev.item_id), eventId);
      return s.send({ type: 'conversation.item.retrieved', item: conv.item });
    }
  }
};
