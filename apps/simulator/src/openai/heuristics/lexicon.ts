/**
 * Word lists behind the grading heuristics (documented in README.md). Stems follow `stemMatches`:
 * 5+ letters match as prefixes, shorter ones with an inflection or as the head of a compound.
 */

export const SV_WORDS = new Set(
  ('och att det som en ett är var jag på med för inte har hade till av den de om så men man kan mycket lite också ' +
    'eller vid från när där bara fick blev efter alltså ja nej väldigt ganska ingen inga något sen hos ni er vi mig ' +
    'min mitt du dom nästan kanske helt tyvärr jättebra bra tack hej dag idag igår kom köpte hittade fanns finns ' +
    'butiken personalen kassan skulle kunde vill gärna visst okej allt alla annars dessutom ungefär').split(' '),
);

export const EN_WORDS = new Set(
  ('the and is was it to of a in that for with were at but not they there this my me you have had be been very really ' +
    'about which some would could yes no bye thank thanks found shop store staff checkout fine sure great good nice ' +
    'friendly helpful were only maybe bought overall queue waited').split(' '),
);

export const POSITIVE = [
  'bra', 'trevlig', 'hjälpsam', 'snabb', 'fräsch', 'färsk', 'god', 'goda', 'gott', 'nöjd', 'smidig', 'rimlig',
  'proffsig', 'kunnig', 'vänlig', 'ren', 'rent', 'välfyll', 'uppskatt', 'tydlig', 'perfekt', 'fantastisk', 'utmärkt',
  'jättegod', 'jättebra', 'billig', 'prisvärd', 'omtänksam', 'välorganiser', 'krispig', 'lagom', 'favorit', 'fint',
  'fin', 'great', 'good', 'friendly', 'helpful', 'fresh', 'quick', 'clean', 'nice', 'ripe', 'löste',
];

export const NEGATIVE = [
  'dålig', 'långsam', 'otrevlig', 'smutsig', 'rörig', 'stökig', 'trasig', 'slut', 'tom', 'tomma', 'tomt', 'halvtom',
  'mögel', 'rutten', 'ruttet', 'ruttna', 'brun', 'bruna', 'torr', 'torra', 'torrt', 'besvik', 'frustrer', 'stressad',
  'stressig', 'kladdig', 'fel', 'krånglig', 'dyr', 'dyrt', 'dyrare', 'saknade', 'saknades', 'saknas', 'problem',
  'avstängd', 'ryckte', 'konstig', 'svår', 'svårt', 'dålig', 'bad', 'slow', 'rude', 'dirty', 'broken', 'empty',
  'expensive', 'hard', 'sold', 'otydlig', 'seg', 'lång', 'långa',
];

export const NEGATIONS = new Set(['inte', 'ingen', 'inga', 'aldrig', 'not', 'no', "wasn't", "didn't", 'never']);

/** Concrete-detail cues: numbers, quantities, times, money. */
export const NUMBER_WORDS = [
  'två', 'tre', 'fyra', 'fem', 'sex', 'sju', 'åtta', 'nio', 'tio', 'elva', 'tolv', 'femton', 'tjugo', 'trettio',
  'fyrtio', 'femtio', 'hundra', 'halvtimme', 'kvart', 'five', 'ten', 'twenty', 'two', 'three',
];
export const TIME_WORDS = [
  'minut', 'timme', 'timmar', 'klockan', 'morgon', 'morse', 'kväll', 'eftermiddag', 'förmiddag', 'lunch', 'fredag',
  'lördag', 'söndag', 'måndag', 'tisdag', 'onsdag', 'torsdag', 'helg', 'igår', 'idag', 'vecka', 'minutes', 'afternoon',
];
export const MONEY_WORDS = ['krona', 'kronor', 'kr', 'pris', 'priset', 'priser', 'erbjudande', 'rea', 'kilot', 'price', 'prices'];
export const STAFF_WORDS = [
  'personal', 'anställd', 'kassörska', 'kassör', 'expedit', 'killen', 'kille', 'tjejen', 'tjej', 'chef', 'herre',
  'bemötande', 'staff',
];

