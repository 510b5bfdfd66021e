# Română (Romanian). DRAFT: this translation needs review by a native speaker before live use.
# Drafted from the English by the developers. Polite "dvs." form; the practice name and dates follow a
# label ("Când:", "Clinica:") so they need no declension. Letters use comma-below ș and ț.

## Shared phrases.

where-surgery = Unde: { $address }
where-home = Unde: vă vizităm acasă.
where-phone = Vă sunăm noi. Vă rugăm să aveți telefonul la îndemână.
where-video = Este o consultație video. Intrați aici: { $link }

bring = Vă rugăm să aduceți: { $items }.

cancel-phone-link = Pentru a anula sau a schimba programarea, sunați la { $phone } sau intrați pe { $link }
cancel-phone = Pentru a anula sau a schimba programarea, sunați la { $phone }.
cancel-link = Pentru a anula sau a schimba programarea, intrați pe { $link }

confirm-link = Veniți? Vă rugăm să ne spuneți aici: { $link }

rebook-phone-link = Pentru o nouă programare, sunați la { $phone } sau intrați pe { $link }
rebook-phone = Pentru o nouă programare, sunați la { $phone }.
rebook-link = Pentru o nouă programare, intrați pe { $link }

contact-phone-link = Dacă aveți întrebări, sunați la { $phone } sau intrați pe { $link }
contact-phone = Dacă aveți întrebări, sunați la { $phone }.
contact-link = Dacă aveți întrebări, intrați pe { $link }

## Shorter forms for text messages.

cancel-sms-phone-link = Anulare sau schimbare: { $phone } sau { $link }
cancel-sms-phone = Anulare sau schimbare: tel. { $phone }.
cancel-sms-link = Anulare sau schimbare: { $link }
rebook-sms-phone-link = Programare nouă: { $phone } sau { $link }
rebook-sms-phone = Programare nouă: tel. { $phone }.
rebook-sms-link = Programare nouă: { $link }
contact-sms-phone-link = Întrebări: { $phone } sau { $link }
contact-sms-phone = Întrebări: tel. { $phone }.
contact-sms-link = Întrebări: { $link }

## Booking confirmation

booking-confirmation-sms =
    { $practice }: Bună ziua, { $name }. Programarea dvs. este confirmată.
    Când: { $when }
    { $where }
    { $cancel }
booking-confirmation-sms-easy-read =
    Bună ziua, { $name }. Aveți o programare.
    Clinica: { $practice }
    Când: { $when }
    { $where }
    { $cancel }
booking-confirmation-email-subject = Programarea dvs. este confirmată
booking-confirmation-email-subject-easy-read = Aveți o programare
booking-confirmation-email-body =
    Bună ziua, { $name },

    Programarea dvs. la { $practice } este confirmată.

    Când: { $when }
    { $where }

    { $bring }

    { $cancel }

    Vă mulțumim,
    { $practice }
booking-confirmation-email-body-easy-read =
    Bună ziua, { $name }.

    Aveți o programare.

    Clinica: { $practice }

    Când: { $when }

    { $where }

    { $bring }

    Nu puteți veni? Vă rugăm să ne spuneți.
    { $cancel }

## Reminder

reminder-sms =
    { $practice }: Bună ziua, { $name }. Vă reamintim de programarea dvs.
    Când: { $when }
    { $where }
    { $cancel }
reminder-sms-easy-read =
    Bună ziua, { $name }. Nu uitați de programare.
    Clinica: { $practice }
    Când: { $when }
    { $where }
    { $cancel }
reminder-email-subject = Reamintire: programarea dvs., { $when }
reminder-email-subject-easy-read = Nu uitați de programare
reminder-email-body =
    Bună ziua, { $name },

    Vă reamintim de programarea dvs. la { $practice }.

    Când: { $when }
    { $where }

    { $bring }

    { $confirm }

    { $cancel }

    Vă mulțumim,
    { $practice }
reminder-email-body-easy-read =
    Bună ziua, { $name }.

    Nu uitați de programare.

    Clinica: { $practice }

    Când: { $when }

    { $where }

    { $bring }

    { $confirm }

    Nu puteți veni? Vă rugăm să ne spuneți.
    { $cancel }

## Reschedule

reschedule-sms =
    { $practice }: Bună ziua, { $name }. Programarea dvs. s-a mutat.
    Noua dată: { $when }
    { $where }
    { $cancel }
reschedule-sms-easy-read =
    Bună ziua, { $name }. Programarea dvs. are o nouă dată.
    Clinica: { $practice }
    Noua dată: { $when }
    { $where }
    { $cancel }
