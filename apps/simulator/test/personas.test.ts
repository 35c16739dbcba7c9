import { type CallView, PERSONAS, type PersonaName, type Simulators, startSimulators } from '../src/index';
import { type FakeBackend, FOLLOW_UP, SCRIPTS, startFakeBackend } from './helpers/backend';

let sims: Simulators;
let grocery: FakeBackend;
let hardware: FakeBackend;
const calls = new Map<PersonaName, CallView>();
const phone = (i: number): string => `+4670200${String(i).padStart(4, '0')}`;
const wordCount = (text: string): number => text.split(/\s+/).filter(Boolean).length;

beforeAll(async () => {
  sims = await startSimulators({ timeScale: 0.005, seed: 2024, duplicateHangupRate: 0 });
  grocery = await startFakeBackend(sims, { store: 'grocery', questions: 4, followUp: true });
  hardware = await startFakeBackend(sims, { store: 'hardware', questions: 3, audioFormat: 'mp3' });
  // every persona calls the grocery store at once (calls run concurrently)
  const placed = await Promise.all(
    PERSONAS.map(async (persona, i) => {
      sims.elks.setPersona(phone(i), persona);
      const { json } = await grocery.placeCall(phone(i), { timeout: '45' });
      return [persona, String(json?.id)] as const;
    }),
  );
  for (const [persona, id] of placed) calls.set(persona, await sims.elks.waitForCall(id, { timeoutMs: 60_000 }));
});
afterAll(async () => {
  await grocery.close();
  await hardware.close();
  await sims.stop();
});

const answers = (call: CallView): string[] => call.said.slice(1).map((s) => s.text);

/** Downloads every recording with Basic auth and transcribes it with the real openai SDK. */
const transcripts = async (call: CallView, backend: FakeBackend): Promise<string[]> =>
  Promise.all(
    call.recordings.map(async (rec) => {
      const { status, bytes } = await backend.downloadRecording(rec.wav);
      expect(status).toBe(200);
      return ((await backend.transcribe(bytes)) as { text: string }).text;
    }),
  );

/** What the OpenAI simulator, like Whisper, invents for a silent recording (language sv). */
const SILENCE_PHRASE = /^(Tack för att (du|ni) tittade[!.]|Undertexter från Amara\.org-gemenskapen|Svensktextning\.nu)$/;

test('every recording transcribes to exactly what the persona said (silence → an invented subtitle phrase)', async () => {
  for (const persona of ['engaged', 'brief', 'negative_specific', 'fraud', 'declines', 'silent', 'english'] as const) {
    const call = calls.get(persona)!;
    const texts = await transcripts(call, grocery);
    expect(texts).toEqual(call.recordings.map((r) => r.text || expect.stringMatching(SILENCE_PHRASE)));
    const spoken = call.said.map((s) => s.text);
    expect(texts.filter((t, i) => call.recordings[i]!.text !== '' && t)).toEqual(spoken);
  }
});

test('the persona hears the prompts (text embedded in the TTS audio)', () => {
  const call = calls.get('engaged')!;
  expect(call.played.map((p) => p.heard)).toEqual([SCRIPTS.grocery.greeting, SCRIPTS.grocery.questions[0], FOLLOW_UP, ...SCRIPTS.grocery.questions.slice(1), expect.stringMatching(/^Tack så mycket/)]);
});

test('engaged: consents, then specific 25–45 word answers that fit the questions and the store', () => {
  const call = calls.get('engaged')!;
  expect(call.state).toBe('success');
  expect(call.said[0]!.text).toMatch(/^(Ja|Visst)/);
  const [fruit, followUp, found, checkout, improve] = answers(call);
  for (const a of answers(call)) expect(wordCount(a)).toBeGreaterThanOrEqual(20);
  for (const a of answers(call)) expect(wordCount(a)).toBeLessThanOrEqual(45);
  expect(fruit).toMatch(/frukt|grönt|avokado|äpple|sallad/i);
  expect(followUp).toBeTruthy();
  expect(found).toMatch(/hittade|nästan|mesta|saknade/i);
  expect(checkout).toMatch(/kass|kö/i);
  expect(improve).toBeTruthy();
  expect(new Set(answers(call)).size).toBe(answers(call).length); // no line repeated within a call
  // ~2.3 words per second plus 3 s of silence detection
  for (const rec of call.recordings) {
    const said = call.said.find((s) => s.recordingId === rec.id)!;
    expect(said.speechSec).toBeGreaterThan(wordCount(said.text) / 2.6);
    expect(rec.exactSec).toBeGreaterThan(said.speechSec + 3);
  }
});

test('brief: consents, then 1–4 word answers', () => {
  const call = calls.get('brief')!;
  expect(call.said[0]!.text).toMatch(/^(Ja|Okej)/);
  for (const a of answers(call)) expect(wordCount(a)).toBeLessThanOrEqual(4);
});

test('negative_specific: consents, then critical, concrete answers as long as engaged', () => {
  const call = calls.get('negative_specific')!;
  const words = answers(call).map(wordCount);
  expect(words.every((n) => n >= 20)).toBe(true);
  expect(answers(call).join(' ')).toMatch(/slut|trasig|kö|gått ut|dålig|otrevlig|rörig|besviken|fel/i);
});

test('fraud: consents, then talks about something unrelated to Lindqvists Livs', () => {
  const text = answers(calls.get('fraud')!).join(' ');
  expect(text).toMatch(/mycket bra|fantastisk|Elgiganten|klädbutik|jeans|tv|motorsåg|gräsklippare|skruvdragare/i);
});

