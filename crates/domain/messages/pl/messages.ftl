# Polski (Polish). DRAFT: this translation needs review by a native speaker before live use.
# Drafted from the English by the developers. Informal "Ty" to keep sentences short; the practice name
# and dates follow a label ("Termin:", "Przychodnia:") so they need no declension.

## Shared phrases.

where-surgery = Miejsce: { $address }
where-home = Miejsce: odwiedzimy Cię w domu.
where-phone = Zadzwonimy do Ciebie. Prosimy mieć telefon przy sobie.
where-video = To jest wizyta wideo. Dołącz tutaj: { $link }

bring = Prosimy zabrać: { $items }.

cancel-phone-link = Aby odwołać lub zmienić wizytę, zadzwoń pod numer { $phone } lub wejdź na { $link }
cancel-phone = Aby odwołać lub zmienić wizytę, zadzwoń pod numer { $phone }.
cancel-link = Aby odwołać lub zmienić wizytę, wejdź na { $link }

confirm-link = Czy przyjdziesz? Daj nam znać tutaj: { $link }

rebook-phone-link = Aby umówić nowy termin, zadzwoń pod numer { $phone } lub wejdź na { $link }
rebook-phone = Aby umówić nowy termin, zadzwoń pod numer { $phone }.
rebook-link = Aby umówić nowy termin, wejdź na { $link }

contact-phone-link = W razie pytań zadzwoń pod numer { $phone } lub wejdź na { $link }
contact-phone = W razie pytań zadzwoń pod numer { $phone }.
contact-link = W razie pytań wejdź na { $link }

## Shorter forms for text messages.

cancel-sms-phone-link = Odwołanie lub zmiana: { $phone } lub { $link }
cancel-sms-phone = Odwołanie lub zmiana: tel. { $phone }.
cancel-sms-link = Odwołanie lub zmiana: { $link }
rebook-sms-phone-link = Nowy termin: { $phone } lub { $link }
rebook-sms-phone = Nowy termin: tel. { $phone }.
rebook-sms-link = Nowy termin: { $link }
contact-sms-phone-link = Pytania: { $phone } lub { $link }
contact-sms-phone = Pytania: tel. { $phone }.
contact-sms-link = Pytania: { $link }

## Booking confirmation

booking-confirmation-sms =
    { $practice }: Dzień dobry, { $name }. Wizyta jest umówiona.
    Termin: { $when }
    { $where }
    { $cancel }
booking-confirmation-sms-easy-read =
    Dzień dobry, { $name }. Masz umówioną wizytę.
    Przychodnia: { $practice }
    Termin: { $when }
    { $where }
    { $cancel }
booking-confirmation-email-subject = Wizyta jest umówiona
booking-confirmation-email-subject-easy-read = Masz umówioną wizytę
booking-confirmation-email-body =
    Dzień dobry, { $name },

    Wizyta w przychodni { $practice } jest umówiona.

    Termin: { $when }
    { $where }

    { $bring }

    { $cancel }

    Dziękujemy,
    { $practice }
booking-confirmation-email-body-easy-read =
    Dzień dobry, { $name }.

    Masz umówioną wizytę.

    Przychodnia: { $practice }

    Termin: { $when }

    { $where }

    { $bring }

    Nie możesz przyjść? Daj nam znać.
    { $cancel }

## Reminder

reminder-sms =
    { $practice }: Dzień dobry, { $name }. Przypominamy o wizycie.
    Termin: { $when }
    { $where }
    { $cancel }
reminder-sms-easy-read =
    Dzień dobry, { $name }. Pamiętaj o wizycie.
    Przychodnia: { $practice }
    Termin: { $when }
    { $where }
    { $cancel }
reminder-email-subject = Przypomnienie o wizycie: { $when }
reminder-email-subject-easy-read = Pamiętaj o wizycie
reminder-email-body =
    Dzień dobry, { $name },

    Przypominamy o wizycie w przychodni { $practice }.

    Termin: { $when }
    { $where }

    { $bring }

    { $confirm }

    { $cancel }

    Dziękujemy,
    { $practice }
reminder-email-body-easy-read =
    Dzień dobry, { $name }.

    Pamiętaj o wizycie.

    Przychodnia: { $practice }

    Termin: { $when }

    { $where }

    { $bring }

    { $confirm }

    Nie możesz przyjść? Daj nam znać.
    { $cancel }

## Reschedule

