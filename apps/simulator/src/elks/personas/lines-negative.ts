import type { LineBook } from './types';

/** `negative_specific`: critical but concrete and informative (as long and specific as `engaged`). */
export const NEGATIVE_SPECIFIC: LineBook = {
  grocery: {
    consent: ['Ja, det går bra.', 'Ja, kör.', 'Ja, det är okej.'],
    fruit: [
      'Frukt och grönt var ganska tråkigt idag. Bananerna var bruna, flera avokados var mjuka och i påsen med äpplen låg ett som var ruttet. Dessutom saknades prisskylt på paprikan, så jag vet inte vad jag betalade.',
      'Det var rörigt i frukt och grönt. Det låg gamla salladsblad på golvet vid kylen, tomaterna var slut redan vid lunch och jordgubbarna hade mögel i två av askarna jag tittade på.',
      'Tyvärr inte så bra. Potatisen var grön på flera ställen och vågen fungerade inte, så jag fick ställa mig i kassakön för att väga. Grönsakerna kändes inte fräscha för det priset.',
    ],
    found: [
      'Nej, inte allt. Laktosfri mjölk var slut i mejeridisken och det fanns ingen skylt om när det kommer mer. Jag frågade en anställd som inte visste, så jag fick åka till en annan butik.',
      'Jag hittade inte havregrynen eftersom ni har flyttat om i butiken, och ingen personal fanns i närheten. Det tog tio minuter att leta, och sen var kycklingfilén i charken slut också.',
    ],
    staff: [
      'Personalen verkade stressad och otrevlig. När jag frågade efter färsk pasta i mejeriet fick jag bara en pekning utan att han ens tittade upp. I kassan pratade kassörskan i telefon hela tiden.',
      'Bemötandet var inte bra. Jag fick vänta länge vid chark- och ostdisken medan två anställda pratade med varandra, och sen hade skinkan jag köpte fel pris på etiketten.',
    ],
    checkout: [
      'Det var bara en kassa öppen så jag stod i kö i tjugo minuter, trots att det var minst femton personer i kön. Självscanningen var avstängd och pantmaskinen var trasig, det var väldigt frustrerande.',
      'Kön var lång, säkert en kvart. Dessutom drog kortterminalen pengarna två gånger och jag fick vänta på att en chef kom och gjorde en återbetalning.',
    ],
    improve: [
      'Ni behöver ha fler kassor öppna på eftermiddagarna. Och kolla datumen i mejeridisken, mjölken jag köpte hade gått ut två dagar innan. Pantmaskinen borde lagas, den har varit trasig i över en vecka.',
      'Städningen. Golvet vid bageriet var kladdigt och det låg smulor och papper överallt. Och brödet var torrt, det kändes som gårdagens bröd som sålts som nybakat.',
    ],
    general: [
      'Mjölken i mejeridisken hade gått ut två dagar innan, och det var bara en kassa öppen så jag stod i kö i tjugo minuter. Dessutom var kanelbullarna i bageriet torra. Inte ett bra besök.',
      'Jag blev besviken. Priset på hyllan för kaffet var trettionio kronor men i kassan drogs det femtionio, och jag fick själv påpeka det. Panten fungerade inte heller, maskinen var full.',
      'Butiken var smutsig och rörig idag. Det stod pallar mitt i gången vid chark och ost, flera varor låg på fel plats och osten jag köpte hade en konstig lukt när jag kom hem.',
    ],
    followup: [
      'Ja, det var alltså tre förpackningar mjölk som hade gått ut, och de stod längst fram i kylen. Jag sa till en anställd som bara ryckte på axlarna och gick därifrån.',
      'Det var runt halv sex på fredagen. Kön sträckte sig ända bort till bageriet och ingen öppnade en kassa till, trots att jag såg två anställda som packade upp varor.',
    ],
    closing: ['Hej då.'],
  },
  hardware: {
    consent: ['Ja, det går bra.', 'Ja, okej.'],
    tools: [
      'Nej, ingen hjälp alls i verktygsavdelningen. Jag väntade vid disken i över tio minuter och när någon kom visste han inte skillnaden på skruvdragarna. Jag fick googla själv i mobilen.',
      'Den som hjälpte mig i verktyg rekommenderade fel borr, den var för trä och inte för betong. Jag fick åka tillbaka dagen efter och byta, vilket kostade mig en timme.',
    ],
    paint: [
      'Nej, det var krångligt. Färgbrytningsmaskinen var trasig så jag kunde inte få min kulör, och ingen kunde säga när den lagas. Jag fick köpa färgen någon annanstans.',
      'Jag fick fel kulör blandad. Den blev mycket mörkare än provet, och personalen i färg och tapet ville först inte byta. Det tog en halvtimme att reda ut det.',
    ],
    found: [
      'Nej. Trallvirket i byggmaterial var slut, skruven i rätt längd fanns inte och hyllorna i VVS var halvtomma. Det kändes som att ingen hade fyllt på på länge.',
      'Skyltningen är dålig. Jag letade efter skarvsladdar i el och belysning i tio minuter innan jag hittade dem i en helt annan gång, bredvid trädgårdsslangarna.',
    ],
    checkout: [
      'Det var bara en kassa öppen en lördag förmiddag och kön var säkert femton minuter. Folk stod med tunga säckar med jord och ingen öppnade en kassa till.',
      'Kassören slog in fel pris på gipsskivorna, tio kronor mer per skiva, och jag fick vänta på en chef i tio minuter för att få det rättat.',
    ],
    improve: [
      'Bemanna verktygsavdelningen bättre, särskilt på helger. Och laga färgmaskinen. Priserna på skruv och plugg är också högre än hos konkurrenterna, ungefär dubbelt så dyrt för samma förpackning.',
      'Det behövs fler vagnar för byggmaterial. Alla var upptagna och jag fick bära tjugo kilo cement genom hela butiken, det är inte rimligt.',
    ],
    general: [
      'Jag var inte nöjd. Skruvdragaren jag köpte hade ett trasigt batteri, och när jag ringde om det fick jag vänta i telefonkö i tjugo minuter. Personalen i verktyg var dessutom svår att hitta.',
      'Priserna var högre än väntat och hyllan med spackel var tom. Den enda anställda i färg och tapet var upptagen i telefon i tio minuter medan jag stod och väntade.',
    ],
    followup: [
      'Ja, alltså batteriet laddade inte alls, och kartongen såg ut att ha öppnats tidigare. Returer borde kontrolleras innan man säljer dem igen.',
      'Det var på lördagen runt elva. Det var mycket folk i trädgårdsavdelningen men bara en anställd, som dessutom satt fast med en kund i tjugo minuter.',
    ],
    closing: ['Hej.'],
  },
  generic: {
    consent: ['Ja, det går bra.'],
    general: [
      'Det var tyvärr inte bra. Jag väntade över tio minuter i kassan eftersom bara en var öppen, och varan jag kom för var slut utan att någon kunde säga när den kommer tillbaka.',
      'Butiken var stökig, flera hyllor var tomma och prisskyltarna stämde inte med priset i kassan. Jag fick betala tjugo kronor för mycket innan jag upptäckte det.',
    ],
    followup: [
      'Det var på eftermiddagen, runt fyra. Jag påpekade felet för en anställd men fick inget ordentligt svar, bara att det skulle ses över.',
    ],
    closing: ['Hej då.'],
  },
};
