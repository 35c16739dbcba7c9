/**
 * Word lists of the context check: which product families a department belongs to, the products
 * of each family, other chains, and what a negated baseline fact ("inga livsmedel") expands to.
 * Stems are matched with `stemMatches` (exact/inflected, prefix from 5 letters, compound head from
 * 4). Ambiguous words are left out on purpose ("mobil" is the customer's own phone more often than
 * a product; "färg" alone is too common), so a miss is likelier than a false accusation.
 */

export type Family = 'food' | 'hardware' | 'electronics' | 'clothes';
export const FAMILIES: readonly Family[] = ['food', 'hardware', 'electronics', 'clothes'];

export const FAMILY_LABEL: Record<Family, string> = {
  food: 'livsmedel',
  hardware: 'järnhandelsvaror',
  electronics: 'hemelektronik',
  clothes: 'kläder',
};

/** Department-name stems → the family the department sells. "Kassa", "Pant" belong to none. */
export const DEPARTMENT_FAMILY: ReadonlyArray<[Family, readonly string[]]> = [
  ['food', ['frukt', 'grönt', 'grönsak', 'mejeri', 'chark', 'ost', 'bageri', 'bröd', 'fisk', 'kött', 'frys', 'kolonial', 'livs', 'deli', 'delikatess', 'dryck', 'godis', 'mat']],
  ['hardware', ['verktyg', 'färg', 'tapet', 'trädgård', 'bygg', 'byggmaterial', 'vvs', 'el', 'belysning', 'järn', 'virke', 'golv']],
  ['electronics', ['elektronik', 'data', 'ljud', 'bild', 'gaming', 'tv']],
  ['clothes', ['kläder', 'mode', 'dam', 'herr', 'skor', 'accessoarer']],
];

/** Products (and department words) a customer names when talking about a family. */
export const FAMILY_PRODUCTS: Record<Family, readonly string[]> = {
  food: [
    'livsmedel', 'mjölk', 'ost', 'bröd', 'frukt', 'grönsak', 'banan', 'äpple', 'äpplen', 'lax', 'fisk', 'fiskdisk', 'kött', 'korv',
    'skinka', 'kyckling', 'godis', 'kaffe', 'yoghurt', 'smör', 'pasta', 'kanelbull', 'potatis', 'tomat', 'sallad', 'mejeri', 'bageri',
  ],
  hardware: [
    'motorsåg', 'gräsklippare', 'borrmaskin', 'skruvdragare', 'skruv', 'spik', 'hammare', 'takfärg', 'stege', 'sticksåg', 'verktyg',
    'spackel', 'gipsskiv', 'trallvirke', 'cement', 'pensel', 'tapet', 'sekatör',
  ],
  electronics: ['tv', 'laptop', 'dator', 'hörlur', 'surfplatt', 'spelkonsol', 'mobilavdelning', 'mobiltelefon', 'elektronik'],
  clothes: ['jeans', 'jacka', 'vinterjacka', 'tröja', 'tröjor', 'byxor', 'provrum', 'klädbutik', 'kläder', 'klänning'],
};

/** Other shops and chains (normalised). A shop in the store's own name never counts. */
export const OTHER_SHOPS: readonly string[] = [
  'elgiganten', 'mediamarkt', 'netonnet', 'webhallen', 'lindex', 'kappahl', 'stadium', 'intersport', 'ikea', 'clas ohlson',
  'biltema', 'jula', 'bauhaus', 'byggmax', 'hornbach', 'systembolaget', 'ica', 'coop', 'willys', 'lidl', 'hemköp', 'city gross',
];

/**
 * What a negated noun in a baseline fact covers: "inga livsmedel" is every food word, "ingen
 * hemleverans" every way of saying it was delivered. Other nouns stand for themselves.
 */
export const FACT_EXPANSIONS: ReadonlyArray<[RegExp, readonly string[]]> = [
  [/^(livsmedel|mat|matvaror)$/, FAMILY_PRODUCTS.food],
  [/^(hemleverans|leverans|hemkörning|utkörning)$/, ['hemleverans', 'hemkörning', 'levererade', 'utkörning', 'hemkört']],
  [/^(kläder)$/, FAMILY_PRODUCTS.clothes],
  [/^(elektronik|hemelektronik)$/, FAMILY_PRODUCTS.electronics],
  [/^(läkemedel)$/, ['läkemedel', 'receptbelagd', 'receptmedicin']],
];

export const SV_WEEKDAYS: ReadonlyArray<[string, string]> = [
  ['monday', 'måndag'], ['tuesday', 'tisdag'], ['wednesday', 'onsdag'], ['thursday', 'torsdag'],
  ['friday', 'fredag'], ['saturday', 'lördag'], ['sunday', 'söndag'],
];