reschedule-sms =
    { $practice }: Dzień dobry, { $name }. Termin wizyty się zmienił.
    Nowy termin: { $when }
    { $where }
    { $cancel }
reschedule-sms-easy-read =
    Dzień dobry, { $name }. Twoja wizyta ma nowy termin.
    Przychodnia: { $practice }
    Nowy termin: { $when }
    { $where }
    { $cancel }
reschedule-email-subject = Termin wizyty się zmienił
reschedule-email-subject-easy-read = Nowy termin wizyty
reschedule-email-body =
    Dzień dobry, { $name },

    Wizyta w przychodni { $practice } ma nowy termin.

    Nowy termin: { $when }
    { $where }

    { $bring }

    Jeśli nowy termin Ci nie pasuje, daj nam znać.
    { $cancel }

    Dziękujemy,
    { $practice }
reschedule-email-body-easy-read =
    Dzień dobry, { $name }.

    Twoja wizyta ma nowy termin.

    Przychodnia: { $practice }

    Nowy termin: { $when }

    { $where }

    { $bring }

    Nie możesz przyjść? Daj nam znać.
    { $cancel }

## Cancelled by the practice

cancellation-by-practice-sms =
    { $practice }: Dzień dobry, { $name }. Przepraszamy, musieliśmy odwołać wizytę.
    Termin: { $when }
    { $rebook }
cancellation-by-practice-sms-easy-read =
    Dzień dobry, { $name }. Przepraszamy. Musieliśmy odwołać Twoją wizytę.
    Przychodnia: { $practice }
    Termin: { $when }
    { $rebook }
cancellation-by-practice-email-subject = Musieliśmy odwołać wizytę
cancellation-by-practice-email-subject-easy-read = Wizyta jest odwołana
cancellation-by-practice-email-body =
    Dzień dobry, { $name },

    Przepraszamy. Musieliśmy odwołać wizytę.

    Termin: { $when }

    { $rebook }

    Przepraszamy za kłopot.

    { $practice }
cancellation-by-practice-email-body-easy-read =
    Dzień dobry, { $name }.

    Przepraszamy.

    Musieliśmy odwołać Twoją wizytę.

    Termin: { $when }

    Umów nowy termin.
    { $rebook }

    { $practice }

## Cancelled by the patient

cancellation-by-patient-sms =
    { $practice }: Dzień dobry, { $name }. Wizyta została odwołana zgodnie z prośbą.
    Termin: { $when }
    { $rebook }
cancellation-by-patient-sms-easy-read =
    Dzień dobry, { $name }. Odwołaliśmy Twoją wizytę, tak jak chcesz.
    Przychodnia: { $practice }
    Termin: { $when }
    { $rebook }
cancellation-by-patient-email-subject = Wizyta jest odwołana
cancellation-by-patient-email-subject-easy-read = Wizyta jest odwołana
cancellation-by-patient-email-body =
    Dzień dobry, { $name },

    Wizyta została odwołana zgodnie z prośbą.

    Termin: { $when }

    { $rebook }

    Dziękujemy za informację. Teraz możemy dać ten termin komuś innemu.

    { $practice }
cancellation-by-patient-email-body-easy-read =
    Dzień dobry, { $name }.

    Prosisz o odwołanie wizyty.

    Termin: { $when }

    Wizyta jest odwołana.

    Dziękujemy za informację.

    { $rebook }

    { $practice }

## Waiting-list offer

waiting-list-offer-sms =
    { $practice }: Dzień dobry, { $name }. Jest wolny wcześniejszy termin.
    Termin: { $when }
    Przyjmij lub odmów: { $answer }
    Odpowiedz do: { $deadline }
waiting-list-offer-sms-easy-read =
    Dzień dobry, { $name }. Mamy dla Ciebie wcześniejszy termin.
    Przychodnia: { $practice }
    Termin: { $when }
    Tak czy nie? Powiedz nam tutaj: { $answer }
    Odpowiedz do: { $deadline }
waiting-list-offer-email-subject = Jest wolny wcześniejszy termin
waiting-list-offer-email-subject-easy-read = Chcesz wcześniejszą wizytę?
waiting-list-offer-email-body =
    Dzień dobry, { $name },

    Jesteś na naszej liście oczekujących. Zwolnił się wcześniejszy termin.

    Termin: { $when }
    { $where }

    Aby przyjąć termin, wejdź na { $accept }

    Jeśli go nie chcesz, wejdź na { $decline }
    Zostaniesz na liście oczekujących.

    Odpowiedz do: { $deadline }
    Potem możemy dać ten termin komuś innemu.

    { $practice }
