/**
 * Deterministic understanding of one transcribed answer: consent, opt-out, voicemail, language and
 * vagueness. No LLM, no I/O — the 46elks `next` webhook calls these on its hot path, so every
 * pattern is compiled once at module load and each function normalises its input once.
 *
 * All matching runs on {@link normalizeText}'s output: lowercase, NFC (so a decomposed "a\u0308"
 * from STT equals "ä"), apostrophes dropped ("that's" → "thats"), other punctuation turned into
 * spaces, whitespace collapsed. Words are then separated by exactly one space, so a phrase is
 * matched between `(?:^| )` and `(?= |$)` — JavaScript's `\b` treats å/ä/ö as non-word characters
 * and cannot be used for Swedish.
 */

const APOSTROPHES = /['’`´]/g;
const NON_WORD = /[^\p{L}\p{N}]+/gu;

/** Lowercase, NFC, punctuation → space, single spaces, trimmed. `"Ja, det går bra!"` → `"ja det går bra"`. */
export function normalizeText(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(APOSTROPHES, '').replace(NON_WORD, ' ').trim();
}

/** Whole-word phrase matcher over normalised text; alternatives may use regex syntax. */
function phrases(alternatives: readonly string[]): RegExp {
  return new RegExp(`(?:^| )(?:${alternatives.join('|')})(?= |$)`);
}

/** Number of words, counted as {@link normalizeText} splits them (digits count as words). */
export function wordCount(text: string): number {
  return countWords(normalizeText(text));
}

function countWords(norm: string): number {
  if (norm === '') return 0;
  let n = 1;
  for (let i = 0; i < norm.length; i++) if (norm.charCodeAt(i) === 32) n++;
  return n;
}

// ── Opt-out ─────────────────────────────────────────────────────────────────────────────────────

const OPT_OUT = phrases([
  'ring(?:a)? (?:inte|aldrig) (?:mig|hit|igen|mer|till mig|någon mer gång)', 'ring(?:a)? mig (?:inte|aldrig)',
  'ring aldrig', 'får (?:inte|aldrig) ringa (?:mig|hit)', 'behöver inte ringa (?:mig |hit )?(?:igen|mer)',
  'slut(?:a|ar) (?:att )?ring(?:a|er)', '(?:ta|tar) bort (?:mitt|mina) (?:telefon|mobil)?nummer',
  '(?:ta|tar) bort mig (?:från|ur)', '(?:radera|stryk|spärra) (?:mitt|mina) (?:telefon|mobil)?nummer',
  'vill inte (?:bli|att ni|att du) (?:uppringd|ringd|kontaktad|ringer|ringa|kontaktar)',
  'vill inte (?:ha|få) (?:några |fler |flera )?(?:samtal|fler samtal)', 'inga (?:fler|mer) samtal',
  'kontakta mig inte', 'dont call', 'do not call', 'stop calling', 'never call',
  'remove my (?:phone )?number',
]);

/**
 * The customer asks never to be called again — "ring inte mig igen", "ring aldrig mer", "sluta
 * ringa", "ta bort mitt nummer", "jag vill inte bli uppringd", and English equivalents — anywhere in
 * any answer. Only explicit requests count: "personalen ringde inte tillbaka" does not match (the
 * verb must be the imperative/infinitive "ring"/"ringa"). Limit: a quoted or hypothetical phrase
 * ("min mamma sa: ring inte hit") is still an opt-out; we err on the side of honouring it.
 */
export function isOptOut(text: string): boolean {
  return OPT_OUT.test(normalizeText(text));
}

// ── Consent ─────────────────────────────────────────────────────────────────────────────────────

export type Consent = 'yes' | 'no' | 'opt_out' | 'unclear';

const YES = phrases([
  'ja(?:a+|pp|då|visst|jamen|jamensan|absolut)?', 'varför inte', 'jo(?:då|visst)?', 'jepp',
  '(?:nej|nä|näe) ?då', 'visst', 'absolut', 'självklart', 'okej', 'okey', 'okay', 'gärna',
  '(?:det )?går (?:bra|fint|utmärkt)', 'det går', 'kör på', 'kör bara', '(?:det är )?lugnt', 'inga problem',
  'för all del', 'varsågod', '(?:det )?funkar', 'det gör inget', 'yes', 'yeah', 'yep', 'sure', 'fine',
  'of course',
]);

/** A bare "no" — can be outweighed by a following yes ("nej, jo det går bra" stays unclear). */
const NO_WEAK = phrases(['nej(?! ?då)', 'nä(?! ?då)', 'näe(?! ?då)', 'nää', 'nix', 'icke', 'no', 'nope']);

/** An explicit refusal — wins over any yes word ("ja men jag har inte tid" → no). */
const NO_STRONG = phrases([
  'nej tack', 'vill (?:jag )?(?:helst )?inte', 'helst inte', 'hellre inte', 'inte (?:så )?gärna',
  'inte (?:just )?nu', 'inte idag', 'inte läge', 'har (?:inte|ingen) tid', 'inte intresserad',
  '(?:det )?går inte', 'passar (?:inte|dåligt)', 'inte (?:okej|ok|bra)',
  '(?:absolut|självklart|verkligen) inte', 'inte alls', 'kör bil', 'ring(?:a)? (?:mig |tillbaka )?senare',
  'no thanks', 'not now', 'dont want', 'do not want', 'rather not',
]);

/**
 * The answer to "Går det bra att vi spelar in ett kort samtal?".
 *
 * Order: an opt-out ({@link isOptOut}) wins over everything; an explicit refusal ("det vill jag
 * inte", "helst inte", "har inte tid", "nej tack") wins over any yes word; then a yes word ("ja",
 * "jajamen", "javisst", "absolut", "det går bra", "okej", "visst", "nejdå") gives `yes` unless a
 * bare "nej"/"nä" is also present — that conflict is `unclear`, as is an empty or unrelated answer.
 * Recording without consent is not an option, so the caller should treat `unclear` as not-yes.
 * Limits: "mm"/"mhm" are deliberately not consent; irony and "ja… nej" hesitation are `unclear`.
 */
export function classifyConsent(text: string): Consent {
  const norm = normalizeText(text);
  if (norm === '') return 'unclear';
  if (OPT_OUT.test(norm)) return 'opt_out';
  if (NO_STRONG.test(norm)) return 'no';
  const yes = YES.test(norm);
  const no = NO_WEAK.test(norm);
  if (yes && !no) return 'yes';
  if (no && !yes) return 'no';
  return 'unclear';
}

// ── Voicemail ───────────────────────────────────────────────────────────────────────────────────

/** One of these alone identifies an answering machine; a customer would not say them. */
const VOICEMAIL_STRONG = phrases([
  'röstbrevlåd(?:a|an|or|orna)', 'röstmeddelande(?:t|n)?', 'mobilsvar(?:et)?', 'telefonsvar(?:are|aren|et)?',
  'telesvar(?:et)?', 'lämna (?:ett |gärna ett |ditt )?meddelande',
  'efter (?:tonen|pipet|pipljudet|signalen|ljudsignalen)',
  'personen (?:du|som du) (?:söker|ringer|har ringt)', 'abonnenten (?:du|som du) (?:söker|ringer)',
  'kan inte ta emot (?:ditt )?samtal(?:et)?', 'voicemail', 'leave (?:a|your) message', 'after the (?:tone|beep)',
]);

/** Each of these is common in a mailbox greeting but could be said live; two distinct ones are needed. */
const VOICEMAIL_WEAK: readonly RegExp[] = [
  phrases(['du har kommit till']),
  phrases(['du har ringt']),
  phrases(['kan inte svara', 'kan inte ta (?:samtalet|telefonen|ditt samtal)']),
  phrases(['lämna gärna']),
  phrases(['just nu']),
  phrases(['inte (?:tillgänglig|anträffbar|nåbar)']),
  phrases(['ring(?:er)? (?:upp|tillbaka)', 'återkommer']),
  phrases(['så (?:snart|fort) (?:jag|vi) kan']),
  phrases(['tack för (?:att du ringde|ditt samtal)']),
  phrases(['you have reached', 'not available', 'cant take your call', 'call you back']),
];

/**
 * A mailbox greeting transcribed as the first answer — "du har kommit till Annas röstbrevlåda …
 * lämna ett meddelande efter tonen". True on one strong phrase (röstbrevlåda, mobilsvar, lämna ett
 * meddelande, efter tonen, personen du söker …) or on two distinct weak ones ("du har kommit
 * till", "kan inte svara", "just nu", "ringer upp" …). Limits: operator messages in other words and
 * custom greetings that only say a name ("Hej, det är Anna") are not detected — the hangup timing
 * and silence still end such calls.
 */
export function isVoicemailGreeting(text: string): boolean {
  const norm = normalizeText(text);
  if (norm === '') return false;
  if (VOICEMAIL_STRONG.test(norm)) return true;
  let weak = 0;
  for (const re of VOICEMAIL_WEAK) if (re.test(norm) && ++weak >= 2) return true;
  return false;
}

// ── Language ────────────────────────────────────────────────────────────────────────────────────

export type Language = 'sv' | 'en' | 'unknown';

/** Swedish function words and short answers. Words shared with English ("i", "in", "be", "a") are left out. */
const SV_WORDS = new Set(
  ('och att det är en ett jag du vi ni de dom som på för med inte var har hade men så om till av den ' +
    'mycket kanske också här där lite man kan skulle vill när eller nej nä ja jo jaa japp jepp jajamen ' +
    'javisst visst okej tack hej mig mitt min din dig bara alla allt inga ingen inget något nåt vad hur ' +
    'fick ju nog sen då väldigt jättebra bra helt tyckte tycker också hos från efter under mot ' +
    'butiken personalen kassan ganska rätt bättre sämre vet absolut gärna')
    .split(' '),
);

/** English function words; English loanwords Swedes use ("nice", "good", "service") are left out. */
const EN_WORDS = new Set(
  ('the and is are was were be been it its thats this that these those of to at on with for from ' +
    'but not no yes yeah yep sure fine my me you your we our they their he she his her very really ' +
    'just have has had do does did dont didnt cant wont would could should what how when where which ' +
    'there here please thanks thank of course because about too so all any some one staff queue store')
    .split(' '),
);

const SWEDISH_LETTERS = /[åäö]/;

/**
 * Swedish or English, by counting function words on each side; a word containing å/ä/ö counts as
 * Swedish. Short answers ("ja", "nej", "okej", "tack") are in the Swedish list, so they count as
 * Swedish; no signal at all (empty, "ok", "mm", a bare name) or a tie is `unknown`. Callers should
 * end the call only on `en`, never on `unknown`. Limits: Norwegian and Danish mostly read as
 * Swedish; other languages read as `unknown` unless they share English function words.
 */
export function detectLanguage(text: string): Language {
  const norm = normalizeText(text);
  if (norm === '') return 'unknown';
  let sv = 0;
  let en = 0;
  for (const w of norm.split(' ')) {
    if (SV_WORDS.has(w) || SWEDISH_LETTERS.test(w)) sv++;
    else if (EN_WORDS.has(w)) en++;
  }
  if (sv > en) return 'sv';
  if (en > sv) return 'en';
  return 'unknown';
}

// ── Vagueness ───────────────────────────────────────────────────────────────────────────────────

/** Up to this many words an answer can be a non-answer; "jag tyckte att det var bra" is six. */
const VAGUE_MAX_WORDS = 6;

/** Words that carry no concrete detail: fillers, generic praise/neutral, hedges. */
const GENERIC_WORDS = new Set(
  ('det var är bra helt okej ok okay fint fin trevligt trevlig toppen jättebra superbra kanon grymt ' +
    'mycket väldigt ganska rätt riktigt lagom sådär så där skapligt hyfsat godkänt vanligt som vanligt ' +
    'inget inga ingenting särskilt speciellt direkt vet inte jag tycker tyckte tror att väl nog ju typ ' +
    'liksom asså alltså ja nej jo nja mm hmm eh öh kanske bara allt allting också har mer på ' +
    'dåligt kass tråkigt smidigt perfekt utmärkt gick funkade fungerade kändes känns kul ' +
    'klaga klagomål synpunkter kommentarer säga tänka går jajamen javisst visst absolut jadå nejdå ' +
    'good fine nice great everything nothing special it was')
    .split(' '),
);

/**
 * A non-answer worth one follow-up: at most six words, every one of them generic ("det var bra",
 * "helt okej", "vet inte", "inget särskilt", "jag tyckte att det var bra"). Any other word — a
 * number, a product, a department, staff, a time word ("idag", "kön") — is taken as concrete
 * detail. An empty answer is vague (nothing was said). Limits: an unusual filler missing from the
 * list makes the answer look concrete (no follow-up; the cheap failure), and a long answer made only
 * of fillers is not flagged.
 */
export function isVague(text: string): boolean {
  const norm = normalizeText(text);
  if (norm === '') return true;
  if (countWords(norm) > VAGUE_MAX_WORDS) return false;
  for (const w of norm.split(' ')) if (!GENERIC_WORDS.has(w)) return false;
  return true;
}
