import { buildSessionUpdate, REALTIME_TOOLS, renderInstructions, sayExactly } from './session';

describe('realtime session', () => {
  it('builds the GA session.update the contract describes', () => {
    const ev = buildSessionUpdate({ instructions: 'Du är …' });
    expect(ev).toEqual({
      type: 'session.update',
      session: {
        type: 'realtime',
        instructions: 'Du är …',
        tools: REALTIME_TOOLS,
        output_modalities: ['audio'],
        audio: {
          input: {
            format: { type: 'audio/pcm', rate: 24000 },
            transcription: { model: 'gpt-realtime-whisper', language: 'sv' },
            turn_detection: {
              type: 'server_vad',
              threshold: 0.5,
              prefix_padding_ms: 300,
              silence_duration_ms: 300,
              create_response: false,
              interrupt_response: false,
            },
          },
          output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
        },
      },
    });
    expect(buildSessionUpdate({ instructions: 'x', reasoningEffort: 'low', voice: 'cedar' }).session).toMatchObject({
      reasoning: { effort: 'low' },
      audio: { output: { voice: 'cedar' } },
    });
  });

  it('declares the four dialogue tools as flat functions with JSON-schema parameters', () => {
    expect(REALTIME_TOOLS.map((t) => [t.type, t.name])).toEqual([
      ['function', 'set_consent'],
      ['function', 'save_answer'],
      ['function', 'opt_out'],
      ['function', 'end_call'],
    ]);
    const save = REALTIME_TOOLS[1]?.parameters as { required: string[]; properties: Record<string, unknown> };
    expect(save.required).toEqual(['question_index', 'answer']);
    expect(Object.keys(save.properties)).toEqual(['question_index', 'answer', 'vague']);
  });

  it('renders Swedish instructions from the script', () => {
    const text = renderInstructions({
      storeName: 'ICA Kvantum Malmborgs',
      greeting: 'Hej! Vill du svara på två frågor?',
      questions: ['Hur var ditt besök?', 'Vad kan vi göra bättre?'],
      closing: 'Tack, det var allt.',
      goodbye: 'Hej då!',
    });
    expect(text).toContain('ICA Kvantum Malmborgs');
    expect(text).toContain('Tala alltid svenska');
    expect(text).toContain('1. Hur var ditt besök?\n2. Vad kan vi göra bättre?');
    expect(text).toContain('"say"');
    expect(sayExactly('Hej då!')).toBe('Säg exakt: "Hej då!"');
  });
});