/** Products by family; a family the store cannot sell makes a claim impossible (context check). */
export const PRODUCTS: Record<'food' | 'hardware' | 'electronics' | 'clothes', readonly string[]> = {
  food: [
    'mjölk', 'yoghurt', 'grädde', 'ost', 'bröd', 'bulle', 'bullar', 'kanelbull', 'frukt', 'banan', 'äpple', 'äpplen',
    'avokado', 'tomat', 'sallad', 'potatis', 'jordgubb', 'kyckling', 'skinka', 'korv', 'kaffe', 'havregryn', 'pasta',
    'svamp', 'paprika', 'dill', 'persilja', 'lax', 'fisk', 'fiskdisk', 'kött', 'godis', 'grönsak', 'surdeg', 'rågbull',
  ],
  hardware: [
    'skruvdragare', 'skruv', 'plugg', 'borr', 'borrmaskin', 'hammare', 'sticksåg', 'motorsåg', 'gräsklippare', 'pensel',
    'tapet', 'spackel', 'grundfärg', 'takfärg', 'utomhusfärg', 'kulör', 'sekatör', 'planteringsjord', 'strömbrytare',
    'skarvsladd', 'blandare', 'virke', 'trall', 'gipsskiv', 'cement', 'stege', 'spik', 'verktyg',
  ],
  electronics: ['tv', 'laptop', 'hörlurar', 'mobiltelefon', 'laddare', 'surfplatta', 'surfplattor', 'dator', 'mobilavdelning'],
  clothes: ['jeans', 'jacka', 'vinterjacka', 'tröja', 'tröjor', 'skor', 'klänning', 'provrum', 'byxor'],
};

/** Synonyms that tie a customer's words to a department; keys are matched against the department's name. */
export const DEPARTMENT_SYNONYMS: ReadonlyArray<[RegExp, readonly string[]]> = [
  [/frukt|grönt/i, ['frukt', 'grönt', 'grönsak', 'banan', 'äpple', 'avokado', 'tomat', 'sallad', 'potatis', 'jordgubb', 'svamp', 'paprika', 'dill', 'persilja']],
  [/mejeri/i, ['mejeri', 'mjölk', 'yoghurt', 'grädde', 'smör', 'filmjölk']],
  [/chark|ost/i, ['chark', 'ost', 'skinka', 'korv', 'kyckling', 'prästost']],
  [/bageri|bröd/i, ['bageri', 'bröd', 'bulle', 'bullar', 'kanelbull', 'fralla', 'surdeg', 'rågbull']],
  [/kassa/i, ['kassa', 'kassor', 'kassör', 'kö', 'köer', 'självscanning', 'kortterminal', 'kvitto']],
  [/pant/i, ['pant', 'pantmaskin']],
  [/verktyg/i, ['verktyg', 'skruvdragare', 'borr', 'hammare', 'sticksåg', 'sågblad']],
  [/färg|tapet/i, ['färg', 'tapet', 'kulör', 'pensel', 'spackel', 'grundfärg']],
  [/trädgård/i, ['trädgård', 'planteringsjord', 'jord', 'sekatör', 'frö', 'fröer', 'kruka', 'krukor', 'gräsklippare']],
  [/el\b|belysning/i, ['belysning', 'lampa', 'lampor', 'glödlampa', 'strömbrytare', 'sladd', 'skarvsladd']],
  [/vvs/i, ['vvs', 'blandare', 'kran', 'rörmokare', 'avlopp']],
  [/bygg/i, ['byggmaterial', 'virke', 'trall', 'reglar', 'gips', 'cement', 'skruv', 'spik', 'plugg']],
];

/** Tokens that look like a stem but are something else. */
export const STEM_EXCEPTIONS = ['jordgubb', 'köp', 'kök', 'kött', 'köt', 'ostron', 'panter', 'tomat', 'renover', 'slutlig'];

/** Departments of the two demo stores, used when the prompt names none. */
export const DEFAULT_DEPARTMENTS = [
  'Frukt & grönt', 'Mejeri', 'Chark & ost', 'Bageri', 'Kassa', 'Pant',
  'Verktyg', 'Färg & tapet', 'Trädgård', 'El & belysning', 'VVS', 'Byggmaterial',
];