waiting-list-offer-email-body-easy-read =
    Dzień dobry, { $name }.

    Mamy dla Ciebie wcześniejszy termin.

    Termin: { $when }

    { $where }

    Chcesz ten termin?

    Tak: wejdź na { $accept }

    Nie: wejdź na { $decline }

    Odpowiedz do: { $deadline }

    { $practice }

## Running late. After "około" the noun is genitive: "około 1 minuty", "około 20 minut".

running-late-sms =
    { $practice }: Dzień dobry, { $name }. Przepraszamy, mamy opóźnienie. Wizyta może zacząć się około { $minutes ->
        [one] 1 minuty
       *[other] { $minutes } minut
    } później.
    Termin: { $when }
    Nie tracisz swojego miejsca.
running-late-sms-easy-read =
    Dzień dobry, { $name }. Przepraszamy, mamy opóźnienie. Wizyta może zacząć się około { $minutes ->
        [one] 1 minuty
       *[other] { $minutes } minut
    } później.
    Przychodnia: { $practice }
    Termin: { $when }
    Nie tracisz swojego miejsca.
running-late-email-subject = Mamy opóźnienie
running-late-email-subject-easy-read = Mamy opóźnienie
running-late-email-body =
    Dzień dobry, { $name },

    Przepraszamy, mamy dziś opóźnienie.

    Termin: { $when }

    Wizyta może zacząć się około { $minutes ->
        [one] 1 minuty
       *[other] { $minutes } minut
    } później.

    Nie tracisz swojego miejsca. Nie musisz nic robić.

    { $practice }
running-late-email-body-easy-read =
    Dzień dobry, { $name }.

    Przepraszamy. Mamy opóźnienie.

    Termin: { $when }

    Wizyta może zacząć się około { $minutes ->
        [one] 1 minuty
       *[other] { $minutes } minut
    } później.

    Nie tracisz swojego miejsca.

    { $practice }

## Missed appointment

missed-appointment-sms =
    { $practice }: Dzień dobry, { $name }. Nie było Cię na wizycie. Mamy nadzieję, że wszystko w porządku.
    Termin: { $when }
    { $rebook }
missed-appointment-sms-easy-read =
    Dzień dobry, { $name }. Nie było Cię na wizycie.
    Przychodnia: { $practice }
    Termin: { $when }
    { $rebook }
missed-appointment-email-subject = Nie było Cię na wizycie
missed-appointment-email-subject-easy-read = Nie było Cię na wizycie
missed-appointment-email-body =
    Dzień dobry, { $name },

    Nie było Cię na wizycie. Mamy nadzieję, że wszystko w porządku.

    Termin: { $when }

    Jeśli nadal potrzebujesz wizyty, umów się ponownie.
    { $rebook }

    Jeśli nie możesz przyjść następnym razem, daj nam znać. Wtedy damy ten termin komuś innemu.

    { $practice }
missed-appointment-email-body-easy-read =
    Dzień dobry, { $name }.

    Nie było Cię na wizycie.

    Termin: { $when }

    Nadal potrzebujesz wizyty? Umów się ponownie.
    { $rebook }

    { $practice }

## After the visit

post-visit-sms =
    { $practice }: Dzień dobry, { $name }. Dziękujemy za wizytę.
    Termin: { $when }
    { $aftercare }
    { $contact }
post-visit-sms-easy-read =
    Dzień dobry, { $name }. Dziękujemy za wizytę.
    Przychodnia: { $practice }
    Termin: { $when }
    { $aftercare }
    { $contact }
post-visit-email-subject = Po wizycie
post-visit-email-subject-easy-read = Po wizycie
post-visit-email-body =
    Dzień dobry, { $name },

    Dziękujemy za wizytę.

    Termin: { $when }

    { $aftercare }

    { $contact }

    Jeśli czujesz się gorzej i to pilne, zadzwoń pod NHS 111. W nagłym wypadku zadzwoń pod 999.

    { $practice }
post-visit-email-body-easy-read =
    Dzień dobry, { $name }.

    Dziękujemy za wizytę.

    Termin: { $when }

    { $aftercare }

    { $contact }

    Czujesz się gorzej i potrzebujesz szybkiej pomocy? Zadzwoń pod 111.

    Czujesz się bardzo źle? Zadzwoń pod 999.

    { $practice }

