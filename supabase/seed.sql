-- Demo data: one business, a grocery store and a hardware store with their context profiles,
-- and one business user. Idempotent: safe to apply again.

insert into businesses (id, name) values
  ('b0000000-0000-4000-8000-000000000001', 'Samtal Demo Handel AB')
on conflict (id) do nothing;

-- Supabase Auth `sub` of the demo business user.
insert into business_users (user_id, business_id, role) values
  ('a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'owner')
on conflict do nothing;

insert into stores (id, business_id, name, store_type, city, timezone) values
  ('50000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001',
   'Lindqvists Livs', 'grocery', 'Uppsala', 'Europe/Stockholm'),
  ('50000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001',
   'Bergmans Järnhandel', 'hardware', 'Västerås', 'Europe/Stockholm')
on conflict (id) do nothing;

insert into business_context_profiles
  (store_id, operating_hours, departments, current_campaigns, question_configuration, baseline_facts,
   context_completeness_score)
values
  ('50000000-0000-4000-8000-000000000001',
   '{"monday":{"open":"08:00","close":"21:00"},"tuesday":{"open":"08:00","close":"21:00"},
     "wednesday":{"open":"08:00","close":"21:00"},"thursday":{"open":"08:00","close":"21:00"},
     "friday":{"open":"08:00","close":"21:00"},"saturday":{"open":"08:00","close":"21:00"},
     "sunday":{"open":"08:00","close":"21:00"}}',
   '["Frukt & grönt","Mejeri","Chark & ost","Bageri","Kassa","Pant"]',
   '[{"name":"Veckans frukt","description":"Svenska äpplen 20 kr/kg"}]',
   '{"custom_questions":[
      {"id":"fruit","text":"Hur tyckte du att frukt- och gröntavdelningen såg ut idag, till exempel fräschören och utbudet?","priority":1},
      {"id":"found","text":"Hittade du allt du letade efter, eller var det någon vara som saknades?","priority":2}
    ]}',
   '["Butiken har ingen manuell fiskdisk, bara förpackad fisk i kyldisken",
     "Butiken har fyra kassor och två självscanningskassor",
     "Butiken säljer inga receptbelagda läkemedel",
     "Öppet 08–21 alla dagar"]',
   0.85),
  ('50000000-0000-4000-8000-000000000002',
   '{"monday":{"open":"07:00","close":"19:00"},"tuesday":{"open":"07:00","close":"19:00"},
     "wednesday":{"open":"07:00","close":"19:00"},"thursday":{"open":"07:00","close":"19:00"},
     "friday":{"open":"07:00","close":"19:00"},"saturday":{"open":"09:00","close":"16:00"},
     "sunday":null}',
   '["Verktyg","Färg & tapet","Trädgård","El & belysning","VVS","Byggmaterial","Kassa"]',
   '[{"name":"Målarhelg","description":"20 % på utomhusfärg"}]',
   '{"custom_questions":[
      {"id":"staff","text":"Fick du den hjälp du behövde av personalen på verktygsavdelningen?","priority":1},
      {"id":"paint","text":"Hur lätt var det att hitta rätt färg och tillbehör till det du skulle göra?","priority":2}
    ]}',
   '["Butiken säljer inga livsmedel",
     "Butiken erbjuder ingen hemleverans",
     "Söndagar är butiken stängd",
     "Nyckelkopiering finns vid kassan"]',
   0.80)
on conflict (store_id) do nothing;
