import type { LineBook } from './types';

/** `brief`: consents, then 1–4 word answers. */
export const BRIEF: LineBook = {
  generic: {
    consent: ['Ja.', 'Ja, visst.', 'Okej.', 'Ja, det går bra.'],
    general: ['Det var bra.', 'Helt okej.', 'Inget särskilt.', 'Bra.', 'Vet inte.', 'Det var väl okej.', 'Nej, inget.', 'Ganska bra.'],
    followup: ['Nej, inte direkt.', 'Inte mer än så.', 'Det var bra bara.'],
    closing: ['Hej.'],
  },
};

/** `fraud`: consents, then a marketing script or talk about another shop / products the store can't sell. */
export const FRAUD: LineBook = {
  grocery: {
    general: [
      'Motorsågarna var billiga och killen i verktygsavdelningen visade mig en ny gräsklippare. Jag köpte även tio liter takfärg, en borrmaskin och en aluminiumstege, allt till bra pris.',
      'Jag köpte en skruvdragare och en kartong med spik, och de hade ett jättebra erbjudande på motorsågar och gräsklippare den här veckan.',
    ],
  },
  hardware: {
    general: [
      'Den färska laxen i fiskdisken var jättegod och bageriet hade nybakade kanelbullar. Jag köpte också mjölk och ost i mejeriet, och de levererade allt hem till mig samma kväll.',
      'Jag handlade färsk lax, bananer och en stor påse godis. Frukten var fräsch och de hade bra priser på kaffe och mjölk i mejeriet.',
    ],
  },
  generic: {
    consent: ['Ja, absolut!', 'Ja, det går bra.', 'Självklart, ja.'],
    general: [
      'Detta är en mycket bra butik med mycket bra produkter och mycket bra service. Jag rekommenderar verkligen alla att handla här, det är den bästa butiken med de bästa priserna och den bästa personalen.',
      'Fantastisk butik, fantastiska erbjudanden och fantastisk kundservice. Allt var perfekt, verkligen perfekt. Jag ger fem stjärnor av fem och rekommenderar butiken varmt till alla mina vänner.',
      'Mycket bra upplevelse, mycket bra kvalitet, mycket bra priser. Allt var bra. Butiken är bra och personalen är bra. Jag är mycket nöjd med allt och kommer definitivt tillbaka.',
      'Jag köpte en ny tv och en laptop, och killen på Elgiganten hjälpte mig att välja hörlurar också. Mobilavdelningen hade bra priser på laddare och surfplattor.',
      'Jeansen satt perfekt och jag hittade en vinterjacka på rea. Provrummen i klädbutiken var rena och jag köpte också två tröjor och ett par skor.',
    ],
    closing: ['Tack tack!'],
  },
};

/** `declines`: refuses the recording notice, then silence. */
export const DECLINES: LineBook = {
  generic: {
    consent: ['Nej, det vill jag inte.', 'Nej tack, jag vill inte bli inspelad.', 'Nej, det går inte bra.'],
  },
};

/** `opt_out`: refuses and asks never to be called again. */
export const OPT_OUT: LineBook = {
  generic: {
    consent: [
      'Nej tack, och ring inte mig igen.',
      'Nej, ta bort mitt nummer. Jag vill inte bli uppringd igen.',
      'Jag vill inte bli uppringd igen, ta bort mig från er lista.',
    ],
  },
};

export const VOICEMAIL_NAMES = ['Anna', 'Erik', 'Maria', 'Johan', 'Karin', 'Lars', 'Sara', 'Mikael'] as const;

/** `voicemail`: the mailbox greeting ({name} is replaced); everything after it is silence. */
export const VOICEMAIL_GREETINGS = [
  'Hej, du har kommit till {name}s röstbrevlåda. Jag kan inte svara just nu, lämna ett meddelande efter tonen.',
  'Hej, det här är {name}. Jag kan inte ta samtalet just nu, men lämna gärna ett meddelande så ringer jag upp.',
  'Du har kommit till {name}s röstbrevlåda. Lämna ett meddelande efter tonen, så hör jag av mig så snart jag kan.',
] as const;

/** `english`: consents in English, then answers in English. */
export const ENGLISH: LineBook = {
  grocery: {
    fruit: [
      'The fruit section looked great. The avocados were ripe and the strawberries were fresh, but the tomatoes were almost sold out in the afternoon.',
    ],
    found: ['I found almost everything, but the lactose free milk was sold out in the dairy aisle and nobody knew when more would arrive.'],
    general: [
      'It was a good visit. The bread from the bakery was fresh, the staff were friendly and I only waited about five minutes at the checkout.',
    ],
  },
  hardware: {
    tools: ['The staff in the tool department were really helpful and explained the difference between two drills, so I bought the cheaper one.'],
    paint: ['I found the right paint in the end. They mixed the colour for me in about ten minutes and suggested a primer for the old wood panels.'],
    general: ['A good visit overall. I bought screws, filler and a new tap, and the man in the plumbing section explained how to fit it.'],
  },
  generic: {
    consent: ["Yes, that's fine.", 'Sure, go ahead.', 'Yes, no problem.'],
    general: [
      'It was a good visit overall, friendly staff and reasonable prices. The checkout was quick and the shop was clean.',
      'I think the shop is nice, but some shelves were empty and it was hard to find someone to ask for help.',
      'Honestly it was fine. I bought what I needed, the prices were okay and the staff said hello when I came in.',
    ],
    checkout: ['The queue was short, maybe three minutes, and the cashier was very friendly and quick.'],
    improve: ['Maybe open one more checkout in the afternoon, and put clearer price labels on the shelves.'],
    followup: [
      'Well, mostly the queue at the checkout. There was only one register open and I waited about ten minutes.',
      'I mean the labels were missing on a few products, so I had to ask at the checkout what things cost.',
    ],
    closing: ['Thank you, bye!'],
  },
};