reschedule-email-subject = Programarea dvs. s-a mutat
reschedule-email-subject-easy-read = Programarea dvs. are o nouă dată
reschedule-email-body =
    Bună ziua, { $name },

    Programarea dvs. la { $practice } s-a mutat la o nouă dată.

    Noua dată: { $when }
    { $where }

    { $bring }

    Dacă noua dată nu vă convine, vă rugăm să ne spuneți.
    { $cancel }

    Vă mulțumim,
    { $practice }
reschedule-email-body-easy-read =
    Bună ziua, { $name }.

    Programarea dvs. are o nouă dată.

    Clinica: { $practice }

    Noua dată: { $when }

    { $where }

    { $bring }

    Nu puteți veni? Vă rugăm să ne spuneți.
    { $cancel }

## Cancelled by the practice

cancellation-by-practice-sms =
    { $practice }: Bună ziua, { $name }. Ne pare rău, a trebuit să anulăm programarea dvs.
    Programarea: { $when }
    { $rebook }
cancellation-by-practice-sms-easy-read =
    Bună ziua, { $name }. Ne pare rău. Am anulat programarea dvs.
    Clinica: { $practice }
    Programarea: { $when }
    { $rebook }
cancellation-by-practice-email-subject = A trebuit să anulăm programarea dvs.
cancellation-by-practice-email-subject-easy-read = Programarea dvs. este anulată
cancellation-by-practice-email-body =
    Bună ziua, { $name },

    Ne pare rău. A trebuit să anulăm programarea dvs.

    Programarea: { $when }

    { $rebook }

    Ne cerem scuze pentru neplăcere.

    { $practice }
cancellation-by-practice-email-body-easy-read =
    Bună ziua, { $name }.

    Ne pare rău.

    A trebuit să anulăm programarea dvs.

    Programarea: { $when }

    Vă rugăm să faceți o nouă programare.
    { $rebook }

    { $practice }

## Cancelled by the patient

cancellation-by-patient-sms =
    { $practice }: Bună ziua, { $name }. Programarea dvs. a fost anulată, cum ați cerut.
    Programarea: { $when }
    { $rebook }
cancellation-by-patient-sms-easy-read =
    Bună ziua, { $name }. Ați cerut să anulăm programarea. Este anulată.
    Clinica: { $practice }
    Programarea: { $when }
    { $rebook }
cancellation-by-patient-email-subject = Programarea dvs. este anulată
cancellation-by-patient-email-subject-easy-read = Programarea dvs. este anulată
cancellation-by-patient-email-body =
    Bună ziua, { $name },

    Ați cerut să anulăm programarea dvs. Acum este anulată.

    Programarea: { $when }

    { $rebook }

    Vă mulțumim că ne-ați anunțat. Acum putem da ora altcuiva.

    { $practice }
cancellation-by-patient-email-body-easy-read =
    Bună ziua, { $name }.

    Ați cerut să anulăm programarea.

    Programarea: { $when }

    Acum este anulată.

    Vă mulțumim că ne-ați spus.

    { $rebook }

    { $practice }

## Waiting-list offer

waiting-list-offer-sms =
    { $practice }: Bună ziua, { $name }. Avem liberă o programare mai devreme.
    Când: { $when }
    Acceptați sau refuzați: { $answer }
    Răspundeți până la: { $deadline }
waiting-list-offer-sms-easy-read =
    Bună ziua, { $name }. Avem o oră mai devreme pentru dvs.
    Clinica: { $practice }
    Când: { $when }
    Da sau nu? Spuneți-ne aici: { $answer }
    Răspundeți până la: { $deadline }
waiting-list-offer-email-subject = O programare mai devreme este liberă
waiting-list-offer-email-subject-easy-read = Doriți o programare mai devreme?
waiting-list-offer-email-body =
    Bună ziua, { $name },

    Sunteți pe lista noastră de așteptare. Acum este liberă o programare mai devreme.

    Când: { $when }
    { $where }

    Pentru a o accepta, intrați pe { $accept }

    Dacă nu o doriți, intrați pe { $decline }
    Rămâneți pe lista de așteptare.

    Răspundeți până la: { $deadline }
    După aceea, o putem da altcuiva.

    { $practice }
waiting-list-offer-email-body-easy-read =
    Bună ziua, { $name }.

    Avem o programare mai devreme pentru dvs.

    Când: { $when }

    { $where }

    O doriți?

    Da: intrați pe { $accept }

    Nu: intrați pe { $decline }

    Răspundeți până la: { $deadline }

    { $practice }

## Running late. Romanian plurals: "1 minut", "5 minute", "20 de minute".

running-late-sms =
    { $practice }: Bună ziua, { $name }. Ne pare rău, avem întârziere. Programarea dvs. poate începe cu aproximativ { $minutes ->
        [one] 1 minut
        [few] { $minutes } minute
       *[other] { $minutes } de minute
    } mai târziu.
    Programarea: { $when }
    Vă păstrați locul.
