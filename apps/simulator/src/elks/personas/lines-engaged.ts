import type { LineBook } from './types';

/** `engaged`: specific, useful, mostly positive feedback (≈25–45 words per answer). */
export const ENGAGED: LineBook = {
  grocery: {
    consent: ['Ja, det går bra.', 'Ja, absolut, det går bra.', 'Visst, det går fint.', 'Ja, det går bra, kör på.'],
    fruit: [
      'Frukt- och gröntavdelningen var riktigt fin idag. Avokadona var lagom mogna och jordgubbarna såg fräscha ut, men det var lite tomt bland tomaterna vid femtiden. Jag gillar att ni har ekologiska bananer till samma pris som de vanliga.',
      'Det var snyggt och välfyllt i frukt och grönt. Salladen var krispig och det fanns gott om svamp. Det enda var att vågen vid potatisen var trasig, så jag fick gå till kassan och väga där.',
      'Jag tycker frukten håller bra kvalitet hos er. Äpplena från Skåne var goda och billigare än i andra butiker, runt tjugofem kronor kilot. Men dillen och persiljan i kruka hade sett bättre dagar.',
    ],
    found: [
      'Ja, nästan allt. Jag hittade mjölken, brödet och kycklingfilén direkt, men havregrynen hade flyttats till en ny hylla och det tog en stund innan en anställd visade mig var de stod. Skyltningen kunde vara tydligare där.',
      'Jag hittade allt jag behövde förutom laktosfri grädde, den var slut i mejeridisken. Personalen sa att det kommer en ny leverans på torsdag, vilket var bra att få veta.',
      'Det mesta, ja. Bageriet hade färska kanelbullar vid tiotiden och ostdisken hade ett bra utbud. Det jag saknade var glutenfritt bröd, den hyllan var tom.',
    ],
    staff: [
      'Personalen var väldigt trevlig. Killen i charken skar upp skinka åt mig och bjöd på en bit lagrad ost. Kassörskan var snabb och hjälpte en äldre dam före mig med panten, det uppskattade jag.',
      'Bra bemötande överlag. Jag frågade efter färsk pasta och en tjej i mejeriet gick med mig hela vägen och visade. Det var lite stressigt i kassan, men de var ändå vänliga och hälsade.',
    ],
    checkout: [
      'Det var två kassor öppna och jag väntade ungefär fem minuter, vilket är helt okej en fredag eftermiddag. Självscanningen fungerade smidigt, men pantmaskinen var full och blinkade rött när jag kom.',
      'Kön gick fort, kanske tre minuter. Kassörskan frågade om jag ville ha kvittot i appen, smidigt. Det enda var att kortterminalen var lite seg och fick startas om en gång.',
    ],
    improve: [
      'Ni skulle kunna ha fler veganska alternativ i kylen, och gärna en pantmaskin till, för den enda ni har är ofta full på helgerna. Annars fungerar det mesta riktigt bra.',
      'Tydligare prisskyltar i chark och ost hade hjälpt, jag fick gå till kassan för att kolla priset på en ost. Annars är det en trevlig butik med bra läge och bra bröd.',
    ],
    general: [
      'Det var ett bra besök. Brödet från bageriet var nybakat, frukten fräsch och personalen hjälpsam. Priserna kändes rimliga och veckans erbjudande på kaffe var bra. Det enda minus var att det var trångt mellan hyllorna vid mejeriet.',
      'Jag handlar här ungefär två gånger i veckan och tycker butiken är ren och välorganiserad. Idag köpte jag ost, mjölk och grönsaker till middagen, allt fanns och kassan gick snabbt, kanske fyra minuters kö.',
      'Överlag nöjd. Chark- och ostdisken har ett bra urval och killen där gav goda tips om en prästost. Bageriet hade slut på surdegsbröd redan vid tolv, det hade varit bra med mer av det.',
    ],
    followup: [
      'Ja, alltså det gäller främst kvällarna. Efter klockan sex är hyllorna i frukt och grönt ofta halvtomma och det finns bara en kassa öppen. Fyll gärna på innan kvällsrusningen.',
      'Visst. Jag köpte en yoghurt som gick ut samma dag och den stod längst fram i mejeridisken. Det vore bättre om varorna med kortast datum var nedsatta i pris.',
      'Det var framför allt personalen i bageriet som var bra. Hon berättade vilket bröd som bakats på morgonen och rekommenderade en rågbulle som var jättegod.',
    ],
    closing: ['Tack själv, hej då!'],
  },
  hardware: {
    consent: ['Ja, det går bra.', 'Ja, visst, det går bra.', 'Absolut, det går fint.'],
    tools: [
      'Jag fick jättebra hjälp i verktygsavdelningen. En äldre herre förklarade skillnaden mellan två skruvdragare och rekommenderade den billigare, som räckte gott för mina behov. Han tog sig tid trots att det var mycket folk.',
      'Personalen i verktyg var kunnig. Jag behövde en borr för betong och fick rätt storlek direkt, plus tips om att använda slagfunktionen. Det tog kanske fem minuter att få hjälp, vilket var okej.',
      'Verktygsavdelningen har ett bra utbud, men det var svårt att hitta någon att fråga. Till slut fick jag hjälp av en kille från VVS som visste var sticksågsbladen låg, och han var väldigt trevlig.',
    ],
    paint: [
      'Ja, jag hittade rätt färg till slut. Personalen i färg och tapet blandade en kulör efter mitt prov på tio minuter, och de rekommenderade en grundfärg för den gamla träpanelen. Mycket proffsigt.',
      'Det var lite krångligt först. Färgkartorna var utspridda och jag visste inte skillnaden på blank och halvmatt. Men en tjej förklarade, och jag köpte tre liter halvmatt vit till köket för ungefär fyrahundra kronor.',
      'Jag letade efter utomhusfärg till staketet och fick bra råd om vilken som tål regn bäst. Brytningen av kulören gick snabbt och de gav mig två provburkar också, det var uppskattat.',
    ],
    found: [
      'Nästan allt. Skruv och plugg fanns i rätt storlekar, men trallvirket i byggmaterial var slut i fyrtiofem millimeter. Personalen kunde beställa det till nästa vecka, så det löste sig.',
      'Ja, jag hittade lampor och en ny strömbrytare i el och belysning utan problem. Skyltarna ovanför gångarna är tydliga, det gör det lätt att hitta även första gången man är där.',
    ],
    checkout: [
      'Kassan gick snabbt, det var bara en person före mig. Kassören frågade om jag behövde hjälp att bära ut gipsskivorna till bilen, vilket var väldigt omtänksamt.',
      'Det var lite kö vid kassan på lördagen, kanske tio minuter, eftersom bara en kassa var öppen. Men när det väl var min tur gick det smidigt och kassören var trevlig.',
    ],
    improve: [
      'Ni kunde ha öppet lite längre på lördagar, klockan fyra är tidigt för oss som bygger på helgen. Och gärna fler vagnar för byggmaterial, de var alla upptagna när jag kom.',
      'Tydligare priser i trädgårdsavdelningen skulle hjälpa. Jag fick fråga om priset på planteringsjord och krukor flera gånger, annars var allt bra.',
    ],
    general: [
      'Ett riktigt bra besök. Jag köpte en skruvdragare, skruv och spackel, och personalen i verktyg visste exakt vad jag behövde. Priset var lite högre än på bygghallarna, men servicen är värd det.',
      'Bergmans är min favoritbutik för sånt här. Idag köpte jag en ny blandare i VVS och killen där förklarade hur jag monterar den. Det tog kanske tjugo minuter totalt, helt okej.',
      'Bra sortiment i trädgård, jag köpte fröer, jord och en sekatör. Det var ordning på hyllorna och rent i butiken. Parkeringen var dock full så jag fick stå en bit bort.',
    ],
    followup: [
      'Ja, han frågade vad jag skulle använda den till och visade sen hur batteriet fungerar. Jag hade nog köpt en dyrare modell i onödan om jag inte fått hjälp.',
      'Det gäller främst färgavdelningen. Där var det svårt att förstå vilken färg som passar till våtrum, och det fanns ingen skylt som förklarade det, så en sådan skylt vore bra.',
    ],
    closing: ['Tack detsamma, hej!'],
  },
  generic: {
    consent: ['Ja, det går bra.', 'Ja, visst.'],
    general: [
      'Det var ett bra besök. Personalen var hjälpsam när jag letade efter en vara, kassan gick snabbt på ungefär fem minuter och priserna var rimliga. Jag kommer gärna tillbaka nästa vecka.',
      'Jag tyckte butiken var ren och välfylld. Det enda var att en hylla längst in var tom och det tog tid att hitta någon att fråga, men när jag väl fick hjälp var personalen trevlig och kunnig.',
    ],
    followup: [
      'Ja, det var mest att skyltningen var otydlig, så jag fick gå runt två varv innan jag hittade det jag skulle ha. En karta vid entrén hade hjälpt.',
    ],
    closing: ['Tack, hej då!'],
  },
};
