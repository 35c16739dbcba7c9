import { CLIENT_EVENTS, parseClientEvent } from '../src/openai/realtime/schemas';

/**
 * The caller's audio appends are checked by hand (the hot path of a realtime call); the answer must be
 * exactly the schema's: the same event for what it accepts, the schema's error for what it refuses.
 */
describe('realtime client events: input_audio_buffer.append', () => {
  const schema = CLIENT_EVENTS['input_audio_buffer.append'];
  const cases: unknown[] = [
    { type: 'input_audio_buffer.append', audio: 'AQIDBA==' },
    { type: 'input_audio_buffer.append', audio: '' },
    { type: 'input_audio_buffer.append', audio: 'AQID' },
    { type: 'input_audio_buffer.append', audio: 'AQIDBA==', event_id: 'e1' },
    { type: 'input_audio_buffer.append', audio: 'AQIDBA==', event_id: 'x'.repeat(512) },
    { type: 'input_audio_buffer.append', audio: 'AQIDBA==', event_id: 'x'.repeat(513) },
    { type: 'input_audio_buffer.append', audio: 'AQIDBA==', event_id: 7 },
    { type: 'input_audio_buffer.append', audio: 'AQIDBA=' },
    { type: 'input_audio_buffer.append', audio: 'AQ ID' },
    { type: 'input_audio_buffer.append', audio: 12 },
    { type: 'input_audio_buffer.append' },
    { type: 'input_audio_buffer.append', audio: 'AQIDBA==', extra: true },
    { type: 'input_audio_buffer.append', audio: 'AQIDBA==', event_id: null },
  ];

  it.each(cases.map((c) => [JSON.stringify(c).slice(0, 80), c]))('%s: as the schema says', (_label, c) => {
    const result = parseClientEvent(JSON.stringify(c));
    const expected = schema.safeParse(c);
    expect(result.ok).toBe(expected.success);
    if (result.ok && expected.success) expect(result.event).toEqual(expected.data);
  });
});
