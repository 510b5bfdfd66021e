# Polski (Polish). DRAFT: this translation needs review by a native speaker before live use.
# Drafted from the English by the developers. Informal "Ty" to keep sentences short, as in the messages;
# sentences avoid past-tense verbs that would need a gender ("dałeś/dałaś"). Dates and places follow a
# label ("Termin", "Miejsce") so they need no declension.

## Pages patients reach from the links in their messages (confirm, cancel, answer an offer).

link-when = Termin
link-where = Miejsce
link-what = Wizyta
link-place-phone = Zadzwonimy do Ciebie
link-place-video = Rozmowa wideo
link-place-home = W Twoim domu
link-reply-by = Odpowiedz do

link-confirm-title = Potwierdź, że przyjdziesz
link-confirm-lead = Sprawdź informacje poniżej.
link-confirm-button = Tak, przyjdę
link-confirm-cannot-come = Nie możesz przyjść?
link-confirm-cancel-link = Odwołaj wizytę
link-confirmed-title = Dziękujemy
link-confirmed-lead = Wiemy już, że przyjdziesz. Do zobaczenia.

link-cancel-title = Odwołać wizytę?
link-cancel-lead = Odwołaj tylko wtedy, gdy nie możesz przyjść. Wtedy ktoś inny może dostać ten termin.
link-cancel-button = Tak, odwołaj moją wizytę
link-cancel-keep = Jeśli chcesz zachować wizytę, nie musisz nic robić.
link-cancel-too-late-title = Jest za późno, aby odwołać wizytę przez internet
link-cancel-too-late-phone = Zadzwoń do nas pod numer { $phone } i powiedz, że nie możesz przyjść.
link-cancel-too-late = Zadzwoń do nas i powiedz, że nie możesz przyjść.

link-cancelled-title = Twoja wizyta jest odwołana
link-cancelled-lead = Wyślemy Ci wiadomość, że wizyta jest odwołana.
link-moved-title = Ta wizyta ma nowy termin
link-moved-lead = Twoja wizyta ma nowy termin. Użyj linków z najnowszej wiadomości, którą Ci wysłaliśmy.
link-expired-title = Ten link już nie działa
link-expired-lead = Wizyta już się zaczęła albo skończyła, więc ten link już nie działa.

link-offer-title = Czy chcesz ten wcześniejszy termin?
link-offer-lead = Zwolnił się termin wcześniejszy niż ten, na który czekasz.
link-offer-accept = Tak, zarezerwuj go dla mnie
link-offer-decline = Nie, dziękuję
link-offer-stay = Jeśli powiesz „nie”, zostaniesz na liście oczekujących.
link-offer-accepted-title = Twoja wizyta jest zarezerwowana
link-offer-accepted-lead = Wyślemy Ci wiadomość ze szczegółami.
link-offer-declined-title = Dziękujemy za odpowiedź
link-offer-declined-lead = Nadal jesteś na liście oczekujących. Damy Ci znać, gdy zwolni się inny termin.
link-offer-closed-title = Ta oferta już się skończyła
link-offer-closed-lead = Czas na odpowiedź minął, więc termin mógł już dostać ktoś inny.

link-call-us = W razie pytań zadzwoń pod numer { $phone }.
link-changed = Coś się zmieniło, gdy ta strona była otwarta. Sprawdź informacje jeszcze raz.

link-bad-title = Ten link nie działa
link-bad-lead = Sprawdź, czy link z wiadomości jest cały. Jeśli nadal nie działa, zadzwoń do przychodni.
link-problem-title = Przepraszamy, wystąpił problem z usługą
link-problem-lead = Spróbuj ponownie później albo zadzwoń do przychodni.
link-reference = Jeśli dzwonisz w tej sprawie do przychodni, podaj ten numer: { $id }