/** Phrases of a read-out marketing script. */
export const MARKETING = [
  /mycket bra (butik|produkter|service|priser|kvalitet|upplevelse)/gi,
  /rekommenderar (verkligen|varmt|butiken)/gi,
  /(den |de )?bästa (butiken|priserna|personalen)/gi,
  /fantastisk(a)? (butik|erbjudanden|kundservice)/gi,
  /fem stjärnor/gi,
  /allt var (perfekt|bra)/gi,
  /verkligen perfekt/gi,
  /kommer definitivt tillbaka/gi,
  /personalen är bra|butiken är bra/gi,
];

/** Other shops and chains (a mention of one the store isn't is a context mismatch). */
export const OTHER_SHOPS = [
  'elgiganten', 'mediamarkt', 'media markt', 'netonnet', 'webhallen', 'power', 'h&m', 'lindex', 'kappahl', 'zara',
  'dressmann', 'ikea', 'biltema', 'jula', 'clas ohlson', 'bauhaus', 'byggmax', 'hornbach', 'willys', 'hemköp', 'lidl',
  'klädbutik', 'elektronikkedja', 'elektronikbutik', 'mobilbutik',
];

/** Theme labels (Swedish noun phrases) and the stems that signal them. */
export const THEMES: ReadonlyArray<[string, readonly string[]]> = [
  ['kötider i kassan', ['kö', 'kön', 'kassa', 'kassor', 'väntade', 'vänta', 'queue', 'checkout']],
  ['personalens bemötande', ['personal', 'anställd', 'kassörska', 'bemötande', 'trevlig', 'otrevlig', 'hjälpsam', 'staff']],
  ['varornas fräschhet', ['fräsch', 'färsk', 'gått', 'mögel', 'rutten', 'ruttet', 'torr', 'mogna', 'datum', 'fresh']],
  ['varutillgång', ['slut', 'tomt', 'tom', 'halvtom', 'saknade', 'saknades', 'påfyllning', 'fyll']],
  ['priser och erbjudanden', ['pris', 'priset', 'priser', 'kronor', 'billig', 'dyr', 'erbjudande', 'rea', 'prices']],
  ['skyltning och orientering', ['skylt', 'skyltning', 'hitta', 'hittade', 'letade', 'flyttat']],
  ['ordning och renlighet', ['städ', 'ren', 'rent', 'smutsig', 'kladdig', 'rörig', 'stökig', 'ordning', 'clean']],
  ['utrustning i butiken', ['våg', 'vågen', 'pantmaskin', 'kortterminal', 'självscanning', 'färgbrytningsmaskin', 'maskin']],
  ['sortiment och utbud', ['sortiment', 'utbud', 'urval', 'alternativ']],
  ['rådgivning och kunskap', ['råd', 'tips', 'rekommenderade', 'förklarade', 'kunnig', 'visade']],
  ['öppettider', ['öppet', 'öppettid', 'stänger']],
  ['parkering', ['parkering']],
];

/** Recommendation templates per theme (used for negative themes). */
export const RECOMMENDATIONS: Record<string, string> = {
  'kötider i kassan': 'Öppna fler kassor vid hög belastning och håll självscanningen i drift.',
  'personalens bemötande': 'Se över bemötande och bemanning så att kunder får hjälp snabbt.',
  'varornas fräschhet': 'Kontrollera datum och kvalitet dagligen och plocka bort gamla varor.',
  varutillgång: 'Förbättra påfyllningen av varor som tar slut under dagen.',
  'priser och erbjudanden': 'Säkerställ att hyllpriser stämmer med priset i kassan.',
  'skyltning och orientering': 'Tydliggör skyltningen så att kunder hittar rätt.',
  'ordning och renlighet': 'Förstärk städrutinerna och håll gångarna fria.',
  'utrustning i butiken': 'Laga trasig utrustning (vågar, pantmaskin, terminaler) snabbare.',
  'sortiment och utbud': 'Se över sortimentet utifrån kundernas önskemål.',
  'rådgivning och kunskap': 'Utbilda personalen i produktkunskap och rådgivning.',
  öppettider: 'Överväg längre öppettider när kunderna efterfrågar det.',
  parkering: 'Se över parkeringsmöjligheterna vid butiken.',
};