## A doctor has asked us to see the patient

referral-received-sms =
    { $practice }: Dzień dobry, { $name }. Twój lekarz prosi, abyśmy Cię przyjęli. Wkrótce skontaktujemy się, aby umówić termin.
    { $contact }
referral-received-sms-easy-read =
    Dzień dobry, { $name }. Twój lekarz chce, abyśmy Cię przyjęli. Skontaktujemy się, aby umówić termin.
    Przychodnia: { $practice }
    { $contact }
referral-received-email-subject = Twój lekarz prosi, abyśmy Cię przyjęli
referral-received-email-subject-easy-read = Twój lekarz prosi, abyśmy Cię przyjęli
referral-received-email-body =
    Dzień dobry, { $name },

    Twój lekarz prosi, abyśmy Cię przyjęli. Mamy list od lekarza.

    Wkrótce skontaktujemy się, aby umówić termin. Teraz nie musisz nic robić.

    { $contact }

    { $practice }
referral-received-email-body-easy-read =
    Dzień dobry, { $name }.

    Twój lekarz chce, abyśmy Cię przyjęli.

    Wkrótce się z Tobą skontaktujemy.

    Wtedy umówimy termin.

    { $contact }

    { $practice }

## Letters use the email wording; a practice can edit them apart.

booking-confirmation-letter-heading = { booking-confirmation-email-subject }
booking-confirmation-letter-body = { booking-confirmation-email-body }
booking-confirmation-letter-heading-easy-read = { booking-confirmation-email-subject-easy-read }
booking-confirmation-letter-body-easy-read = { booking-confirmation-email-body-easy-read }
reminder-letter-heading = { reminder-email-subject }
reminder-letter-body = { reminder-email-body }
reminder-letter-heading-easy-read = { reminder-email-subject-easy-read }
reminder-letter-body-easy-read = { reminder-email-body-easy-read }
reschedule-letter-heading = { reschedule-email-subject }
reschedule-letter-body = { reschedule-email-body }
reschedule-letter-heading-easy-read = { reschedule-email-subject-easy-read }
reschedule-letter-body-easy-read = { reschedule-email-body-easy-read }
cancellation-by-practice-letter-heading = { cancellation-by-practice-email-subject }
cancellation-by-practice-letter-body = { cancellation-by-practice-email-body }
cancellation-by-practice-letter-heading-easy-read = { cancellation-by-practice-email-subject-easy-read }
cancellation-by-practice-letter-body-easy-read = { cancellation-by-practice-email-body-easy-read }
cancellation-by-patient-letter-heading = { cancellation-by-patient-email-subject }
cancellation-by-patient-letter-body = { cancellation-by-patient-email-body }
cancellation-by-patient-letter-heading-easy-read = { cancellation-by-patient-email-subject-easy-read }
cancellation-by-patient-letter-body-easy-read = { cancellation-by-patient-email-body-easy-read }
waiting-list-offer-letter-heading = { waiting-list-offer-email-subject }
waiting-list-offer-letter-body = { waiting-list-offer-email-body }
waiting-list-offer-letter-heading-easy-read = { waiting-list-offer-email-subject-easy-read }
waiting-list-offer-letter-body-easy-read = { waiting-list-offer-email-body-easy-read }
running-late-letter-heading = { running-late-email-subject }
running-late-letter-body = { running-late-email-body }
running-late-letter-heading-easy-read = { running-late-email-subject-easy-read }
running-late-letter-body-easy-read = { running-late-email-body-easy-read }
missed-appointment-letter-heading = { missed-appointment-email-subject }
missed-appointment-letter-body = { missed-appointment-email-body }
missed-appointment-letter-heading-easy-read = { missed-appointment-email-subject-easy-read }
missed-appointment-letter-body-easy-read = { missed-appointment-email-body-easy-read }
post-visit-letter-heading = { post-visit-email-subject }
post-visit-letter-body = { post-visit-email-body }
post-visit-letter-heading-easy-read = { post-visit-email-subject-easy-read }
post-visit-letter-body-easy-read = { post-visit-email-body-easy-read }
referral-received-letter-heading = { referral-received-email-subject }
referral-received-letter-body = { referral-received-email-body }
referral-received-letter-heading-easy-read = { referral-received-email-subject-easy-read }
referral-received-letter-body-easy-read = { referral-received-email-body-easy-read }