running-late-sms-easy-read =
    Bună ziua, { $name }. Ne pare rău, avem întârziere. Programarea poate începe cu { $minutes ->
        [one] 1 minut
        [few] { $minutes } minute
       *[other] { $minutes } de minute
    } mai târziu.
    Clinica: { $practice }
    Programarea: { $when }
    Vă păstrați locul.
running-late-email-subject = Avem întârziere
running-late-email-subject-easy-read = Avem întârziere
running-late-email-body =
    Bună ziua, { $name },

    Ne pare rău, azi avem întârziere.

    Programarea: { $when }

    Poate începe cu aproximativ { $minutes ->
        [one] 1 minut
        [few] { $minutes } minute
       *[other] { $minutes } de minute
    } mai târziu.

    Vă păstrați locul. Nu trebuie să faceți nimic.

    { $practice }
running-late-email-body-easy-read =
    Bună ziua, { $name }.

    Ne pare rău. Avem întârziere.

    Programarea: { $when }

    Poate începe cu { $minutes ->
        [one] 1 minut
        [few] { $minutes } minute
       *[other] { $minutes } de minute
    } mai târziu.

    Vă păstrați locul.

    { $practice }

## Missed appointment

missed-appointment-sms =
    { $practice }: Bună ziua, { $name }. Nu ați venit la programare. Sperăm că sunteți bine.
    Programarea: { $when }
    { $rebook }
missed-appointment-sms-easy-read =
    Bună ziua, { $name }. Ați pierdut programarea.
    Clinica: { $practice }
    Programarea: { $when }
    { $rebook }
missed-appointment-email-subject = Nu ați venit la programare
missed-appointment-email-subject-easy-read = Ați pierdut programarea
missed-appointment-email-body =
    Bună ziua, { $name },

    Nu ați venit la programare. Sperăm că sunteți bine.

    Programarea: { $when }

    Dacă aveți încă nevoie să ne vedeți, vă rugăm să faceți o nouă programare.
    { $rebook }

    Dacă nu puteți veni data viitoare, vă rugăm să ne spuneți. Atunci putem da ora altcuiva.

    { $practice }
missed-appointment-email-body-easy-read =
    Bună ziua, { $name }.

    Ați pierdut programarea.

    Programarea: { $when }

    Aveți încă nevoie de noi? Faceți o nouă programare.
    { $rebook }

    { $practice }

## After the visit

post-visit-sms =
    { $practice }: Bună ziua, { $name }. Vă mulțumim pentru vizită.
    Programarea: { $when }
    { $aftercare }
    { $contact }
post-visit-sms-easy-read =
    Bună ziua, { $name }. Vă mulțumim că ați venit la noi.
    Clinica: { $practice }
    Programarea: { $when }
    { $aftercare }
    { $contact }
post-visit-email-subject = După programare
post-visit-email-subject-easy-read = După programare
post-visit-email-body =
    Bună ziua, { $name },

    Vă mulțumim pentru vizită.

    Programarea: { $when }

    { $aftercare }

    { $contact }

    Dacă vă simțiți mai rău și este urgent, sunați la NHS 111. În caz de urgență gravă, sunați la 999.

    { $practice }
post-visit-email-body-easy-read =
    Bună ziua, { $name }.

    Vă mulțumim că ați venit la noi.

    Programarea: { $when }

    { $aftercare }

    { $contact }

    Vă simțiți mai rău și aveți nevoie de ajutor repede? Sunați la 111.

    Vă simțiți foarte rău? Sunați la 999.

    { $practice }

## A doctor has asked us to see the patient

referral-received-sms =
    { $practice }: Bună ziua, { $name }. Medicul dvs. ne-a cerut să vă vedem. Vă contactăm în curând pentru o programare.
    { $contact }
referral-received-sms-easy-read =
    Bună ziua, { $name }. Medicul dvs. vrea să vă vedem. Vă contactăm pentru o programare.
    Clinica: { $practice }
    { $contact }
referral-received-email-subject = Medicul dvs. ne-a cerut să vă vedem
referral-received-email-subject-easy-read = Medicul dvs. ne-a cerut să vă vedem
referral-received-email-body =
    Bună ziua, { $name },

    Medicul dvs. ne-a cerut să vă vedem. Avem scrisoarea medicului.

    Vă contactăm în curând pentru o programare. Acum nu trebuie să faceți nimic.

    { $contact }

    { $practice }
referral-received-email-body-easy-read =
    Bună ziua, { $name }.

    Medicul dvs. vrea să vă vedem.

    Vă contactăm în curând.

    Apoi stabilim o oră.

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
