import type {
  RealtimeFunctionTool,
  RealtimeReasoningEffort,
  SessionUpdateEvent,
} from 'openai/resources/realtime/realtime';

/**
 * The OpenAI Realtime session for a Swedish feedback call (REALTIME.md §2.2, §2.4): model-independent
 * (the model is chosen in the connect URL). Turn detection only reports speech (create_response and
 * interrupt_response off): the bridge decides barge-in and when the model answers.
 */

export type SessionOptions = {
  /** The Swedish instructions, usually from renderInstructions. */
  instructions: string;
  /** Output voice; fixed once the model has spoken. Default 'marin'. */
  voice?: string;
  /** Default 'gpt-realtime-whisper'. */
  transcriptionModel?: string;
  /** server_vad energy threshold, default 0.5. */
  vadThreshold?: number;
  /** Default 300 ms. */
  prefixPaddingMs?: number;
  /** Silence that ends a customer turn, default 300 ms. */
  silenceDurationMs?: number;
  /** Only for models that reason (gpt-realtime-2.x); omitted by default. */
  reasoningEffort?: RealtimeReasoningEffort;
};

export const SESSION_DEFAULTS = {
  voice: 'marin',
  transcriptionModel: 'gpt-realtime-whisper',
  vadThreshold: 0.5,
  prefixPaddingMs: 300,
  silenceDurationMs: 300,
} as const;

export const END_CALL_REASONS = ['completed', 'declined', 'opt_out', 'non_swedish', 'voicemail', 'silence'] as const;

/** The dialogue tools; their effects live in the backend (Redis), the model only chooses and fills them. */
export const REALTIME_TOOLS: RealtimeFunctionTool[] = [
  {
    type: 'function',
    name: 'set_consent',
    description: 'Kundens svar på om hen vill svara på några frågor. granted=true för ja, false för nej.',
    parameters: {
      type: 'object',
      properties: { granted: { type: 'boolean', description: 'true om kunden sa ja' } },
      required: ['granted'],
      additionalProperties: false,
    },
  },
  {
    type: 'function',
    name: 'save_answer',
    description: 'Spara kundens svar på den senast ställda frågan.',
    parameters: {
      type: 'object',
      properties: {
        question_index: { type: 'integer', minimum: 0, description: 'question_index från senaste verktygssvaret' },
        answer: { type: 'string', description: 'kundens svar, med kundens egna ord' },
        vague: { type: 'boolean', description: 'true om svaret var så vagt att en följdfråga behövs' },
      },
      required: ['question_index', 'answer'],
      additionalProperties: false,
    },
  },
  {
    type: 'function',
    name: 'opt_out',
    description: 'Kunden vill inte bli uppringd igen (till exempel "ring inte", "ta bort mitt nummer").',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  },
  {
    type: 'function',
    name: 'end_call',
    description: 'Avsluta samtalet efter att avskedet har sagts.',
    parameters: {
      type: 'object',
      properties: { reason: { type: 'string', enum: [...END_CALL_REASONS] } },
      required: ['reason'],
      additionalProperties: false,
    },
  },
];

export function buildSessionUpdate(opts: SessionOptions): SessionUpdateEvent {
  return {
    type: 'session.update',
    session: {
      type: 'realtime',
      instructions: opts.instructions,
      tools: REALTIME_TOOLS,
      output_modalities: ['audio'],
      ...(opts.reasoningEffort ? { reasoning: { effort: opts.reasoningEffort } } : {}),
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: { model: opts.transcriptionModel ?? SESSION_DEFAULTS.transcriptionModel, language: 'sv' },
          turn_detection: {
            type: 'server_vad',
            threshold: opts.vadThreshold ?? SESSION_DEFAULTS.vadThreshold,
            prefix_padding_ms: opts.prefixPaddingMs ?? SESSION_DEFAULTS.prefixPaddingMs,
            silence_duration_ms: opts.silenceDurationMs ?? SESSION_DEFAULTS.silenceDurationMs,
            create_response: false,
            interrupt_response: false,
          },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: opts.voice ?? SESSION_DEFAULTS.voice },
      },
    },
  };
}

/** The call's script, from the per-call state (CallMeta: greeting, questions, endings.closing…). */
export type RealtimeScript = {
  storeName: string;
  greeting: string;
  questions: string[];
  closing: string;
  goodbye: string;
};

/** `Säg exakt: "<text>"`: response instructions that make the model speak one fixed line. */
export const sayExactly = (text: string): string => `Säg exakt: "${text}"`;

/**
 * Swedish session instructions from the script. The backend owns the dialogue: the model speaks the
 * `say` of each tool output and reports the customer's answers through the tools; the script's lines
 * are listed so the model knows the call's shape, not so it improvises them.
 */
export function renderInstructions(script: RealtimeScript): string {
  const questions = script.questions.map((q, i) => `${i + 1}. ${q}`).join('\n');
  return [
    `Du är en vänlig och kortfattad röstassistent som ringer kunder på uppdrag av ${script.storeName} för att fråga om deras senaste besök.`,
    'Tala alltid svenska, med naturligt talspråk. Säg en sak i taget och håll varje replik kort.',
    '',
    'Samtalet styrs av verktygen:',
    '- När kunden svarar på om hen vill delta: anropa set_consent.',
    '- När kunden svarar på en fråga: anropa save_answer med question_index från det senaste verktygssvaret och kundens svar.',
    '- Om kunden inte vill bli uppringd igen: anropa opt_out.',
    '- Varje verktygssvar har fältet "say": säg exakt den texten, inget annat. Hitta aldrig på egna frågor.',
    '- När verktygssvaret har "end": true: säg texten i "say" och anropa sedan end_call med reason från svaret.',
    '- Om kunden inte talar svenska, eller om du hör en röstbrevlåda: anropa end_call med reason non_swedish respektive voicemail.',
    '',
    'Korta inflikningar som "mm", "ja" eller "precis" medan du talar betyder att kunden lyssnar: fortsätt.',
    'Ge aldrig ut personuppgifter och lova ingenting för butikens räkning.',
    '',
    `Hälsningsfras: "${script.greeting}"`,
    `Frågor:\n${questions}`,
    `Avslutning: "${script.closing}"`,
    `Avsked: "${script.goodbye}"`,
  ].join('\n');
}