test('declines and opt_out say no to the recording notice; declines is silent afterwards', () => {
  const declines = calls.get('declines')!;
  expect(declines.said[0]!.text).toMatch(/^Nej/);
  expect(declines.said).toHaveLength(1);
  expect(declines.recordings.slice(1).every((r) => r.text === '')).toBe(true);
  expect(calls.get('opt_out')!.said[0]!.text).toMatch(/ring inte|ta bort|uppringd/);
});

test('no_answer and busy are not answered', () => {
  expect(calls.get('no_answer')).toMatchObject({ state: 'failed', answered: false, start: null });
  expect(calls.get('busy')).toMatchObject({ state: 'busy', answered: false, start: null });
});

test('voicemail: a mailbox greeting in the first recording, then silence; the mailbox hangs up after 30–60 s', () => {
  const call = calls.get('voicemail')!;
  expect(call.state).toBe('success');
  expect(call.recordings[0]!.text).toMatch(/röstbrevlåda|meddelande/);
  expect(call.recordings.slice(1).every((r) => r.text === '')).toBe(true);
  expect(call.endReason).toMatch(/hung up/);
  expect(call.duration).toBeGreaterThanOrEqual(30);
  expect(call.duration).toBeLessThanOrEqual(61);
});

test('hangs_up: consents, hears the first question and hangs up (success, short duration)', () => {
  const call = calls.get('hangs_up')!;
  expect(call.state).toBe('success');
  expect(call.said).toHaveLength(1);
  expect(call.played.map((p) => p.heard)).toEqual([SCRIPTS.grocery.greeting, SCRIPTS.grocery.questions[0]]);
  expect(call.recordings).toHaveLength(1);
  expect(call.duration).toBeLessThan(45);
  expect(call.actions.at(-1)).toMatchObject({ play: expect.any(String), result: 'success' });
  expect(call.endReason).toMatch(/hung up after hearing the question/);
});

test('silent: answers, every recording is silence of about the silence-detection time', () => {
  const call = calls.get('silent')!;
  expect(call.state).toBe('success');
  expect(call.said).toHaveLength(0);
  expect(call.recordings.length).toBeGreaterThanOrEqual(5);
  for (const rec of call.recordings) expect(rec.exactSec).toBeGreaterThanOrEqual(3);
  for (const rec of call.recordings) expect(rec.exactSec).toBeLessThan(3.5);
});

test('english: answers in English, and verbose_json transcription detects English', async () => {
  const call = calls.get('english')!;
  expect(call.said[0]!.text).toMatch(/^(Yes|Sure)/);
  expect(answers(call).join(' ')).toMatch(/\b(the|was|and)\b/);
  const { bytes } = await grocery.downloadRecording(call.recordings[1]!.wav);
  const verbose = (await grocery.transcribe(bytes, 'verbose_json', 'whisper-1', null)) as { language: string; text: string; duration: number };
  expect(verbose.language).toBe('english');
  expect(verbose.duration).toBeCloseTo(call.recordings[1]!.exactSec, 1);
});

test('answers fit the store heard in the greeting (Bergmans Järnhandel, MP3 prompts with ID3 text)', async () => {
  sims.elks.setPersona('+46702009901', 'engaged');
  sims.elks.setPersona('+46702009902', 'fraud');
  const [a, b] = await Promise.all(['+46702009901', '+46702009902'].map(async (to) => (await hardware.placeCall(to)).json?.id));
  const engaged = await sims.elks.waitForCall(String(a));
  const fraud = await sims.elks.waitForCall(String(b));
  expect(engaged.played[0]!.format).toBe('mp3');
  expect(engaged.played[0]!.heard).toBe(SCRIPTS.hardware.greeting);
  const [tools, paint] = answers(engaged);
  expect(tools).toMatch(/verktyg|skruvdragar|borr|VVS/i);
  expect(paint).toMatch(/färg|kulör/i);
  expect(answers(fraud).join(' ')).not.toMatch(/verktygsavdelningen/);
});

test('without text in the audio the persona goes by turn: the first recording answers consent', async () => {
  const sims2 = await startSimulators({ timeScale: 0.01, seed: 5 });
  const backend = await startFakeBackend(sims2, {
    questions: 0,
    override: (kind, _form, nth) =>
      kind === 'voice_start' || (kind === 'next' && nth === 1)
        ? { status: 200, body: JSON.stringify({ play: 'sound/beep', next: { record: `${url}/rec`, next: `${url}/next` } }) }
        : kind === 'next'
          ? { status: 200, body: JSON.stringify({ hangup: 'reject' }) }
          : undefined,
  });
  const url = backend.url;
  const { json } = await backend.placeCall('+46702009903');
  const call = await sims2.elks.waitForCall(String(json?.id));
  expect(call.played.every((p) => p.heard === null)).toBe(true);
  expect(call.said[0]!.text).toMatch(/^(Ja|Visst)/);
  expect(wordCount(call.said[1]!.text)).toBeGreaterThan(15);
  await backend.close();
  await sims2.stop();
});

test('the same seed reproduces the same conversation', async () => {
  const run = async (): Promise<string[]> => {
    const s = await startSimulators({ timeScale: 0.01, seed: 99 });
    const b = await startFakeBackend(s, { questions: 2 });
    const { json } = await b.placeCall('+46702009904');
    const call = await s.elks.waitForCall(String(json?.id));
    await b.close();
    await s.stop();
    return [...call.said.map((x) => x.text), ...call.recordings.map((r) => String(r.exactSec))];
  };
  expect(await run()).toEqual(await run());
});
